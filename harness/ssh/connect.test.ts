// connectGuest against a real SSH server on the loopback (ssh2's Server, standing in for the
// guest's sshd) and a scripted console (standing in for QEMU's): when it connects, when it hands
// the session over, and what it says when the guest goes away in between.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { BootError } from '../core/errors.js';
import { SSHD_STARTED, GUEST_READY, markConsoleLine, type BootMarks } from '../vm/boot-phases.js';
import type { Vm } from '../vm/vm.js';
import { connectGuest, makeClientKey } from './guest.js';

const { Server, utils } = ssh2;

const hostPair = utils.generateKeyPairSync('ed25519', { comment: 'kph-guest' });
const servers: InstanceType<typeof Server>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** An SSH server that lets `root` in with the client key, and counts handshakes. */
async function sshd(clientPublic: string) {
  const allowed = utils.parseKey(clientPublic);
  if (allowed instanceof Error) throw allowed;
  const seen = { handshakes: 0 };
  const server = new Server({ hostKeys: [hostPair.private] }, (client) => {
    client.on('handshake', () => seen.handshakes++);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.username === 'root' && ctx.key.data.equals(allowed.getPublicSSH())) return ctx.accept();
      ctx.reject(['publickey']);
    });
    client.on('error', () => undefined);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, seen };
}

/** A guest console that prints `script`'s lines at their times (ms after the start). */
function scriptedVm(port: number, script: [number, string][], o: { exitAt?: number } = {}): Vm {
  const startedAt = Date.now();
  const shown: string[] = [];
  const marks: BootMarks = {};
  const waiters = new Set<{ re: RegExp; resolve: (ok: boolean) => void }>();
  let exited = false;
  for (const [at, line] of script)
    setTimeout(() => {
      shown.push(line);
      markConsoleLine(marks, line, Date.now() - startedAt);
      for (const w of waiters) if (w.re.test(line)) w.resolve(true);
    }, at);
  if (o.exitAt !== undefined) setTimeout(() => (exited = true), o.exitAt);
  const vm: Partial<Vm> = {
    sshPort: port,
    startedAt,
    marks,
    lines: () => shown,
    firstSplat: () => null,
    alive: () => !exited,
    exitCode: () => (exited ? 1 : null),
    silentForMs: () => 0,
    waitForLine: (re, timeoutMs) =>
      new Promise((resolve) => {
        const w = { re, resolve: (ok: boolean) => (waiters.delete(w), resolve(ok)) };
        waiters.add(w);
        setTimeout(() => w.resolve(false), timeoutMs);
      }),
  };
  return vm as Vm;
}

describe('connectGuest', () => {
  it('starts the handshake on "sshd started" and hands the session over only after "guest ready"', async () => {
    const key = makeClientKey();
    const { port, seen } = await sshd(key.publicKey);
    const vm = scriptedVm(port, [[50, SSHD_STARTED], [1200, GUEST_READY]]);
    const session = await connectGuest({ vm, key, hostKey: hostPair.public, deadlineMs: 10_000, silenceMs: 10_000 });
    try {
      expect(seen.handshakes).toBe(1);
      // Authenticated while the guest was still starting auditd, handed over after its ready line.
      expect(vm.marks.sshAttemptMs!).toBeGreaterThanOrEqual(vm.marks.sshdMs!);
      expect(vm.marks.sshReadyMs!).toBeLessThan(vm.marks.readyMs!);
      expect(Date.now() - vm.startedAt).toBeGreaterThanOrEqual(vm.marks.readyMs!);
    } finally {
      session.end();
    }
  });

  it('refuses a server whose host key is not the pinned one, at once', async () => {
    const key = makeClientKey();
    const { port } = await sshd(key.publicKey);
    const vm = scriptedVm(port, [[0, SSHD_STARTED], [10, GUEST_READY]]);
    const other = utils.generateKeyPairSync('ed25519', { comment: 'other' });
    const err = await connectGuest({ vm, key, hostKey: other.public, deadlineMs: 10_000, silenceMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BootError);
    expect((err as BootError).message).toMatch(/after its sshd started\): the guest presented a host key other than the image's \(pinned key\)/);
  });

  it('a guest that dies after SSH is up and before it is ready: E_QEMU_EXITED, saying so', async () => {
    const key = makeClientKey();
    const { port } = await sshd(key.publicKey);
    const vm = scriptedVm(port, [[0, SSHD_STARTED], [5000, GUEST_READY]], { exitAt: 1000 });
    const err = await connectGuest({ vm, key, hostKey: hostPair.public, deadlineMs: 10_000, silenceMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BootError);
    expect((err as BootError).code).toBe('E_QEMU_EXITED');
    expect((err as BootError).message).toMatch(/answered on SSH and then, before it was ready \(auditd\): QEMU exited \(code 1\)/);
    expect(vm.marks.sshReadyMs).toBeDefined();
    expect(vm.marks.readyMs).toBeUndefined();
  });
});

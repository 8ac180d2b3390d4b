// startVm and connectGuest against fake QEMUs that replay recorded consoles.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BootError } from '../core/errors.js';
import { liveManagedCount, realRunner } from '../process/exec.js';
import { connectGuest, makeClientKey } from '../ssh/guest.js';
import { startVm } from './vm.js';

const dir = mkdtempSync(join(tmpdir(), 'kph-vm-test-'));
const fixture = join(import.meta.dirname, '..', 'test', 'fixtures', 'console', 'boot-then-oops-in-unshare.log');

function fakeQemu(name: string, body: string): string {
  const f = join(dir, name);
  writeFileSync(f, `#!/bin/sh\n${body}\n`);
  chmodSync(f, 0o755);
  return f;
}

const key = makeClientKey();
const hostKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKk6yobRr/89KXZRZuKKTkcV1Bg+tjwpJiz+NdTj19jg kph-guest';

describe('startVm + connectGuest with a fake QEMU', () => {
  it('stops retrying at once when the console shows a panic, and tees the console', async () => {
    // Replays a real console that ends in BUG() + panic, then exits as QEMU does with -no-reboot.
    const qemu = fakeQemu('panic', `sleep 0.4; cat '${fixture}'; exit 0`);
    const consoleLog = join(dir, 'panic-console.log');
    const vm = await startVm({ runner: realRunner, qemu, kernel: 'k', rootImage: 'i', accel: 'tcg', consoleLog, authorizedKeyB64: 'x' });
    const started = Date.now();
    const err = await connectGuest({ vm, key, hostKey, deadlineMs: 60_000, silenceMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BootError);
    expect((err as BootError).code).toBe('E_BOOT_SPLAT');
    expect((err as BootError).message).toMatch(/kernel BUG at/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await vm.stop();
    expect(readFileSync(consoleLog, 'utf8')).toBe(readFileSync(fixture, 'utf8'));
    expect(liveManagedCount()).toBe(0);
  });

  it('reports a guest that prints nothing as unreachable after the silence limit, and kills it', async () => {
    const qemu = fakeQemu('silent', 'echo "Linux version 6.12.117"; exec sleep 600');
    const vm = await startVm({ runner: realRunner, qemu, kernel: 'k', rootImage: 'i', accel: 'tcg', consoleLog: join(dir, 'silent.log'), authorizedKeyB64: 'x' });
    const err = await connectGuest({ vm, key, hostKey, deadlineMs: 30_000, silenceMs: 1_500 }).catch((e: unknown) => e);
    expect((err as BootError).code).toBe('E_GUEST_UNREACHABLE');
    expect((err as BootError).message).toMatch(/no output from the guest for \d+ s/);
    await vm.stop();
    expect(vm.alive()).toBe(false);
    expect(liveManagedCount()).toBe(0);
  });

  it('says so when QEMU cannot start', async () => {
    const qemu = fakeQemu('bad', 'echo "qemu-system-x86_64: -drive file=i: Could not open \'i\': No such file or directory" >&2; exit 1');
    await expect(startVm({ runner: realRunner, qemu, kernel: 'k', rootImage: 'i', accel: 'tcg', consoleLog: join(dir, 'bad.log'), authorizedKeyB64: 'x' })).rejects.toThrow(/QEMU exited at once \(exit 1\): .*Could not open/);
  });
});

// startVm and connectGuest against fake QEMUs that replay recorded consoles.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BootError } from '../core/errors.js';
import { findExecutable, liveManagedCount, realRunner } from '../process/exec.js';
import { connectGuest, makeClientKey } from '../ssh/guest.js';
import { cleanMonitorAnswer, hmpCommand, startVm } from './vm.js';

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

describe('the QEMU monitor and SysRq', () => {
  it('puts the monitor socket in a 0700 folder of its own, gone once QEMU ends', async () => {
    // The fake QEMU prints the -monitor argument and waits.
    const qemu = fakeQemu('monitor-arg', 'for a; do [ "$prev" = -monitor ] && echo "MON $a"; prev=$a; done; exec sleep 600');
    const vm = await startVm({ runner: realRunner, qemu, kernel: 'k', rootImage: 'i', accel: 'tcg', consoleLog: join(dir, 'mon.log'), authorizedKeyB64: 'x' });
    expect(await vm.waitForLine(/^MON /, 5000)).toBe(true);
    expect(vm.lines().find((l) => l.startsWith('MON '))).toBe(`MON unix:${vm.monitorSocket},server=on,wait=off`);
    const folder = join(vm.monitorSocket, '..');
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    await vm.stop();
    expect(existsSync(folder)).toBe(false);
  });

  it('sysrq sends a serial BREAK through the mux, then the key', async () => {
    const got = join(dir, 'stdin.bin');
    const qemu = fakeQemu('stdin', `echo up; exec cat >'${got}'`);
    const vm = await startVm({ runner: realRunner, qemu, kernel: 'k', rootImage: 'i', accel: 'tcg', consoleLog: join(dir, 'sysrq.log'), authorizedKeyB64: 'x' });
    await vm.sysrq('t');
    await expect(vm.sysrq('tt')).rejects.toThrow(/one SysRq key/);
    await new Promise((r) => setTimeout(r, 200));
    await vm.stop();
    expect(readFileSync(got, 'latin1')).toBe('\x01bt');
  });

  it('cleanMonitorAnswer drops the echo, the escapes and the prompt', () => {
    const raw = 'i\x1b[K\x1b[Din\x1b[K\x1b[D\x1b[Dinfo status\x1b[K\r\nVM status: running\r\n(qemu) ';
    expect(cleanMonitorAnswer(raw)).toBe('VM status: running\n');
  });

  it.skipIf(!findExecutable('qemu-system-x86_64'))('talks HMP to a real QEMU over its unix socket (path with a comma and a space)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kph vm,test-'));
    const sock = join(d, 'monitor.sock');
    const q = spawn('qemu-system-x86_64', ['-nodefaults', '-display', 'none', '-machine', 'none', '-S', '-monitor', `unix:${sock.replace(/,/g, ',,')},server=on,wait=off`], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await hmpCommand(sock, 'info status')).toBe('VM status: paused (prelaunch)\n');
      expect(await hmpCommand(sock, 'info version')).toMatch(/^\d+\.\d+/);
      await expect(hmpCommand(sock, 'info status\nquit')).rejects.toThrow(/one line/);
    } finally {
      q.kill('SIGKILL');
    }
  });
});

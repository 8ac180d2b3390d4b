import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveManagedCount, realRunner } from '../process/exec.js';
import { chooseAccel, judgeKernelProbe, kernelProbeArgs, probeBootSector, PROBE_MARKER } from './accel.js';

// Captured on 2026-11-29 from this repo's baseline kernel, no disk (kernelProbeArgs): under KVM
// on a host whose /dev/kvm runs a boot sector, QEMU's "KVM internal error" on the kernel's first
// XRSTOR (stderr; the console lines before it on stdout), and the same kernel under TCG reaching
// the panic for its missing root.
const fixtures = join(import.meta.dirname, '../test/fixtures/accel');
const xrstorOut = join(fixtures, 'kvm-xrstor-emulation-failure.stdout');
const xrstorErr = join(fixtures, 'kvm-xrstor-emulation-failure.stderr');
const noRoot = join(fixtures, 'tcg-no-root-panic.stdout');

const dir = mkdtempSync(join(tmpdir(), 'kph-accel-test-'));
const devKvm = join(dir, 'kvm');
writeFileSync(devKvm, '');

/** A fake qemu-system-x86_64: a shell script standing in for the real one. */
function fakeQemu(name: string, body: string): string {
  const f = join(dir, name);
  writeFileSync(f, `#!/bin/sh\n${body}\n`);
  chmodSync(f, 0o755);
  return f;
}

describe('probeBootSector', () => {
  it('is a bootable sector that carries the marker after the code', () => {
    const s = probeBootSector();
    expect(s.length).toBe(512);
    expect(s.subarray(510).toString('hex')).toBe('55aa');
    // mov si, 0x7c17: the message starts right after the 23 bytes of code.
    expect(s.readUInt16LE(9)).toBe(0x7c00 + 23);
    expect(s.subarray(23, 23 + PROBE_MARKER.length).toString('latin1')).toBe(PROBE_MARKER);
  });
});

describe('chooseAccel', () => {
  it('uses KVM when the probe guest prints its marker', async () => {
    const qemu = fakeQemu('ok', `echo ${PROBE_MARKER}`);
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm });
    expect(c.accel).toBe('kvm');
  });

  it('falls back to TCG when QEMU asserts on MSR 0x10a (as on these machines)', async () => {
    const qemu = fakeQemu('msr', `echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2; exit 134`);
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm });
    expect(c.accel).toBe('tcg');
    expect(c.reason).toMatch(/exists but QEMU with KVM failed \(exit 134\): .*MSR 0x10a/);
  });

  it('falls back to TCG when the KVM guest hangs silently, within the deadline', async () => {
    const qemu = fakeQemu('hang', 'exec sleep 30');
    const started = Date.now();
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm, deadlineMs: 1000 });
    expect(c.accel).toBe('tcg');
    expect(c.reason).toMatch(/printed nothing within 1000 ms/);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('refuses --accel kvm at once when the probe fails, with the reason', async () => {
    const qemu = fakeQemu('msr2', `echo "failed to set MSR 0x10a to 0x69" >&2; exit 134`);
    await expect(chooseAccel({ runner: realRunner, qemu, devKvm, want: 'kvm' })).rejects.toThrow(/--accel kvm was asked for, but QEMU with KVM failed \(exit 134\)/);
  });

  it('boots the kernel as a second stage and uses KVM when it reaches its root panic', async () => {
    const qemu = fakeQemu('kernel-ok', `case "$*" in *-kernel*) cat ${noRoot};; *) echo ${PROBE_MARKER};; esac`);
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm, kernel: '/k/bzImage' });
    expect(c.accel).toBe('kvm');
    expect(c.reason).toMatch(/the kernel ran under KVM to "Kernel panic - not syncing: VFS: Unable to mount root fs/);
  });

  it('falls back to TCG at once when the boot sector runs but QEMU stops the kernel with a KVM internal error', async () => {
    // As on this host: the error comes after 0.3 s and QEMU then waits, paused, for ever.
    const qemu = fakeQemu('kernel-xrstor', `case "$*" in *-kernel*) cat ${xrstorOut}; cat ${xrstorErr} >&2; exec sleep 30;; *) echo ${PROBE_MARKER}; exec sleep 30;; esac`);
    const started = Date.now();
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm, kernel: '/k/bzImage' });
    expect(c.accel).toBe('tcg');
    expect(c.reason).toMatch(/a boot sector runs under KVM and the kernel does not: QEMU stopped the kernel with "KVM internal error. Suberror: 1", emulation failure after 86 console lines; its last line: ".*AVX-512 ZMM_Hi256'"; using TCG$/);
    // Neither stage waited for its deadline (5 s, 30 s), and no QEMU is left behind.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(liveManagedCount()).toBe(0);
  });

  it('falls back to TCG when the kernel goes quiet under KVM, and refuses --accel kvm with that reason', async () => {
    const qemu = fakeQemu('kernel-quiet', `case "$*" in *-kernel*) head -20 ${xrstorOut}; exec sleep 30;; *) echo ${PROBE_MARKER};; esac`);
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm, kernel: '/k/bzImage', kernelIdleMs: 500 });
    expect(c.accel).toBe('tcg');
    expect(c.reason).toMatch(/the kernel printed 20 lines under KVM, then nothing \(quiet too long, \d+ ms\); its last line: "\[    0.000000\] MPTABLE: OEM ID: BOCHSCPU"; using TCG$/);
    await expect(chooseAccel({ runner: realRunner, qemu, devKvm, kernel: '/k/bzImage', kernelIdleMs: 500, want: 'kvm' })).rejects.toThrow(/--accel kvm was asked for, but a boot sector runs under KVM and the kernel does not: the kernel printed 20 lines/);
    expect(liveManagedCount()).toBe(0);
  });

  it('gives up on a kernel that prints nothing under KVM 5 s after QEMU started, not at the 30 s deadline', async () => {
    const qemu = fakeQemu('kernel-silent', `case "$*" in *-kernel*) exec sleep 60;; *) echo ${PROBE_MARKER};; esac`);
    const started = Date.now();
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm, kernel: '/k/bzImage', kernelLabel: "baseline's kernel" });
    expect(c.reason).toMatch(/a boot sector runs under KVM and the kernel \(baseline's kernel\) does not: the kernel printed nothing under KVM within 5\d\d\d ms; using TCG$/);
    expect(Date.now() - started).toBeLessThan(9000);
    expect(liveManagedCount()).toBe(0);
  }, 15_000);

  it('falls back to TCG when QEMU exits before the kernel panics (a triple fault under -no-reboot)', async () => {
    const qemu = fakeQemu('kernel-exit', `case "$*" in *-kernel*) head -3 ${xrstorOut}; exit 0;; *) echo ${PROBE_MARKER};; esac`);
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm, kernel: '/k/bzImage' });
    expect(c.accel).toBe('tcg');
    expect(c.reason).toMatch(/the kernel does not: QEMU exited \(0\) before the kernel reached its root mount; its last line: "\[    0.000000\] BIOS-provided physical RAM map:"; using TCG$/);
  }, 10_000);

  it('says when only the boot sector was probed', async () => {
    const qemu = fakeQemu('sector-only', `echo ${PROBE_MARKER}; exec sleep 30`);
    const c = await chooseAccel({ runner: realRunner, qemu, devKvm });
    expect(c.accel).toBe('kvm');
    expect(c.reason).toMatch(/booted a boot sector in \d+ ms \(no kernel probed\)/);
    // Stopped on the marker, not at the 5 s deadline.
    expect(c.probeMs).toBeLessThan(3000);
  });

  it('does not probe when there is no /dev/kvm, and honours --accel tcg', async () => {
    expect((await chooseAccel({ runner: realRunner, devKvm: join(dir, 'absent') })).reason).toMatch(/does not exist/);
    expect((await chooseAccel({ runner: realRunner, want: 'tcg', devKvm })).accel).toBe('tcg');
  });
});

describe('judgeKernelProbe', () => {
  const run = (stdout: string, stderr: string, ended: 'done' | 'exit' | 'deadline' | 'idle', exitCode?: number) => judgeKernelProbe({ stdout, stderr, ended, ms: 1234, ...(exitCode === undefined ? {} : { exitCode }) });

  it('passes a kernel that reached its panic for the missing root (real TCG console)', () => {
    expect(run(readFileSync(noRoot, 'utf8'), '', 'exit', 0)).toEqual({ ok: true, what: 'the kernel ran under KVM to "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)" in 1234 ms' });
  });

  it("fails on QEMU's KVM internal error even though the kernel printed (real capture)", () => {
    const j = run(readFileSync(xrstorOut, 'utf8'), readFileSync(xrstorErr, 'utf8'), 'done');
    expect(j.ok).toBe(false);
  });

  it('fails a QEMU that exited without a panic, and a kernel that printed nothing', () => {
    expect(run('[    0.000000] Linux version 6.12\n', 'qemu-system-x86_64: failed to set MSR 0x10a\n', 'exit', 1)).toEqual({ ok: false, why: 'QEMU exited (1) before the kernel reached its root mount: qemu-system-x86_64: failed to set MSR 0x10a; its last line: "[    0.000000] Linux version 6.12"' });
    expect(run('', '', 'idle')).toEqual({ ok: false, why: 'the kernel printed nothing under KVM within 1234 ms' });
  });

  it('boots without a disk to the panic, with the console on stdout', () => {
    const a = kernelProbeArgs('/k/bzImage');
    expect(a.slice(a.indexOf('-kernel'), a.indexOf('-kernel') + 2)).toEqual(['-kernel', '/k/bzImage']);
    expect(a).not.toContain('-drive');
    expect(a.join(' ')).toMatch(/-accel kvm -cpu host .* -serial stdio -no-reboot .*panic=-1/);
  });
});

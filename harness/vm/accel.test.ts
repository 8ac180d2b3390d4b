import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realRunner } from '../process/exec.js';
import { chooseAccel, probeBootSector, PROBE_MARKER } from './accel.js';

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

  it('does not probe when there is no /dev/kvm, and honours --accel tcg', async () => {
    expect((await chooseAccel({ runner: realRunner, devKvm: join(dir, 'absent') })).reason).toMatch(/does not exist/);
    expect((await chooseAccel({ runner: realRunner, want: 'tcg', devKvm })).accel).toBe('tcg');
  });
});

// Choose the accelerator by a real probe: boot a 512-byte boot sector that writes a line to
// the serial port, under KVM, with a short deadline. /dev/kvm existing proves nothing: on some
// hosts QEMU asserts on MSR 0x10a with -cpu host, on others the guest hangs silently.
import { existsSync, mkdtempSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '../core/errors.js';
import type { Accel } from '../core/types.js';
import type { Runner } from '../process/exec.js';

export const PROBE_MARKER = 'KPH-PROBE-OK';

/**
 * Real-mode code at 0x7c00: ds=0, print the message to COM1 (0x3f8), halt.
 *   fc            cld
 *   31 c0 8e d8   xor ax,ax ; mov ds,ax
 *   ba f8 03      mov dx,0x3f8
 *   be 17 7c      mov si,0x7c17        ; the message follows the code
 *   ac 84 c0      lodsb ; test al,al
 *   74 03 ee eb f8  jz +3 ; out dx,al ; jmp lodsb
 *   fa f4 eb fd   cli ; hlt ; jmp hlt
 */
export function probeBootSector(): Buffer {
  const code = [0xfc, 0x31, 0xc0, 0x8e, 0xd8, 0xba, 0xf8, 0x03, 0xbe, 0x17, 0x7c, 0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xfa, 0xf4, 0xeb, 0xfd];
  const img = Buffer.alloc(512);
  Buffer.from(code).copy(img, 0);
  Buffer.from(`${PROBE_MARKER}\n\0`, 'latin1').copy(img, code.length);
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

export interface AccelChoice {
  accel: Accel;
  reason: string;
  probeMs: number;
}

export interface ProbeOptions {
  runner: Runner;
  qemu?: string;
  deadlineMs?: number;
  /** 'auto' probes; 'kvm' or 'tcg' force (kvm still probes, to fail early with the reason). */
  want?: 'auto' | Accel;
  devKvm?: string;
}

export async function chooseAccel(opts: ProbeOptions): Promise<AccelChoice> {
  const started = Date.now();
  const want = opts.want ?? 'auto';
  const devKvm = opts.devKvm ?? '/dev/kvm';
  const done = (accel: Accel, reason: string): AccelChoice => ({ accel, reason, probeMs: Date.now() - started });
  if (want === 'tcg') return done('tcg', 'TCG requested (--accel tcg)');
  if (!existsSync(devKvm)) return done('tcg', `${devKvm} does not exist: no KVM on this host`);
  try {
    accessSync(devKvm, constants.R_OK | constants.W_OK);
  } catch {
    return done('tcg', `${devKvm} exists but is not readable and writable by this user (add yourself to group kvm)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kph-probe-'));
  try {
    const disk = join(dir, 'probe.img');
    writeFileSync(disk, probeBootSector());
    const deadlineMs = opts.deadlineMs ?? 5000;
    const r = await opts.runner.run(
      opts.qemu ?? 'qemu-system-x86_64',
      ['-accel', 'kvm', '-cpu', 'host', '-m', '16', '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-drive', `file=${disk},format=raw,if=floppy`],
      { timeoutMs: deadlineMs, allowFailure: true },
    );
    if (r.stdout.includes(PROBE_MARKER)) return done('kvm', `KVM probe booted in ${Date.now() - started} ms`);
    const stderr = r.stderr.trim().split('\n').filter(Boolean);
    const why = r.timedOut
      ? `the KVM probe guest printed nothing within ${deadlineMs} ms (KVM hangs here)`
      : `QEMU with KVM failed (exit ${r.exitCode}): ${stderr.slice(0, 2).join(' / ') || 'no message'}`;
    // Booting under a KVM that failed the probe only hangs until the boot deadline: say so now.
    if (want === 'kvm') throw new InfraError('vm', `--accel kvm was asked for, but ${why}.`, { hint: 'Use --accel auto (or tcg) on this host, or fix KVM first (`kph doctor` shows the probe).' });
    return done('tcg', `${devKvm} exists but ${why}; using TCG`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

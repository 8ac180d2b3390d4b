// Choose the accelerator by a real probe, in two stages, each with a short deadline. /dev/kvm
// existing proves nothing: on some hosts QEMU asserts on MSR 0x10a with -cpu host, on others the
// guest hangs silently, and on others a boot sector runs but the kernel does not (measured on
// 2026-11-29: QEMU stops the guest with "KVM internal error. Suberror: 1 ... emulation failure"
// on the kernel's first XRSTOR, right after its "x86/fpu: Supporting XSAVE feature" lines; on
// the next try it printed nothing at all). So: first a 512-byte boot sector that writes a line
// to the serial port; then, when the caller has one, the kernel it is about to boot, without a
// disk, to the panic it gives when it finds no root file system.
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
  /** The boot sector's deadline. */
  deadlineMs?: number;
  /** A kernel like the one the caller will boot (bzImage): booted under KVM as the second stage. */
  kernel?: string;
  /** Which kernel that is, for the reason ("baseline's kernel"). */
  kernelLabel?: string;
  /**
   * The kernel stage's deadline, and how long it may print nothing before it counts as hung (at
   * most 5 s before its first line).
   */
  kernelDeadlineMs?: number;
  kernelIdleMs?: number;
  /** 'auto' probes; 'kvm' or 'tcg' force (kvm still probes, to fail early with the reason). */
  want?: 'auto' | Accel;
  devKvm?: string;
}

/** What a probe QEMU printed and how it ended. */
export interface ProbeRun {
  stdout: string;
  stderr: string;
  /** 'done': what we waited for came and QEMU was stopped; 'exit': QEMU exited by itself. */
  ended: 'done' | 'exit' | 'deadline' | 'idle';
  exitCode?: number;
  ms: number;
}

/**
 * QEMU with `args` until `done(stdout, stderr)` holds, it exits, `deadlineMs` passes or it prints
 * nothing for `idleMs` (`firstIdleMs` before its first output); then it is stopped (its process
 * group), never left behind.
 */
export async function watchProbe(runner: Runner, qemu: string, args: string[], o: { deadlineMs: number; idleMs?: number; firstIdleMs?: number; done: (stdout: string, stderr: string) => boolean }): Promise<ProbeRun> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  let ended: ProbeRun['ended'] | undefined;
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((r) => (wake = r));
  const end = (why: ProbeRun['ended']) => {
    ended ??= why;
    wake();
  };
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    // Nothing after the end: QEMU's last words ("terminating on signal 15") must not arm a timer.
    if (o.idleMs === undefined || ended) return;
    clearTimeout(idle);
    idle = setTimeout(() => end('idle'), stdout || stderr ? o.idleMs : (o.firstIdleMs ?? o.idleMs));
  };
  const seen = () => {
    if (ended) return;
    touch();
    if (o.done(stdout, stderr)) end('done');
  };
  const proc = runner.spawn(qemu, args, {
    dieWithParent: true,
    onStdout: (c) => {
      stdout += c;
      seen();
    },
    onStderr: (c) => {
      stderr += c;
      seen();
    },
  });
  const deadline = setTimeout(() => end('deadline'), o.deadlineMs);
  touch();
  let exitCode: number | undefined;
  void proc.exited.then((code) => {
    exitCode = code;
    end('exit');
  });
  await woken;
  clearTimeout(deadline);
  clearTimeout(idle);
  if (!proc.hasExited()) await proc.stop(500);
  if (proc.error) throw proc.error;
  return { stdout, stderr, ended: ended!, ...(ended === 'exit' ? { exitCode } : {}), ms: Date.now() - started };
}

/** The kernel stage's QEMU: no disk, no network, the serial console on stdout. */
export function kernelProbeArgs(kernel: string): string[] {
  return ['-accel', 'kvm', '-cpu', 'host', '-m', '256', '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-kernel', kernel, '-append', 'console=ttyS0 earlycon=uart8250,io,0x3f8 panic=-1'];
}

const PANIC = /Kernel panic - not syncing[^\r\n]*/;
const KVM_ERROR = /KVM internal error[^\r\n]*/;

/**
 * Did the kernel run under KVM? Yes when it reached a panic (with no disk, the one for its root
 * file system: every initcall ran; a panic of its own also shows KVM ran it). No when QEMU
 * reported a KVM internal error, exited without a panic, or the kernel went quiet. Pure.
 */
export function judgeKernelProbe(r: ProbeRun): { ok: true; what: string } | { ok: false; why: string } {
  const lines = r.stdout.split(/\r?\n/).map((l) => l.trimEnd()).filter(Boolean);
  const last = lines.length ? `; its last line: "${lines[lines.length - 1]!.slice(0, 160)}"` : '';
  const kvmError = KVM_ERROR.exec(r.stderr);
  if (kvmError) {
    const detail = /emulation failure/.test(r.stderr) ? ', emulation failure' : '';
    return { ok: false, why: `QEMU stopped the kernel with "${kvmError[0].trim()}"${detail} after ${lines.length} console lines${last}` };
  }
  const panic = PANIC.exec(r.stdout);
  if (panic) return { ok: true, what: `the kernel ran under KVM to "${panic[0].trim().slice(0, 100)}" in ${r.ms} ms` };
  if (r.ended === 'exit') {
    const err = r.stderr.trim().split('\n').filter(Boolean).slice(0, 2).join(' / ');
    return { ok: false, why: `QEMU exited (${r.exitCode}) before the kernel reached its root mount${err ? `: ${err}` : ''}${last}` };
  }
  if (!lines.length) return { ok: false, why: `the kernel printed nothing under KVM within ${r.ms} ms` };
  return { ok: false, why: `the kernel printed ${lines.length} lines under KVM, then nothing (${r.ended === 'idle' ? 'quiet too long' : 'deadline'}, ${r.ms} ms)${last}` };
}

export async function chooseAccel(opts: ProbeOptions): Promise<AccelChoice> {
  const started = Date.now();
  const want = opts.want ?? 'auto';
  const devKvm = opts.devKvm ?? '/dev/kvm';
  const qemu = opts.qemu ?? 'qemu-system-x86_64';
  const done = (accel: Accel, reason: string): AccelChoice => ({ accel, reason, probeMs: Date.now() - started });
  // Booting under a KVM that failed the probe only hangs until the boot deadline: say so now.
  const refuse = (why: string): AccelChoice => {
    if (want === 'kvm') throw new InfraError('vm', `--accel kvm was asked for, but ${why}.`, { hint: 'Use --accel auto (or tcg) on this host, or fix KVM first (`kph doctor` shows the probe).' });
    return done('tcg', `${devKvm} exists but ${why}; using TCG`);
  };
  if (want === 'tcg') return done('tcg', 'TCG requested (--accel tcg)');
  if (!existsSync(devKvm)) return done('tcg', `${devKvm} does not exist: no KVM on this host`);
  try {
    accessSync(devKvm, constants.R_OK | constants.W_OK);
  } catch {
    return done('tcg', `${devKvm} exists but is not readable and writable by this user (add yourself to group kvm)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kph-probe-'));
  let sector: ProbeRun;
  try {
    const disk = join(dir, 'probe.img');
    writeFileSync(disk, probeBootSector());
    const deadlineMs = opts.deadlineMs ?? 5000;
    sector = await watchProbe(
      opts.runner,
      qemu,
      ['-accel', 'kvm', '-cpu', 'host', '-m', '16', '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-drive', `file=${disk},format=raw,if=floppy`],
      { deadlineMs, done: (out) => out.includes(PROBE_MARKER) },
    );
    if (!sector.stdout.includes(PROBE_MARKER)) {
      const stderr = sector.stderr.trim().split('\n').filter(Boolean);
      return refuse(sector.ended === 'exit' ? `QEMU with KVM failed (exit ${sector.exitCode}): ${stderr.slice(0, 2).join(' / ') || 'no message'}` : `the KVM probe guest printed nothing within ${deadlineMs} ms (KVM hangs here)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!opts.kernel) return done('kvm', `KVM probe booted a boot sector in ${sector.ms} ms (no kernel probed)`);
  const k = await watchProbe(opts.runner, qemu, kernelProbeArgs(opts.kernel), {
    deadlineMs: opts.kernelDeadlineMs ?? 30_000,
    idleMs: opts.kernelIdleMs ?? 10_000,
    // With earlycon the kernel's first line comes at once under KVM, decompression included.
    firstIdleMs: Math.min(opts.kernelIdleMs ?? 10_000, 5000),
    done: (out, err) => PANIC.test(out) || KVM_ERROR.test(err),
  });
  const j = judgeKernelProbe(k);
  const which = opts.kernelLabel ? ` (${opts.kernelLabel})` : '';
  if (j.ok) return done('kvm', `KVM probe: a boot sector ran in ${sector.ms} ms and ${j.what}${which}`);
  return refuse(`a boot sector runs under KVM and the kernel${which} does not: ${j.why}`);
}

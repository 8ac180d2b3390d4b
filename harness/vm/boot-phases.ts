// Where a boot's time goes, from what the host saw: QEMU's start, console lines as they arrived,
// the SSH client's events. Pure.
//
// Host times only. The kernel's printk timestamps are guest time, which under TCG on a busy host
// runs at its own pace (measured here: init at printk 2.26 s, 4.7 s of host time after the
// kernel's first line). The kernel's first line comes at its start because the harness boots
// with `earlycon` (qemu-args.ts): before, it came when ttyS0 registered, later in the boot.

/** The guest's lines (images/guest-tools/kph-init.c): sshd started; auditd runs too. */
export const SSHD_STARTED = 'kph: sshd started';
export const GUEST_READY = 'kph: guest ready';

/** Host milliseconds since QEMU was spawned, at what the console and the SSH client showed. */
export interface BootMarks {
  /** The kernel's first console line arrived (with earlycon: the kernel started). */
  firstLineMs?: number;
  /** The init line ("Run /sbin/kph-init as init process") arrived. */
  initMs?: number;
  /** The guest's "kph: sshd started" line arrived: kph starts its SSH handshake. */
  sshdMs?: number;
  /** The guest's "kph: guest ready" line (auditd started and its rules loaded) arrived. */
  readyMs?: number;
  /** The SSH attempt that succeeded began (TCP connect). */
  sshAttemptMs?: number;
  /** Key exchange done on that attempt (ssh2's "handshake"). */
  sshHandshakeMs?: number;
  /** Authenticated: a session kph can use. */
  sshReadyMs?: number;
}

/**
 * A boot's phases in ms; they add up to `total` where every mark was seen. The SSH handshake
 * runs while the guest starts auditd: `readyWait` is what was left of that after SSH was up.
 */
export interface BootPhases {
  /** QEMU start, firmware, loading and decompressing the kernel: until its first line. */
  firmware?: number;
  /** The kernel's first line to the init process. */
  kernel?: number;
  /** Init to sshd started (network, sshd); to the ready line for a guest that never says so. */
  userspace?: number;
  /** sshd started to the SSH attempt that succeeded (waiting, retries). */
  sshWait?: number;
  /** That attempt's TCP connect, banner and key exchange. */
  sshKex?: number;
  /** Authentication after the key exchange. */
  sshAuth?: number;
  /** SSH was up; the guest's ready line (auditd) had not come yet. */
  readyWait?: number;
  total: number;
}

/** The kernel's line when it starts init. */
export function isInitLine(line: string): boolean {
  return /^\[\s*\d+\.\d+\] Run \S+ as init process/.test(line);
}

/** Records in `m` the first time each of the guest's milestone lines arrived (`atMs` after QEMU's spawn). */
export function markConsoleLine(m: BootMarks, line: string, atMs: number): void {
  m.firstLineMs ??= atMs;
  if (m.initMs === undefined && isInitLine(line)) m.initMs = atMs;
  if (m.sshdMs === undefined && line === SSHD_STARTED) m.sshdMs = atMs;
  if (m.readyMs === undefined && line === GUEST_READY) m.readyMs = atMs;
}

export function bootPhases(m: BootMarks, totalMs: number): BootPhases {
  const p: BootPhases = { total: totalMs };
  const sshdUp = m.sshdMs ?? m.readyMs;
  if (m.firstLineMs !== undefined) p.firmware = m.firstLineMs;
  if (m.firstLineMs !== undefined && m.initMs !== undefined) p.kernel = m.initMs - m.firstLineMs;
  if (m.initMs !== undefined && sshdUp !== undefined) p.userspace = sshdUp - m.initMs;
  if (sshdUp !== undefined && m.sshAttemptMs !== undefined) p.sshWait = Math.max(0, m.sshAttemptMs - sshdUp);
  if (m.sshAttemptMs !== undefined && m.sshHandshakeMs !== undefined) p.sshKex = m.sshHandshakeMs - m.sshAttemptMs;
  if (m.sshHandshakeMs !== undefined && m.sshReadyMs !== undefined) p.sshAuth = m.sshReadyMs - m.sshHandshakeMs;
  if (m.sshdMs !== undefined && m.readyMs !== undefined && m.sshReadyMs !== undefined) p.readyWait = Math.max(0, m.readyMs - m.sshReadyMs);
  return p;
}

/** "firmware 1.1 s, kernel 0.9 s, userspace 1.0 s, ..." for progress lines and reports. */
export function formatBootPhases(p: BootPhases): string {
  const names: [keyof BootPhases, string][] = [['firmware', 'firmware'], ['kernel', 'kernel'], ['userspace', 'userspace'], ['sshWait', 'ssh wait'], ['sshKex', 'ssh kex'], ['sshAuth', 'ssh auth'], ['readyWait', 'ready wait']];
  return names
    .filter(([k]) => p[k] !== undefined)
    .map(([k, n]) => `${n} ${((p[k] as number) / 1000).toFixed(1)} s`)
    .join(', ');
}

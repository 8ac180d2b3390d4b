// QEMU's command line as a pure function of what to boot and how. Architecture quirks are
// commented where they live.
import type { Accel } from '../core/types.js';

export interface QemuRequest {
  kernel: string;
  rootImage: string;
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  sshPort: number;
  /** Extra kernel arguments after the harness's own. */
  extraCmdline?: string[];
  /** Base64 of the per-run authorized_keys line, installed by the guest's kph-init. */
  authorizedKeyB64: string;
  /** Shown by ps: which run and series a QEMU belongs to (kph/<run>/<series>). */
  name?: string;
  /**
   * Unix socket for the human monitor (HMP), in a folder only this user can enter. No socket:
   * no monitor. Never TCP: any local user could drive the guest through it.
   */
  monitorSocket?: string;
}

/**
 * A value inside a QEMU option list (-drive file=..., -name ..., -chardev path=...): commas are
 * separators there, and QEMU reads a doubled comma as a literal one.
 */
export function qemuOptValue(v: string): string {
  return v.replace(/,/g, ',,');
}

/** Kernel arguments for tests (design.md): a panic, oops or hang ends QEMU at once. */
export const TEST_CMDLINE = [
  'console=ttyS0',
  'panic=-1',
  'oops=panic',
  'softlockup_panic=1',
  'hung_task_panic=1',
  'audit=1',
  'audit_backlog_limit=8192',
];

export function buildKernelCmdline(req: QemuRequest): string {
  return [
    'root=/dev/vda',
    'rw',
    'rootfstype=ext4',
    'init=/sbin/kph-init',
    ...TEST_CMDLINE,
    // No real clock source to wait for under TCG, and no PS/2 probing delays.
    'tsc=reliable',
    'i8042.noaux',
    'i8042.nokbd',
    // One legacy serial port (the console) probed, not four.
    '8250.nr_uarts=1',
    // No BSD pseudo-terminals (/dev/ptyXX): LEGACY_PTYS registers 256 pairs of devices at boot,
    // 0.15 s of pty_init under TCG (initcall_debug). sshd and every tool use /dev/ptmx.
    'pty.legacy_count=0',
    // Under TCG the local APIC timer's calibration took about 0.25 s of guest time before
    // "smpboot: CPU0", and on a busy host the timer then failed its verification and was
    // dropped for the PIT anyway ("APIC timer disabled due to verification failure"): the same
    // guest got one clock event device or the other by the host's load. The guest brings up one
    // CPU, so the PIT serves, always. Under KVM the APIC timer (TSC deadline) is the better one.
    ...(req.accel === 'tcg' ? ['noapictimer'] : []),
    // The serial port as a boot console from the kernel's first line: a kernel that dies early
    // still says why, and the first line's arrival marks the kernel's start (boot-phases.ts).
    'earlycon=uart8250,io,0x3f8',
    `kph.key=${req.authorizedKeyB64}`,
    ...(req.extraCmdline ?? []),
  ].join(' ');
}

export function buildQemuArgs(req: QemuRequest): string[] {
  return [
    // -name is an option list whose first value is the name: its commas must be doubled.
    ...(req.name ? ['-name', qemuOptValue(req.name)] : []),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-machine',
    'q35',
    // KVM here means -cpu host; TCG emulates a modern x86_64 with `max`.
    ...(req.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max']),
    '-smp',
    String(req.cpus),
    '-m',
    `${req.memoryMiB}M`,
    '-kernel',
    req.kernel,
    '-append',
    buildKernelCmdline(req),
    // snapshot=on: the image stays read-only; guest writes go to a temporary overlay.
    '-drive',
    `file=${qemuOptValue(req.rootImage)},if=virtio,format=raw,snapshot=on`,
    // restrict=on: the guest reaches nothing (not the host, not the outside; no DNS, no
    // gateway); only the forwarded SSH port, bound to the host's loopback, reaches it.
    '-netdev',
    `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${req.sshPort}-:22`,
    '-device',
    'virtio-net-pci,netdev=n0',
    '-device',
    'virtio-rng-pci',
    // The console on stdio through a mux, so that kph can send a serial BREAK (the mux's
    // "Ctrl-A b") for SysRq when SSH is stuck; signal=off: a Ctrl-C byte is guest input.
    '-chardev',
    'stdio,id=con0,mux=on,signal=off',
    '-serial',
    'chardev:con0',
    ...(req.monitorSocket ? ['-monitor', `unix:${qemuOptValue(req.monitorSocket)},server=on,wait=off`] : ['-monitor', 'none']),
    // A panic (panic=-1) reboots; -no-reboot turns that into QEMU exiting.
    '-no-reboot',
  ];
}

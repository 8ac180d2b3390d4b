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
  /** Base64 of the per-run authorized_keys line, read by the guest's /etc/kph/rc. */
  authorizedKeyB64: string;
  /** Shown by ps: which run and series a QEMU belongs to (kph/<run>/<series>). */
  name?: string;
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
    `kph.key=${req.authorizedKeyB64}`,
    ...(req.extraCmdline ?? []),
  ].join(' ');
}

export function buildQemuArgs(req: QemuRequest): string[] {
  return [
    ...(req.name ? ['-name', req.name] : []),
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
    `file=${req.rootImage},if=virtio,format=raw,snapshot=on`,
    '-netdev',
    `user,id=n0,hostfwd=tcp:127.0.0.1:${req.sshPort}-:22`,
    '-device',
    'virtio-net-pci,netdev=n0',
    '-device',
    'virtio-rng-pci',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    // A panic (panic=-1) reboots; -no-reboot turns that into QEMU exiting.
    '-no-reboot',
  ];
}

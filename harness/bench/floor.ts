// The floors the benchmark puts beside kph's boot-to-SSH: the same kernel and image booted to
// their first userspace line and nothing more, once through kph's own QEMU arguments and once
// through QEMU with the plainest arguments a developer would type. Both run /usr/bin/uname as
// init (it prints "Linux" and exits; the kernel then panics and QEMU, with -no-reboot, exits):
// what is left of boot-to-SSH above them is kph's and the guest's userspace.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Accel } from '../core/types.js';
import type { Runner } from '../process/exec.js';
import { startVm } from '../vm/vm.js';

export const FLOOR_INIT = 'init=/usr/bin/uname';
/** uname's output on the console: the first line userspace printed. */
const FIRST_LINE = /^Linux\r?$/;

export interface FloorBoot {
  /** Host ms from spawning QEMU to the first userspace line (undefined: never seen). */
  ms?: number;
  /** Host ms to the kernel's first console line (kph's arguments only: earlycon). */
  firstLineMs?: number;
}

/** kph's QEMU arguments (vm/qemu-args.ts), init replaced by uname. */
export async function floorBootKph(opts: { runner: Runner; kernel: string; image: string; accel: Accel; timeoutMs?: number }): Promise<FloorBoot> {
  const dir = mkdtempSync(join(tmpdir(), 'kph-floor-'));
  const vm = await startVm({ runner: opts.runner, kernel: opts.kernel, rootImage: opts.image, accel: opts.accel, consoleLog: join(dir, 'console.log'), authorizedKeyB64: '', extraCmdline: [FLOOR_INIT], name: 'kph/bench/floor' });
  try {
    // waitForLine resolves as the line arrives: now is its time, within a few ms.
    const seen = await vm.waitForLine(FIRST_LINE, opts.timeoutMs ?? 60_000);
    return { ms: seen ? Date.now() - vm.startedAt : undefined, firstLineMs: vm.marks.firstLineMs };
  } finally {
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** QEMU run by hand with the plainest arguments: the kernel, the image, a serial console. */
export function plainQemuArgs(kernel: string, image: string, accel: Accel): string[] {
  return [
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg']),
    '-m', '1024',
    '-nographic',
    '-no-reboot',
    '-kernel', kernel,
    '-drive', `file=${image},if=virtio,format=raw,snapshot=on`,
    '-append', `console=ttyS0 root=/dev/vda rw panic=-1 ${FLOOR_INIT}`,
  ];
}

export async function floorBootPlain(opts: { qemu?: string; kernel: string; image: string; accel: Accel; timeoutMs?: number }): Promise<FloorBoot> {
  const started = Date.now();
  const child = execa(opts.qemu ?? 'qemu-system-x86_64', plainQemuArgs(opts.kernel, opts.image, opts.accel), { reject: false, stdin: 'ignore', timeout: opts.timeoutMs ?? 60_000, forceKillAfterDelay: 2000 });
  let ms: number | undefined;
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    if (ms === undefined && lines.some((l) => FIRST_LINE.test(l))) {
      ms = Date.now() - started;
      child.kill('SIGTERM');
    }
  });
  await child;
  return { ms };
}

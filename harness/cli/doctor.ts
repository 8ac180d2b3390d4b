// `kph doctor`: is this host ready? Tools, the base source, the cache, and the accelerator by a
// real probe (KVM only if a boot sector and then a kernel boot under it within seconds).
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { cachedBaselineKernel } from '../build/kernel.js';
import type { Runner } from '../process/exec.js';
import { chooseAccel, type AccelChoice } from '../vm/accel.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  required: boolean;
  detail: string;
}

export interface DoctorReport {
  ok: boolean;
  accel: AccelChoice['accel'];
  accelReason: string;
  probeMs: number;
  cache: string;
  checks: DoctorCheck[];
}

const TOOLS: { name: string; cmd: string; args: string[]; pkg: string; required: boolean }[] = [
  { name: 'qemu', cmd: 'qemu-system-x86_64', args: ['--version'], pkg: 'qemu-system-x86', required: true },
  { name: 'gcc', cmd: 'gcc', args: ['--version'], pkg: 'gcc', required: true },
  { name: 'make', cmd: 'make', args: ['--version'], pkg: 'make', required: true },
  { name: 'flex', cmd: 'flex', args: ['--version'], pkg: 'flex', required: true },
  { name: 'bison', cmd: 'bison', args: ['--version'], pkg: 'bison', required: true },
  { name: 'bc', cmd: 'bc', args: ['--version'], pkg: 'bc', required: true },
  { name: 'patch', cmd: 'patch', args: ['--version'], pkg: 'patch', required: true },
  { name: 'rsync', cmd: 'rsync', args: ['--version'], pkg: 'rsync', required: true },
  { name: 'debootstrap', cmd: 'debootstrap', args: ['--version'], pkg: 'debootstrap', required: true },
  { name: 'mkfs.ext4', cmd: 'mkfs.ext4', args: ['-V'], pkg: 'e2fsprogs', required: true },
  { name: 'ssh-keygen', cmd: 'sh', args: ['-c', 'command -v ssh-keygen'], pkg: 'openssh-client', required: true },
  { name: 'setpriv', cmd: 'setpriv', args: ['--version'], pkg: 'util-linux', required: true },
  { name: 'ccache', cmd: 'ccache', args: ['--version'], pkg: 'ccache', required: false },
  // --suite audit-testsuite: its helpers are built with gcc -static, one of them 32-bit, one with liburing.
  { name: 'gcc -m32', cmd: 'sh', args: ['-c', 'echo "int main(void){return 0;}" | gcc -m32 -static -x c -o /dev/null - && echo "static 32-bit programs link"'], pkg: 'gcc-multilib', required: false },
  // kph run --coverage: the kernel's gcov counters to line counts (geninfo runs gcov).
  { name: 'lcov', cmd: 'lcov', args: ['--version'], pkg: 'lcov', required: false },
  { name: 'liburing', cmd: 'sh', args: ['-c', 'test -e /usr/include/liburing.h && echo /usr/include/liburing.h'], pkg: 'liburing-dev', required: false },
];

export async function runDoctor(runner: Runner, cache: string, want: 'auto' | 'kvm' | 'tcg' = 'auto'): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  // Started now, awaited after the tool checks; a refused --accel kvm becomes a failed check.
  // Without a built kernel the probe stops at the boot sector, and says so.
  const kernel = cachedBaselineKernel(cache);
  const accelP = chooseAccel({ runner, want, ...(kernel ? { kernel, kernelLabel: `the cached baseline kernel ${kernel}` } : {}) }).catch((e: Error): AccelChoice => ({ accel: 'kvm', reason: `FAILED: ${e.message.split('\n')[0]}`, probeMs: 0 }));
  for (const t of TOOLS) {
    const r = await runner.run(t.cmd, t.args, { allowFailure: true, timeoutMs: 10_000 }).catch(() => null);
    const ok = !!r && r.exitCode === 0;
    const first = r ? (r.stdout || r.stderr).split('\n').find((l) => l.trim()) ?? '' : '';
    checks.push({ name: t.name, ok, required: t.required, detail: ok ? first.trim() : `not found: apt-get install ${t.pkg} (or \`npm run setup\`)` });
  }
  const tarball = '/usr/src/linux-source-6.12.tar.xz';
  checks.push({ name: 'base source', ok: existsSync(tarball), required: false, detail: existsSync(tarball) ? tarball : `${tarball} missing: apt-get install linux-source-6.12 (needed for the default --base)` });
  try {
    mkdirSync(cache, { recursive: true });
    const fs = statfsSync(cache);
    const freeGiB = (fs.bavail * fs.bsize) / 2 ** 30;
    checks.push({ name: 'cache', ok: freeGiB > 10, required: false, detail: `${cache}: ${freeGiB.toFixed(0)} GiB free${freeGiB > 10 ? '' : ' (a base, its builds and an image need ~10 GiB)'}` });
  } catch (e) {
    checks.push({ name: 'cache', ok: false, required: true, detail: `${cache}: ${(e as Error).message}` });
  }
  const accel = await accelP;
  checks.push({ name: 'accelerator', ok: !accel.reason.startsWith('FAILED: '), required: true, detail: `${accel.accel}: ${accel.reason}` });
  return {
    ok: checks.every((c) => c.ok || !c.required),
    accel: accel.accel,
    accelReason: accel.reason,
    probeMs: accel.probeMs,
    cache,
    checks,
  };
}

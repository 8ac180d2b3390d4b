// Start QEMU, tee its serial console to a file while watching it for splats, and stop it on
// every exit path (its process group is killed; setpriv makes the kernel kill it if we die).
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { BootError } from '../core/errors.js';
import type { Accel } from '../core/types.js';
import { findSplats, matchSplat, type Splat } from '../parse/console.js';
import type { ManagedProcess, Runner } from '../process/exec.js';
import { buildQemuArgs } from './qemu-args.js';

export interface VmOptions {
  runner: Runner;
  qemu?: string;
  kernel: string;
  rootImage: string;
  accel: Accel;
  cpus?: number;
  memoryMiB?: number;
  consoleLog: string;
  authorizedKeyB64: string;
  extraCmdline?: string[];
  name?: string;
}

export interface Vm {
  sshPort: number;
  startedAt: number;
  process: ManagedProcess;
  /** Console lines so far. */
  lines(): string[];
  /** A splat seen on the console (panic, BUG, WARNING, ...), or null. */
  firstSplat(): { kind: string; line: string } | null;
  splats(): Splat[];
  alive(): boolean;
  exitCode(): number | null;
  /** Milliseconds since the console last printed anything. */
  silentForMs(): number;
  /** Resolves when a console line matches. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startVm(opts: VmOptions): Promise<Vm> {
  const sshPort = await freeLocalPort();
  const args = buildQemuArgs({
    kernel: opts.kernel,
    rootImage: opts.rootImage,
    accel: opts.accel,
    cpus: opts.cpus ?? 2,
    memoryMiB: opts.memoryMiB ?? 1024,
    sshPort,
    authorizedKeyB64: opts.authorizedKeyB64,
    extraCmdline: opts.extraCmdline,
    name: opts.name,
  });
  const log: WriteStream = createWriteStream(opts.consoleLog);
  const lines: string[] = [];
  let partial = '';
  let lastOutput = Date.now();
  let splat: { kind: string; line: string } | null = null;
  let exitCode: number | null = null;
  const waiters = new Set<{ re: RegExp; resolve: (ok: boolean) => void }>();
  const stderrTail: string[] = [];

  const onLine = (line: string) => {
    lines.push(line);
    const kind = matchSplat(line);
    if (kind && !splat) splat = { kind, line };
    for (const w of waiters) if (w.re.test(line)) w.resolve(true);
  };
  const proc = opts.runner.spawn(opts.qemu ?? 'qemu-system-x86_64', args, {
    dieWithParent: true,
    onStdout: (chunk) => {
      lastOutput = Date.now();
      log.write(chunk);
      partial += chunk.replace(/\r/g, '');
      const parts = partial.split('\n');
      partial = parts.pop()!;
      parts.forEach(onLine);
    },
    onStderr: (chunk) => {
      log.write(chunk);
      stderrTail.push(...chunk.split('\n').filter(Boolean));
    },
  });
  const startedAt = Date.now();
  void proc.exited.then((code) => {
    exitCode = code;
    if (partial) onLine(partial);
    for (const w of waiters) w.resolve(false);
    log.end();
  });
  // QEMU that cannot start (bad image, port taken) exits at once: report it as such.
  await new Promise((r) => setTimeout(r, 300));
  if (proc.hasExited()) {
    await new Promise<void>((r) => (log.writableFinished ? r() : log.on('finish', () => r())));
    throw new BootError('E_QEMU_START', `QEMU exited at once (exit ${exitCode}): ${stderrTail.slice(-3).join(' / ') || 'no message'}`, {
      hint: `Console and QEMU messages: ${opts.consoleLog}`,
    });
  }
  return {
    sshPort,
    startedAt,
    process: proc,
    lines: () => lines,
    firstSplat: () => splat,
    splats: () => findSplats(lines),
    alive: () => !proc.hasExited(),
    exitCode: () => exitCode,
    silentForMs: () => Date.now() - lastOutput,
    waitForLine(re, timeoutMs) {
      if (lines.some((l) => re.test(l))) return Promise.resolve(true);
      if (proc.hasExited()) return Promise.resolve(false);
      return new Promise((resolve) => {
        const w = {
          re,
          resolve: (ok: boolean) => {
            clearTimeout(t);
            waiters.delete(w);
            resolve(ok);
          },
        };
        const t = setTimeout(() => w.resolve(false), timeoutMs);
        waiters.add(w);
      });
    },
    async stop() {
      await proc.stop(1000);
      await new Promise<void>((r) => (log.writableFinished ? r() : log.on('finish', () => r())));
    },
  };
}

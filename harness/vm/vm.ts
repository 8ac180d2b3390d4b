// Start QEMU, tee its serial console to a file while watching it for splats, and stop it on
// every exit path (its process group is killed; setpriv makes the kernel kill it if we die).
// Its human monitor listens on a unix socket in a private (0700) folder, for SysRq and
// inspection when SSH is stuck.
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootError } from '../core/errors.js';
import type { Accel } from '../core/types.js';
import { findSplats, matchSplat, type Splat } from '../parse/console.js';
import type { ManagedProcess, Runner } from '../process/exec.js';
import { markConsoleLine, type BootMarks } from './boot-phases.js';
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
  /** What the console showed when (ms since QEMU was spawned): see boot-phases.ts. */
  marks: BootMarks;
  /** Resolves when a console line matches. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<boolean>;
  /**
   * Run a human-monitor (HMP) command, e.g. "info status", "nmi", and return its output
   * (echo and terminal escapes removed, "\n" line ends). Commands run one at a time.
   */
  monitor(cmd: string, timeoutMs?: number): Promise<string>;
  /**
   * Magic SysRq through the serial console: a BREAK (QEMU's mux, "Ctrl-A b"), then the key,
   * e.g. "t" (all task stacks), "w" (blocked tasks), "l" (CPU backtraces). Needs
   * CONFIG_MAGIC_SYSRQ (and its serial part) in the guest kernel; the answer is on the console.
   */
  sysrq(key: string): Promise<void>;
  /** The monitor's unix socket (in a 0700 folder removed when QEMU ends). */
  monitorSocket: string;
  stop(): Promise<void>;
}

/** Strip HMP's echo of the typed command and its terminal escapes from one answer. */
export function cleanMonitorAnswer(raw: string): string {
  const text = raw.replace(/\(qemu\) $/, '');
  const eol = text.indexOf('\r\n');
  const body = eol >= 0 ? text.slice(eol + 2) : text;
  // eslint-disable-next-line no-control-regex
  return body.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r\n/g, '\n');
}

/** One HMP command on a fresh connection to the monitor socket. */
export function hmpCommand(socket: string, cmd: string, timeoutMs = 10_000): Promise<string> {
  if (/[\r\n]/.test(cmd)) return Promise.reject(new Error(`monitor command must be one line: ${JSON.stringify(cmd)}`));
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let buf = '';
    let sent = false;
    const t = setTimeout(() => finish(new Error(`QEMU monitor did not answer "${cmd}" within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, out?: string) => {
      clearTimeout(t);
      c.destroy();
      if (err) reject(err);
      else resolve(out!);
    };
    c.setEncoding('utf8');
    c.on('error', (e) => finish(new Error(`QEMU monitor at ${socket}: ${e.message}`)));
    c.on('data', (d: string) => {
      buf += d;
      if (!buf.endsWith('(qemu) ')) return;
      if (!sent) {
        // The banner and the first prompt: now the command.
        sent = true;
        buf = '';
        c.write(cmd + '\n');
      } else {
        finish(null, cleanMonitorAnswer(buf));
      }
    });
    c.on('close', () => finish(new Error(`QEMU monitor at ${socket} closed the connection`)));
  });
}

/**
 * Ports handed out by this process: the kernel may hand a closed port out again at once, and two
 * guests booting side by side (--jobs N) must not both be given it before QEMU binds it.
 */
const handedOut = new Set<number>();

export async function freeLocalPort(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const port = await anyFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    // Long enough for QEMU to bind it; after that the kernel will not offer it while it is bound.
    setTimeout(() => handedOut.delete(port), 60_000).unref();
    return port;
  }
  throw new Error('no free local port that this process has not just handed out');
}

function anyFreePort(): Promise<number> {
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
  // mkdtemp makes it 0700: no other user can reach the monitor socket inside.
  const privateDir = mkdtempSync(join(tmpdir(), 'kph-vm-'));
  const monitorSocket = join(privateDir, 'monitor.sock');
  const removePrivate = () => rmSync(privateDir, { recursive: true, force: true });
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
    monitorSocket,
  });
  const log: WriteStream = createWriteStream(opts.consoleLog);
  const lines: string[] = [];
  let partial = '';
  let lastOutput = Date.now();
  let splat: { kind: string; line: string } | null = null;
  let exitCode: number | null = null;
  const waiters = new Set<{ re: RegExp; resolve: (ok: boolean) => void }>();
  const stderrTail: string[] = [];

  const marks: BootMarks = {};
  let spawnedAt = Date.now();
  const onLine = (line: string) => {
    lines.push(line);
    markConsoleLine(marks, line, Date.now() - spawnedAt);
    const kind = matchSplat(line);
    if (kind && !splat) splat = { kind, line };
    for (const w of waiters) if (w.re.test(line)) w.resolve(true);
  };
  let proc: ManagedProcess;
  try {
    spawnedAt = Date.now();
    proc = opts.runner.spawn(opts.qemu ?? 'qemu-system-x86_64', args, {
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
  } catch (e) {
    log.end();
    removePrivate();
    throw e;
  }
  let monitorQueue: Promise<void> = Promise.resolve();
  void proc.exited.then((code) => {
    exitCode = code;
    removePrivate();
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
    startedAt: spawnedAt,
    marks,
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
    monitorSocket,
    monitor(cmd, timeoutMs) {
      const run = monitorQueue.then(() => hmpCommand(monitorSocket, cmd, timeoutMs));
      monitorQueue = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
    async sysrq(key) {
      if (!/^[0-9a-z]$/.test(key)) throw new Error(`sysrq: one SysRq key (0-9, a-z), not ${JSON.stringify(key)}`);
      if (proc.hasExited()) throw new Error('sysrq: QEMU is not running');
      // The mux's escape Ctrl-A then "b" sends a BREAK on the serial line; the 8250 driver
      // then takes the next character (within 5 s) as the SysRq key.
      proc.writeStdin('\x01b');
      await new Promise((r) => setTimeout(r, 200));
      proc.writeStdin(key);
    },
    async stop() {
      await proc.stop(1000);
      await new Promise<void>((r) => (log.writableFinished ? r() : log.on('finish', () => r())));
    },
  };
}

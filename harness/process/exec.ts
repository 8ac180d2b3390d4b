// Every external process the harness starts goes through here: short commands (run) and
// long-lived ones (spawnManaged, QEMU) whose process groups are killed on every exit path.
import { execa, type ResultPromise } from 'execa';
import { appendFileSync } from 'node:fs';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Text written to the command's standard input. */
  input?: string;
  timeoutMs?: number;
  /** Append the command line, stdout and stderr to this file instead of keeping them. */
  logFile?: string;
  /** Resolve instead of throwing when the command exits non-zero. */
  allowFailure?: boolean;
}

export interface RunOutput {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** Thrown when a command fails and allowFailure was not set; keeps the output tail. */
export class CommandError extends Error {
  constructor(readonly output: RunOutput) {
    const why = output.timedOut
      ? 'timed out'
      : output.exitCode === 137
        ? 'was killed (exit 137, SIGKILL: out of memory or killed from outside)'
        : output.exitCode === 139
          ? 'crashed (exit 139, segmentation fault)'
          : `exited with ${output.exitCode}`;
    const tail = (output.stderr || output.stdout).trim().split('\n').slice(-15).join('\n');
    super(`Command ${why}: ${output.command}${tail ? `\n${tail}` : ''}`);
    this.name = 'CommandError';
  }
}

/** How stages start processes; tests may hand a stage another Runner. */
export interface Runner {
  run(file: string, args: string[], opts?: RunOptions): Promise<RunOutput>;
  spawn(file: string, args: string[], opts?: SpawnOptions): ManagedProcess;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Receives stdout chunks as they arrive. */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Ask the kernel to SIGKILL the child if this Node process dies (util-linux setpriv). */
  dieWithParent?: boolean;
}

export interface ManagedProcess {
  pid: number | undefined;
  /** Resolves with the exit code (or 128+signal) when the process has exited. */
  exited: Promise<number>;
  hasExited(): boolean;
  /** SIGTERM the process group, then SIGKILL it after graceMs. Resolves when it is gone. */
  stop(graceMs?: number): Promise<number>;
  writeStdin(data: string): void;
}

const live = new Set<ManagedProcess>();

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const p of live) killGroup(p.pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      for (const p of live) killGroup(p.pid, 'SIGKILL');
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Kill every managed process group still running (used on error paths and in tests). */
export async function stopAllManaged(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(500)));
}

export function liveManagedCount(): number {
  return live.size;
}

function commandLine(file: string, args: string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export const realRunner: Runner = {
  async run(file, args, opts = {}) {
    const started = Date.now();
    const command = commandLine(file, args);
    if (opts.logFile) appendFileSync(opts.logFile, `$ ${command}\n`);
    const sub = execa(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      extendEnv: true,
      input: opts.input,
      timeout: opts.timeoutMs,
      reject: false,
      stdin: opts.input === undefined ? 'ignore' : undefined,
      stdout: opts.logFile ? { file: opts.logFile, append: true } : 'pipe',
      stderr: opts.logFile ? { file: opts.logFile, append: true } : 'pipe',
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
    });
    const r = await sub;
    const out: RunOutput = {
      command,
      exitCode: r.exitCode ?? (r.signal ? 128 + (signalNumber(r.signal) ?? 0) : -1),
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
      timedOut: Boolean(r.timedOut),
      durationMs: Date.now() - started,
    };
    if ((out.exitCode !== 0 || out.timedOut) && !opts.allowFailure) throw new CommandError(out);
    return out;
  },

  spawn(file, args, opts = {}) {
    installExitHooks();
    const [f, a] = opts.dieWithParent ? ['setpriv', ['--pdeathsig', 'KILL', file, ...args]] : [file, args];
    const sub: ResultPromise = execa(f, a, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      reject: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      cleanup: true,
    });
    let done = false;
    sub.stdout?.setEncoding('utf8');
    sub.stderr?.setEncoding('utf8');
    sub.stdout?.on('data', (c: string) => opts.onStdout?.(c));
    sub.stderr?.on('data', (c: string) => opts.onStderr?.(c));
    const exited = sub.then(
      (r) => r.exitCode ?? (r.signal ? 128 + (signalNumber(r.signal) ?? 0) : -1),
      () => -1,
    );
    const proc: ManagedProcess = {
      pid: sub.pid,
      exited,
      hasExited: () => done,
      writeStdin: (data) => {
        sub.stdin?.write(data);
      },
      async stop(graceMs = 2000) {
        if (!done) {
          killGroup(sub.pid, 'SIGTERM');
          const t = setTimeout(() => killGroup(sub.pid, 'SIGKILL'), graceMs);
          await exited;
          clearTimeout(t);
        }
        return exited;
      },
    };
    void exited.then(() => {
      done = true;
      live.delete(proc);
      // Anything the process left in its group goes with it.
      killGroup(sub.pid, 'SIGKILL');
    });
    live.add(proc);
    return proc;
  },
};

function signalNumber(sig: string): number | undefined {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };
  return table[sig];
}

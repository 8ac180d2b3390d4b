// Every external process the harness starts goes through here: short commands (run) and
// long-lived ones (spawnManaged, QEMU) whose process groups are killed on every exit path.
//
// Signals go only to process groups of children we still own: a group is signalled while its
// leader has not been seen to exit, and once right when it exits (to take its leftovers; the
// leftovers keep the group's number from being reused). Never a bare pid: after the child is
// reaped its pid may belong to anyone.
import { execa, type ResultPromise } from 'execa';
import { accessSync, appendFileSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

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
  /**
   * The command and everything it starts die with this Node process, SIGKILL of Node
   * included (see groupDeathWrapper). For long commands with children: debootstrap.
   */
  groupDiesWithParent?: boolean;
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

/** A command that could not be started at all (not found, not executable, bad cwd). */
export class SpawnError extends Error {
  /** ENOENT, EACCES, ... when the system said. */
  readonly code: string | undefined;
  constructor(
    readonly binary: string,
    cause: unknown,
    cwd?: string,
  ) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const why =
      cwd && !existsSync(cwd)
        ? `its working directory ${cwd} does not exist`
        : code === 'ENOENT'
          ? 'not found (is it installed and on PATH?)'
          : code === 'EACCES'
            ? 'permission denied (not executable?)'
            : `${(cause as Error | undefined)?.message ?? String(cause)}`;
    super(`Could not start ${binary}: ${why}`, { cause });
    this.name = 'SpawnError';
    this.code = code;
  }
}

/** The executable `file` resolves to on PATH (or as a path), or null. */
export function findExecutable(file: string, env: Record<string, string | undefined> = process.env): string | null {
  const ok = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (file.includes('/')) return ok(file) ? file : null;
  for (const dir of (env.PATH ?? process.env.PATH ?? '').split(delimiter)) {
    if (dir && ok(join(dir, file))) return join(dir, file);
  }
  return null;
}

/**
 * Wrap a command so that it and its whole process group die with this Node process, even
 * when Node is SIGKILLed (no exit hook runs then). PR_SET_PDEATHSIG only reaches the direct
 * child, so the direct child is a small sh that leads the group: setpriv makes the kernel send
 * it SIGTERM when Node dies, and its trap sends TERM to the group (make deletes the target it
 * was writing), then KILL a second later. The same trap serves stop() and timeouts. The
 * command must run in a process group of its own (detached), or `kill 0` would reach Node's.
 */
export const GROUP_TRAP = 'trap "" TERM; kill -TERM 0 2>/dev/null; sleep 1; kill -KILL 0';
export function groupDeathWrapper(file: string, args: string[]): [string, string[]] {
  return ['setpriv', ['--pdeathsig', 'TERM', '--', 'sh', '-c', `trap '${GROUP_TRAP}' TERM HUP INT; "$@" & wait $!`, 'kph-group', file, ...args]];
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
  /**
   * The child and every process in its group die with this Node process (see
   * groupDeathWrapper): for commands whose own children do the work, like make.
   */
  groupDiesWithParent?: boolean;
}

export interface ManagedProcess {
  pid: number | undefined;
  /** Resolves with the exit code (or 128+signal) when the process has exited. */
  exited: Promise<number>;
  hasExited(): boolean;
  /** SIGTERM the process group, then SIGKILL it after graceMs. Resolves when it is gone. */
  stop(graceMs?: number): Promise<number>;
  /** Set when the process could not be started (exited then resolves to -1). */
  error?: SpawnError;
  writeStdin(data: string): void;
}

const live = new Set<ManagedProcess>();

/**
 * Signal the process group a child of ours leads. Only ever the group: if it is gone (ESRCH)
 * there is nothing of ours left, and the bare pid may already be someone else's.
 */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
  if (!pid || pid <= 1) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
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
    if (opts.groupDiesWithParent && !findExecutable(file, { ...process.env, ...opts.env })) throw new SpawnError(file, Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' }), opts.cwd);
    const [f, a] = opts.groupDiesWithParent ? groupDeathWrapper(file, args) : [file, args];
    const sub = execa(f, a, {
      detached: opts.groupDiesWithParent ? true : undefined,
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
    // Not an exit status: the command never ran. Whatever allowFailure says, that is no result.
    if (r.failed && r.exitCode === undefined && !r.signal && !r.timedOut && r.code) throw new SpawnError(file, r.cause ?? r, opts.cwd);
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
    // Node reports a missing binary only asynchronously, and behind setpriv not at all: look first.
    if (!findExecutable(file, { ...process.env, ...opts.env })) throw new SpawnError(file, Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' }), opts.cwd);
    const [f, a] = opts.groupDiesWithParent ? groupDeathWrapper(file, args) : opts.dieWithParent ? ['setpriv', ['--pdeathsig', 'KILL', file, ...args]] : [file, args];
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
      (r) => {
        if (r.failed && r.exitCode === undefined && !r.signal && r.code) proc.error = new SpawnError(file, r.cause ?? r, opts.cwd);
        return r.exitCode ?? (r.signal ? 128 + (signalNumber(r.signal) ?? 0) : -1);
      },
      (e: unknown) => {
        proc.error = new SpawnError(file, e, opts.cwd);
        return -1;
      },
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
          const t = setTimeout(() => {
            if (!done) killGroup(sub.pid, 'SIGKILL');
          }, graceMs);
          await exited;
          clearTimeout(t);
        }
        return exited;
      },
    };
    void exited.then(() => {
      done = true;
      live.delete(proc);
      // Anything the process left in its group goes with it, now, while the leftovers still
      // hold the group's number; never again after this.
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

// Cross-process locks on the shared cache: two `kph run` at once (two terminals, two CI jobs on
// one runner) must not unpack the same base, apply and build in the same work folder, or
// assemble the same guest image at the same time.
//
// A lock is flock(2) on a file, held by a small helper process (util-linux `flock FILE cat`)
// that keeps the lock until its standard input, a pipe from this Node process, closes. So the
// kernel releases it whenever kph ends, SIGKILL included: a lock is never stale. Beside the
// lock file, FILE.owner says who holds it (pid, what for, since when), for the one that waits.
// Within one process, concurrent holders queue too; withLock is re-entrant along one async
// call chain (a build inside a caller's withLock of the same work folder just runs).
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { findExecutable, SpawnError } from './exec.js';

export interface LockOwner {
  pid: number;
  /** What the holder does under the lock ("unpacking the base ...", "building ..."). */
  purpose: string;
  /** ISO time it got the lock. */
  since: string;
  /** The holder's command line, for a human looking at a stuck wait. */
  command: string;
}

export interface LockOptions {
  /** What this process wants to do under the lock (shown to the ones that wait). */
  purpose: string;
  /** Where "waiting for ..." goes; stderr when not given. */
  log?: (msg: string) => void;
  /** Say how long it has been waiting every so often (default 60 s). */
  remindMs?: number;
}

export interface Lock {
  file: string;
  release(): Promise<void>;
}

interface Held {
  helper: ChildProcess;
  token: string;
}

const held = new Map<string, Held>();
/** In-process queue per lock file: the tail promise each new acquirer waits on. */
const queues = new Map<string, Promise<void>>();
/** The lock files the current async call chain holds through withLock. */
const chain = new AsyncLocalStorage<ReadonlySet<string>>();

/** The holder of a lock as its owner file says (null: none written, or unreadable). */
export function readLockOwner(file: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(`${file}.owner`, 'utf8')) as LockOwner & { token?: string };
    return typeof o.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

function describeOwner(o: LockOwner | null): string {
  if (!o) return 'another process';
  let alive = true;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    alive = (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return `pid ${o.pid}${alive ? '' : ' (gone; its lock is being released)'}, ${o.purpose}, since ${o.since}`;
}

/**
 * Take the lock FILE (created if missing), waiting as long as another process holds it and
 * saying what it waits on and for whom.
 */
export async function acquireLock(file: string, opts: LockOptions): Promise<Lock> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`kph: ${m}\n`));
  // Queue behind this process's own holder first; flock then arbitrates between processes.
  const ahead = queues.get(file);
  const before = ahead ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = before.then(() => mine);
  queues.set(file, tail);
  const leave = () => {
    done();
    if (queues.get(file) === tail) queues.delete(file);
  };
  if (ahead) log(`waiting for ${file} (to ${opts.purpose}): held by another task of this process (pid ${process.pid})`);
  await before;
  try {
    await flockFile(file, opts, log);
  } catch (e) {
    leave();
    throw e;
  }
  return {
    file,
    release: async () => {
      await releaseLock(file);
      leave();
    },
  };
}

async function flockFile(file: string, opts: LockOptions, log: (msg: string) => void): Promise<void> {
  if (!findExecutable('flock')) throw new SpawnError('flock', Object.assign(new Error('spawn flock ENOENT'), { code: 'ENOENT' }));
  mkdirSync(dirname(file), { recursive: true });
  // The helper prints a line once it holds the lock, then holds it until stdin closes.
  const helper = spawn('flock', ['-x', file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  helper.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let waitingSaid = false;
    const remind = setInterval(() => {
      log(`still waiting for ${file} after ${Math.round((Date.now() - started) / 1000)} s: held by ${describeOwner(readLockOwner(file))}`);
    }, opts.remindMs ?? 60_000);
    // A free lock is taken at once (a busy host may take some hundred ms to start flock):
    // only a real wait is worth a line.
    const first = setTimeout(() => {
      waitingSaid = true;
      log(`waiting for ${file} (to ${opts.purpose}): held by ${describeOwner(readLockOwner(file))}`);
    }, 1000);
    const done = (err?: Error) => {
      clearInterval(remind);
      clearTimeout(first);
      helper.stdout!.removeAllListeners('data');
      helper.removeAllListeners('exit');
      helper.removeAllListeners('error');
      if (err) reject(err);
      else {
        if (waitingSaid) log(`got ${file} after ${Math.round((Date.now() - started) / 1000)} s`);
        resolve();
      }
    };
    helper.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('locked\n')) done();
    });
    helper.on('error', (e) => done(new SpawnError('flock', e)));
    helper.on('exit', (code) => done(new Error(`flock on ${file} exited (${code}) before it got the lock: ${stderr.trim() || 'no message'}`)));
  });
  // Neither the helper nor its pipes may keep Node alive; the lock lives as long as Node does.
  helper.unref();
  for (const s of [helper.stdin, helper.stdout, helper.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  const token = randomBytes(8).toString('hex');
  const owner: LockOwner & { token: string } = { pid: process.pid, purpose: opts.purpose, since: new Date().toISOString(), command: process.argv.slice(1).join(' '), token };
  const tmp = `${file}.owner.tmp-${process.pid}-${token}`;
  writeFileSync(tmp, JSON.stringify(owner) + '\n');
  renameSync(tmp, `${file}.owner`);
  held.set(file, { helper, token });
}

async function releaseLock(file: string): Promise<void> {
  const h = held.get(file);
  if (!h) return;
  held.delete(file);
  // The owner file goes first (only if it is still ours), then the lock itself.
  try {
    const o = JSON.parse(readFileSync(`${file}.owner`, 'utf8')) as { token?: string };
    if (o.token === h.token) rmSync(`${file}.owner`, { force: true });
  } catch {
    /* none */
  }
  const gone = new Promise<void>((r) => (h.helper.exitCode !== null || h.helper.signalCode !== null ? r() : h.helper.once('exit', () => r())));
  // Unref'd while held (the lock must not keep Node alive); waiting for its exit must.
  h.helper.ref();
  h.helper.stdin!.end();
  await gone;
}

/**
 * Run fn holding the lock FILE; released on every exit path. Re-entrant along one async call
 * chain: inside fn, withLock of the same file runs at once.
 */
export async function withLock<T>(file: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const mine = chain.getStore();
  if (mine?.has(file)) return fn();
  const lock = await acquireLock(file, opts);
  try {
    return await chain.run(new Set([...(mine ?? []), file]), fn);
  } finally {
    await lock.release();
  }
}

/**
 * Remove temporaries beside `path` (path.tmp-PID-HEX, path.stage-PID-HEX) whose process is
 * gone: what a SIGKILLed kph left. Call it holding the lock that guards `path`.
 */
export function removeStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const prefix = basename(path) + '.';
  const removed: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const e of entries) {
    if (!e.startsWith(prefix)) continue;
    const m = /^(?:tmp|stage)-(\d+)-[0-9a-f]{8}$/.exec(e.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // alive: not ours to judge
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') continue;
    }
    removeDebris(join(dir, e));
    removed.push(join(dir, e));
  }
  return removed;
}

/** Does this process hold the lock FILE? */
export function holdsLock(file: string): boolean {
  return held.has(file);
}

/** A temporary name beside `path`, unique across processes and calls: path.tmp-PID-RANDOM. */
export function uniqueTemp(path: string, tag = 'tmp'): string {
  return `${path}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Remove what a failed attempt left (a temp folder or file); never throws. */
export function removeDebris(...paths: string[]): void {
  for (const p of paths) {
    try {
      if (existsSync(p)) rmSync(p, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
}

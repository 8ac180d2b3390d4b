// Cross-process locks for real: flock helpers, a second process holding the lock, and a holder
// SIGKILLed while another waits (the kernel releases its lock: never stale).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, holdsLock, readLockOwner, removeDebris, removeStaleTemps, uniqueTemp, withLock } from './lock.js';

const HOLDER = join(import.meta.dirname, '..', 'test', 'lock-holder.ts');
const dir = () => mkdtempSync(join(tmpdir(), 'kph-lock-test-'));

function holder(file: string, purpose: string) {
  const p = spawn(process.execPath, ['--import', 'tsx', HOLDER, file, purpose], { stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve) => p.stdout.on('data', (c: Buffer) => c.toString().includes('held') && resolve()));
  return { p, held };
}

describe('acquireLock', () => {
  it('takes a free lock at once, writes who holds it, and cleans up on release', async () => {
    const file = join(dir(), 'sub', 'base.lock');
    const said: string[] = [];
    const lock = await acquireLock(file, { purpose: 'unpack the base', log: (m) => said.push(m) });
    expect(holdsLock(file)).toBe(true);
    expect(readLockOwner(file)).toMatchObject({ pid: process.pid, purpose: 'unpack the base' });
    await lock.release();
    expect(holdsLock(file)).toBe(false);
    expect(existsSync(`${file}.owner`)).toBe(false);
    expect(said).toEqual([]);
    await (await acquireLock(file, { purpose: 'again' })).release();
  });

  it('withLock is re-entrant along one call chain', async () => {
    const file = join(dir(), 'work.lock');
    const inner = await withLock(file, { purpose: 'apply and build' }, () => withLock(file, { purpose: 'build' }, async () => holdsLock(file)));
    expect(inner).toBe(true);
    expect(holdsLock(file)).toBe(false);
  });

  it('queues two tasks of one process on the same lock', async () => {
    const file = join(dir(), 'base.lock');
    const order: string[] = [];
    const said: string[] = [];
    const task = (name: string) =>
      withLock(file, { purpose: name, log: (m) => said.push(m) }, async () => {
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 200));
        order.push(`${name} out`);
      });
    await Promise.all([task('a'), task('b')]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(said).toEqual([`waiting for ${file} (to b): held by another task of this process (pid ${process.pid})`]);
  });

  it('waits for another process, says on what and for whom, and gets it when that one is SIGKILLed', async () => {
    const file = join(dir(), 'image.lock');
    const h = holder(file, 'assemble the guest image');
    await h.held;
    const said: string[] = [];
    const t0 = Date.now();
    let got = 0;
    const waiting = acquireLock(file, { purpose: 'boot', log: (m) => said.push(m) }).then((l) => {
      got = Date.now();
      return l;
    });
    await new Promise((r) => setTimeout(r, 2500));
    expect(got).toBe(0);
    expect(said[0]).toBe(`waiting for ${file} (to boot): held by pid ${h.p.pid}, assemble the guest image, since ${readLockOwner(file)!.since}`);
    h.p.kill('SIGKILL');
    const lock = await waiting;
    expect(got - t0).toBeLessThan(10_000);
    expect(readLockOwner(file)!.pid).toBe(process.pid);
    expect(said[said.length - 1]).toMatch(/^got .* after \d+ s$/);
    await lock.release();
  });

  it('a process that takes and releases a lock and has nothing else to do exits 0 (the release keeps Node alive until the helper is gone)', () => {
    const file = join(dir(), 'alone.lock');
    const code = `import { withLock } from ${JSON.stringify(join(import.meta.dirname, 'lock.ts'))}; await withLock(${JSON.stringify(file)}, { purpose: 'test' }, async () => 1); console.log('released');`;
    const r = spawnSync('node', ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout.trim()).toBe('released');
    expect(r.status).toBe(0);
  });

  it('withLock releases when the work throws', async () => {
    const file = join(dir(), 'x.lock');
    await expect(withLock(file, { purpose: 'fail' }, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(holdsLock(file)).toBe(false);
  });
});

describe('uniqueTemp and removeDebris', () => {
  it('gives names that differ between calls, beside the target', () => {
    const a = uniqueTemp('/c/images/x.ext4');
    expect(a).toMatch(new RegExp(`^/c/images/x\\.ext4\\.tmp-${process.pid}-[0-9a-f]{8}$`));
    expect(uniqueTemp('/c/images/x.ext4')).not.toBe(a);
  });
  it('removes folders and files and ignores what is not there', () => {
    const d = dir();
    const t = uniqueTemp(join(d, 'rootfs'));
    mkdirSync(join(t, 'a/b'), { recursive: true });
    writeFileSync(join(d, 'x.tmp'), '');
    removeDebris(t, join(d, 'x.tmp'), join(d, 'missing'));
    expect(readdirSync(d)).toEqual([]);
  });
  it('removeStaleTemps takes what dead processes left, not what live ones are writing', () => {
    const d = dir();
    const target = join(d, 'rootfs-bookworm');
    const dead = spawn('true');
    const deadPid = dead.pid!;
    const mineTmp = uniqueTemp(target);
    mkdirSync(join(d, `rootfs-bookworm.tmp-${deadPid}-0123abcd`));
    mkdirSync(join(d, `rootfs-bookworm.stage-${deadPid}-0123abcd`));
    mkdirSync(mineTmp);
    mkdirSync(join(d, 'rootfs-bookworm.tmp-1-0123abcd')); // init: alive
    writeFileSync(join(d, 'rootfs-bookworm.lock'), '');
    return new Promise<void>((resolve) =>
      dead.on('exit', () => {
        expect(removeStaleTemps(target).sort()).toEqual([join(d, `rootfs-bookworm.stage-${deadPid}-0123abcd`), join(d, `rootfs-bookworm.tmp-${deadPid}-0123abcd`)]);
        expect(readdirSync(d).sort()).toEqual(['rootfs-bookworm.lock', 'rootfs-bookworm.tmp-1-0123abcd', mineTmp.split('/').pop()!].sort());
        resolve();
      }),
    );
  });
});

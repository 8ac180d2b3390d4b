// Process handling for real: spawn errors name the binary and keep the cause, a group kill
// never falls back to a bare pid, and groupDiesWithParent takes the whole group down when
// Node is SIGKILLed (no exit hook runs then).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findExecutable, killGroup, realRunner, SpawnError } from './exec.js';

/** Alive and not a zombie (an orphan's zombie may wait for a reaper that never comes here). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pred();
}

afterEach(() => vi.restoreAllMocks());

describe('spawn errors', () => {
  it('run: a missing binary is a SpawnError naming it, with the cause, even with allowFailure', async () => {
    const err = await realRunner.run('kph-no-such-binary', ['x'], { allowFailure: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as SpawnError).message).toBe('Could not start kph-no-such-binary: not found (is it installed and on PATH?)');
    expect((err as SpawnError).binary).toBe('kph-no-such-binary');
    expect((err as SpawnError).code).toBe('ENOENT');
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
  it('run: a missing working directory is said as such, not as a missing binary', async () => {
    const err = await realRunner.run('true', [], { cwd: '/nonexistent/kph-dir' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as Error).message).toBe('Could not start true: its working directory /nonexistent/kph-dir does not exist');
  });
  it('spawn: a missing binary throws at once, also behind setpriv', () => {
    expect(() => realRunner.spawn('kph-no-such-binary', [])).toThrow(SpawnError);
    expect(() => realRunner.spawn('kph-no-such-binary', [], { dieWithParent: true })).toThrow(/Could not start kph-no-such-binary: not found/);
    expect(() => realRunner.spawn('kph-no-such-binary', [], { groupDiesWithParent: true })).toThrow(SpawnError);
  });
  it('findExecutable looks on PATH and at paths', () => {
    expect(findExecutable('sh')).toMatch(/\/sh$/);
    expect(findExecutable('/bin/sh')).toBe('/bin/sh');
    expect(findExecutable('kph-no-such-binary')).toBeNull();
    expect(findExecutable('/etc/passwd')).toBeNull();
  });
  it('a command that ran and failed is still an exit status', async () => {
    const r = await realRunner.run('sh', ['-c', 'exit 3'], { allowFailure: true });
    expect(r.exitCode).toBe(3);
  });
});

describe('signals only reach groups we own', () => {
  it('killGroup signals -pid only, and on ESRCH does not fall back to the bare pid', () => {
    const calls: [number, unknown][] = [];
    vi.spyOn(process, 'kill').mockImplementation((pid: number, sig?: string | number) => {
      calls.push([pid, sig]);
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    });
    expect(killGroup(4242, 'SIGKILL')).toBe(false);
    expect(calls).toEqual([[-4242, 'SIGKILL']]);
    expect(killGroup(undefined, 'SIGKILL')).toBe(false);
    expect(killGroup(1, 'SIGKILL')).toBe(false);
    expect(calls.length).toBe(1);
  });
  it('stop() after the child exited signals nothing', async () => {
    const p = realRunner.spawn('sh', ['-c', 'exit 0']);
    await p.exited;
    await new Promise((r) => setTimeout(r, 50));
    const kill = vi.spyOn(process, 'kill');
    expect(await p.stop(10)).toBe(0);
    expect(kill).not.toHaveBeenCalled();
  });
  it('stop() takes the whole group, children included', async () => {
    let out = '';
    const p = realRunner.spawn('sh', ['-c', 'sleep 300 & echo $!; wait'], { onStdout: (c) => (out += c) });
    await waitFor(() => /\d+\n/.test(out), 5000);
    const child = Number(out.trim());
    expect(running(child)).toBe(true);
    await p.stop(500);
    expect(await waitFor(() => !running(child), 3000)).toBe(true);
  });
});

describe('groupDiesWithParent: nothing outlives a SIGKILLed kph', () => {
  const PARENT = join(import.meta.dirname, '..', 'test', 'group-death-parent.ts');
  it('make -j2: SIGKILL of Node takes make and the recipes it runs', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kph-exec-test-')), 'pids');
    const makefile = join(out, '..', 'Makefile');
    const node = spawn(process.execPath, ['--import', 'tsx', PARENT, 'make', out], { stdio: 'inherit' });
    const pids = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);
    expect(await waitFor(() => pids().length === 2, 15_000)).toBe(true);
    const make = Number(spawnSync('pgrep', ['-f', `make -j2 -f ${makefile}`], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
    const all = [...pids(), make];
    expect(all.every(running), String(all)).toBe(true);
    node.kill('SIGKILL');
    expect(await waitFor(() => !all.some(running), 10_000)).toBe(true);
  });

  for (const kind of ['spawn', 'run'] as const) {
    it(`${kind}: SIGKILL of Node takes the wrapper, the command and its children within seconds`, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'kph-exec-test-')), 'pids');
      const node = spawn(process.execPath, ['--import', 'tsx', PARENT, kind, out], { stdio: 'inherit' });
      const pids = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);
      expect(await waitFor(() => pids().length === 3, 15_000)).toBe(true);
      const all = pids();
      expect(all.every(running)).toBe(true);
      node.kill('SIGKILL');
      expect(await waitFor(() => !all.some(running), 10_000)).toBe(true);
    });
  }
});

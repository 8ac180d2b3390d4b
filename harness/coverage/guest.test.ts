// A coverage kernel's guest, with a fake guest whose "debugfs" is a folder on this host holding
// a real .gcda (gcc --coverage), read by the guest's own command in bash: readings after the
// boot and after each scenario, the boot's counters before it stops, and what a guest that died
// leaves (its last reading, or nothing).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../core/scenario.js';
import { findExecutable } from '../process/exec.js';
import type { GuestLike } from '../run/run.js';
import { fakeCapture } from '../test/run-fakes.js';
import type { GuestExec } from './collect.js';
import { newCounterState, withCounters } from './guest.js';

const fx = (f: string) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'coverage', f), 'utf8');
const localSession: GuestExec = {
  async exec(command) {
    const r = spawnSync('bash', ['-c', command], { maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, stdoutBytes: r.stdout, stderr: r.stderr.toString() };
  },
};
const scenario = (name: string) => defineScenario({ name, description: name, script: 'true', expect: () => [] });

describe.skipIf(!findExecutable('gcc'))('withCounters (with gcc; skipped without it)', () => {
  function toy() {
    const root = mkdtempSync(join(tmpdir(), 'kph-cov-guest-'));
    const src = join(root, 'src');
    const build = join(root, 'build');
    mkdirSync(join(src, 'kernel'), { recursive: true });
    mkdirSync(join(src, 'include', 'linux'), { recursive: true });
    mkdirSync(join(build, 'kernel'), { recursive: true });
    writeText(join(src, 'kernel', 'fork.c'), fx('toy-fork.c'));
    writeText(join(src, 'include', 'linux', 'toy.h'), fx('toy.h'));
    execFileSync('gcc', ['-O2', '-fprofile-arcs', '-ftest-coverage', '-c', '-o', 'kernel/fork.o', '../src/kernel/fork.c'], { cwd: build });
    execFileSync('gcc', ['-fprofile-arcs', '-o', 'toy', 'kernel/fork.o'], { cwd: build });
    const debugfs = join(root, 'debugfs');
    /** A scenario that runs kernel code: the toy runs, its counters show in "debugfs". */
    const work = () => {
      execFileSync(join(build, 'toy'), [], { cwd: build });
      const at = join(debugfs, build, 'kernel', 'fork.gcda');
      mkdirSync(dirname(at), { recursive: true });
      cpSync(join(build, 'kernel', 'fork.gcda'), at);
    };
    /** A new boot: the kernel's counters start from zero. */
    const reboot = () => {
      rmSync(join(build, 'kernel', 'fork.gcda'), { force: true });
      rmSync(debugfs, { recursive: true, force: true });
    };
    return { root, build, debugfs, work, reboot };
  }

  function fakeGuest(t: ReturnType<typeof toy>, o: { diesIn?: string } = {}) {
    let alive = true;
    const events: string[] = [];
    const g: GuestLike = {
      bootMs: 1,
      alive: () => alive,
      async runScenario(s) {
        events.push(s.name);
        t.work();
        if (s.name === o.diesIn) alive = false;
        return fakeCapture({ guestAlive: alive });
      },
      stop: async () => void events.push('stop'),
    };
    return { g, events };
  }

  it('reads the counters after the boot and after each scenario, then the boot\'s before it stops', async () => {
    const t = toy();
    t.work(); // the boot itself ran some of it
    const st = newCounterState();
    const seriesDir = join(t.root, 'results', 'toy');
    const { g, events } = fakeGuest(t);
    const said: string[] = [];
    const c = withCounters(g, localSession, { state: st, buildDir: t.build, seriesDir, timeoutMs: 10_000, root: t.debugfs, say: (m) => said.push(m) });
    await c.runScenario(scenario('unshare-net'), {}, '/x');
    await c.runScenario(scenario('setns'), {}, '/x');
    await c.stop();
    expect(events).toEqual(['unshare-net', 'setns', 'stop']);
    expect(st.snapshots.map((x) => [x.scenario, x.dir.slice(seriesDir.length)])).toEqual([
      ['(boot)', '/coverage/boot-1/after/000-_boot_'],
      ['unshare-net', '/coverage/boot-1/after/001-unshare-net'],
      ['setns', '/coverage/boot-1/after/002-setns'],
    ]);
    for (const s of st.snapshots) expect(existsSync(join(s.dir, 'data', 'kernel', 'fork.gcda')), s.dir).toBe(true);
    expect(st.dirs).toEqual([join(seriesDir, 'coverage', 'boot-1')]);
    expect(existsSync(join(st.dirs[0]!, 'data', 'kernel', 'fork.gcno'))).toBe(true);
    expect([st.lost, st.notes]).toEqual([0, []]);
    expect(said).toEqual(['reading the gcov counters of boot 1']);
  });

  it('a guest that dies: its last reading stands for the boot; one that dies before any reading is lost', async () => {
    const t = toy();
    const st = newCounterState();
    const seriesDir = join(t.root, 'results', 'toy');
    const opts = { state: st, buildDir: t.build, seriesDir, timeoutMs: 10_000, root: t.debugfs };
    t.work();
    const first = fakeGuest(t, { diesIn: 'oops' });
    const c1 = withCounters(first.g, localSession, opts);
    await c1.runScenario(scenario('unshare-net'), {}, '/x');
    await c1.runScenario(scenario('oops'), {}, '/x');
    await c1.stop();
    expect(first.events).toEqual(['unshare-net', 'oops', 'stop']);
    expect(st.snapshots.map((x) => x.scenario)).toEqual(['(boot)', 'unshare-net']);
    expect(st.dirs).toEqual([st.snapshots[1]!.dir]);
    expect(st.notes).toEqual(['boot 1: counted as read after unshare-net; the rest lost: the guest was gone before its counters could be read']);

    t.reboot();
    const second = fakeGuest(t);
    const c2 = withCounters({ ...second.g, alive: () => false }, localSession, opts);
    await c2.stop();
    expect(st.lost).toBe(1);
    expect(st.notes[1]).toBe('boot 2: counters lost: the guest was gone before its counters could be read');

    // The next boot is boot 3, in a folder of its own.
    t.work();
    const third = fakeGuest(t);
    const c3 = withCounters(third.g, localSession, opts);
    await c3.runScenario(scenario('setns'), {}, '/x');
    await c3.stop();
    expect(st.dirs.at(-1)).toBe(join(seriesDir, 'coverage', 'boot-3'));
  });

  it('a reading that fails is said, and the scenario\'s result is the guest\'s all the same', async () => {
    const t = toy();
    const st = newCounterState();
    const { g } = fakeGuest(t);
    const c = withCounters(g, localSession, { state: st, buildDir: t.build, seriesDir: join(t.root, 'r'), timeoutMs: 10_000, root: join(t.root, 'no-gcov-here') });
    const cap = await c.runScenario(scenario('unshare-net'), {}, '/x');
    expect(cap.guestAlive).toBe(true);
    expect(st.snapshots).toEqual([]);
    expect(st.notes[0]).toMatch(/^boot 1: the counters after \(boot\) could not be read .*CONFIG_GCOV_KERNEL/);
    await c.stop();
    expect(st.lost).toBe(1);
  });
});

function writeText(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

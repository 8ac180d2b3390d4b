// The counters' way from the guest to the report, on a real gcc --coverage build of a toy laid
// out like the kernel's (src/ beside build/, compiled from build/ as ../src/...): the guest's
// command runs (bash) against a folder standing for debugfs, its tar goes through
// collectBootCounters, and lcov 1.16 and measureCoverage give the lines that never ran.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable, realRunner } from '../process/exec.js';
import { collectBootCounters, collectCommand, gcdaTarget, measureCoverage, type GuestExec } from './collect.js';
import { parseLcov } from './lcov.js';

const fx = (f: string) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'coverage', f), 'utf8');

describe('gcdaTarget', () => {
  const build = '/root/.cache/kph/work/debian-x/s+coverage/build';
  const has = (rel: string) => ['kernel/nsproxy.gcno', 'kernel/sched/build_policy.gcno'].includes(rel);
  it('takes the path below the build folder', () => {
    expect(gcdaTarget(`./root/.cache/kph/work/debian-x/s+coverage/build/kernel/nsproxy.gcda`, build, has)).toBe('kernel/nsproxy.gcda');
  });
  it('else the longest tail whose .gcno the build has (a path seen through a symlink)', () => {
    expect(gcdaTarget('./home/u/.cache/kph/work/debian-x/s+coverage/build/kernel/sched/build_policy.gcda', build, has)).toBe('kernel/sched/build_policy.gcda');
    expect(gcdaTarget('./x/kernel/fork.gcda', build, has)).toBeNull();
    expect(gcdaTarget('./x/kernel/nsproxy.gcno', build, has)).toBeNull();
  });
});

/** A session whose commands run in bash on this host. */
const localSession: GuestExec = {
  async exec(command) {
    const r = spawnSync('bash', ['-c', command], { maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, stdoutBytes: r.stdout, stderr: r.stderr.toString() };
  },
};

describe('collectCommand', () => {
  it('fails with a reason when there is no gcov folder', async () => {
    const r = await localSession.exec(collectCommand('/nonexistent/kph-gcov'));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/CONFIG_GCOV_KERNEL/);
  });
});

const haveTools = Boolean(findExecutable('lcov') && findExecutable('gcc'));

describe.skipIf(!haveTools)('collectBootCounters and measureCoverage (with gcc and lcov; skipped without them)', () => {
  it('find the lines the patch added that never ran, and write the series\' tracefile', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kph-cov-collect-'));
    const base = join(root, 'base');
    const work = join(root, 'work', 'toy+coverage');
    const src = join(work, 'src');
    const build = join(work, 'build');
    for (const [dir, fork, h] of [
      [base, 'toy-fork.base.c', 'toy.base.h'],
      [src, 'toy-fork.c', 'toy.h'],
    ] as const) {
      mkdirSync(join(dir, 'kernel'), { recursive: true });
      mkdirSync(join(dir, 'include', 'linux'), { recursive: true });
      writeFileSync(join(dir, 'kernel', 'fork.c'), fx(fork));
      writeFileSync(join(dir, 'include', 'linux', 'toy.h'), fx(h));
    }
    writeFileSync(join(src, 'kernel', 'Makefile'), 'obj-y = fork.o\n');
    mkdirSync(join(build, 'kernel'), { recursive: true });
    execFileSync('gcc', ['-O2', '-fprofile-arcs', '-ftest-coverage', '-fno-inline', '-c', '-o', 'kernel/fork.o', '../src/kernel/fork.c'], { cwd: build });
    execFileSync('gcc', ['-fprofile-arcs', '-o', 'toy', 'kernel/fork.o'], { cwd: build });
    // Two boots: the counters the kernel would show in debugfs, under the object's build path.
    const debugfs = join(root, 'debugfs');
    const bootDirs: string[] = [];
    for (const [n, args] of [[1, []], [2, ['one', 'two']]] as const) {
      execFileSync(join(build, 'toy'), [...args], { cwd: build });
      const at = join(debugfs, build, 'kernel', 'fork.gcda');
      mkdirSync(dirname(at), { recursive: true });
      renameSync(join(build, 'kernel', 'fork.gcda'), at);
      const dir = join(root, 'results', 'toy', 'coverage', `boot-${n}`);
      const got = await collectBootCounters(localSession, { buildDir: build, dir, root: debugfs });
      expect(got).toEqual({ files: 1, unmatched: [] });
      expect(existsSync(join(dir, 'data', 'kernel', 'fork.gcno'))).toBe(true);
      bootDirs.push(dir);
    }
    expect(existsSync(join(build, 'kernel', 'fork.gcda'))).toBe(false); // the build folder is never written

    const patch = { name: '0001-toy-negative-branch.patch', text: fx('toy.patch') };
    const infoFile = join(root, 'results', 'toy', 'coverage.info');
    const c = await measureCoverage({ runner: realRunner, label: 'toy@v1+coverage', patches: [patch], baseDir: base, srcDir: src, buildDir: build, bootDirs: [...bootDirs, join(root, 'lost-boot')], lost: 1, infoFile, outDir: join(root, 'results') });
    expect([c.addedLines, c.executedLines]).toEqual([4, 2]);
    expect(c.unexecuted).toEqual([
      { file: 'kernel/fork.c', line: 9, text: '\t\tr = -v;', patch: patch.name },
      { file: 'kernel/fork.c', line: 10, text: '\t\tprintf("negative\\n");', patch: patch.name },
    ]);
    expect(c).toMatchObject({ lcov: 'toy/coverage.info', boots: { collected: 2, lost: 1 }, objects: ['kernel/fork.o'] });
    // Both boots added up, with tree-relative names.
    const info = parseLcov(readFileSync(infoFile, 'utf8'));
    expect(info.map((f) => f.file)).toEqual(['include/linux/toy.h', 'kernel/fork.c']);
    expect(info[1]!.lines.get(8)).toBe(6);
    expect(readFileSync(infoFile, 'utf8')).toMatch(/^TN:toy_v1_coverage$/m);
    expect(c.scenarios).toBeUndefined(); // no readings after each scenario: no attribution
    // Readings after each scenario of one boot (counters never reset): which scenario ran what.
    const boot3 = join(root, 'results', 'toy', 'coverage', 'boot-3');
    const snapshots: { boot: string; scenario: string; dir: string }[] = [];
    for (const [k, scenario, runs] of [[1, 'first', true], [2, 'idle', false], [3, 'again', true]] as const) {
      // The toy's counters add up across its runs in build/, as the kernel's do across scenarios.
      if (runs) execFileSync(join(build, 'toy'), [], { cwd: build });
      cpSync(join(build, 'kernel', 'fork.gcda'), join(debugfs, build, 'kernel', 'fork.gcda'));
      const dir = join(boot3, 'after', `${k}-${scenario}`);
      await collectBootCounters(localSession, { buildDir: build, dir, root: debugfs });
      snapshots.push({ boot: boot3, scenario, dir });
    }
    const d = await measureCoverage({ runner: realRunner, label: 'toy@v1+coverage', patches: [patch], baseDir: base, srcDir: src, buildDir: build, bootDirs: [snapshots.at(-1)!.dir], snapshots, lost: 0, infoFile: join(root, 'results', 'toy', 'coverage-3.info'), outDir: join(root, 'results') });
    expect([d.addedLines, d.executedLines]).toEqual([4, 2]);
    expect(d.scenarios).toEqual([
      { scenario: 'first', executedLines: 2 },
      { scenario: 'idle', executedLines: 0 },
      { scenario: 'again', executedLines: 2 },
    ]);
    expect(d.hunks![0]!.lines.find((l) => l.line === 8)).toMatchObject({ ran: true, scenarios: ['first', 'again'] });
    // genhtml reads it from the tree.
    cpSync(infoFile, join(src, 'coverage.info'));
    execFileSync('genhtml', ['--quiet', '-o', join(root, 'html'), 'coverage.info'], { cwd: src });
    expect(existsSync(join(root, 'html', 'index.html'))).toBe(true);
  });
});

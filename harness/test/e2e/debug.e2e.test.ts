// CI's debug-kernel run (issue 18: "CI runs one coverage run and one kmemleak run on a small
// series and stays under the cold budget"): one kmemleak + coverage kernel configuration for
// three kernels, so CI pays one whole build (baseline+kmemleak+coverage: its config differs
// from the plain kernel's, so nearly every object misses ccache) and two small ones (the
// fixtures change kernel/nsproxy.c only and build from baseline's objects).
//
// - leaks-on-unshare (64 bytes kmalloc'ed for every new network namespace, kept nowhere) is
//   `leak` (exit 1) with kmemleak's backtrace, because baseline under the same profiles, gcov
//   core included, does not show it; baseline passes: a false leak would be a false verdict.
// - coverage-unreached (a counter every unshare() runs, and a branch only a task named
//   kph-cov-never takes) passes, with exactly the branch's two lines reported as never run;
//   coverage changes no verdict and no exit code, but --min-coverage 100 makes the run exit 1.
//
// The plain-kernel versions (a coverage kernel alone, kmemleak alone) are in
// harness/test/e2e-debug/, outside CI: each is a whole build of its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/types.js';
import { parseLcov } from '../../coverage/lcov.js';
import { fixtures, kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const results = resultsFolders('kph-e2e-debug-');
const leaky = join(fixtures, 'series', 'leaks-on-unshare');
const unreached = join(fixtures, 'series', 'coverage-unreached');
const PATCH2 = '0002-nsproxy-say-when-a-task-named-kph-cov-never-unshares.patch';
const PROFILES = ['--kconfig', 'kmemleak', '--coverage', '--scenario', 'unshare-net'];

const failureText = (run: RunResult) => run.failures.flatMap((f) => [f.message, ...(f.excerpt ?? [])]).join('\n');

afterEach(async () => {
  expect(await results.leftoverQemus(true)).toEqual([]);
});

describe('kph run --kconfig kmemleak --coverage: baseline and two fixture series', () => {
  it('the leak is leak (exit 1) against baseline under the same profiles; the unreached branch is listed; baseline passes', async () => {
    const out = results.make();
    const r = await kph(['run', '-s', 'baseline', '-s', leaky, '-s', unreached, ...PROFILES, '--out', out]);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    const s = summaryOf(out);
    expect(s.series.map((x) => x.label)).toEqual(['baseline+kmemleak+coverage', 'leaks-on-unshare+kmemleak+coverage', 'coverage-unreached+kmemleak+coverage']);

    // One configuration: kmemleak on from boot and gcov in every kernel; only the fixtures' object profiled.
    for (const entry of s.series) {
      const buildDir = join(entry.kernel!.bzImage, '..', '..', '..', '..');
      const config = readFileSync(join(buildDir, '.config'), 'utf8');
      expect(config).toContain('CONFIG_DEBUG_KMEMLEAK=y');
      expect(config).toContain('CONFIG_GCOV_KERNEL=y');
      expect(config).not.toContain('CONFIG_GCOV_PROFILE_ALL=y');
      expect(readFileSync(join(out, entry.dir, 'console.log'), 'utf8')).toMatch(/kmemleak: Kernel memory leak detector initialized/);
    }

    const row = (series: string) => s.runs.find((x) => x.series === series && x.scenario === 'unshare-net')!;
    const base = row('baseline');
    expect(base.kconfig).toEqual(['kmemleak', 'coverage']);
    expect(base.verdict, failureText(base)).toBe('pass');
    expect(base.leaks).toBeDefined();
    expect(s.series[0]!.coverage).toBeUndefined(); // baseline: a coverage kernel for parity, nothing to measure

    // The leak: kmemleak's evidence, compared with baseline under the same two profiles.
    const leak = row('leaks-on-unshare');
    expect(leak.verdict, JSON.stringify(leak, null, 2)).toBe('leak');
    expect(leak.failures[0]!.code).toBe('E_LEAK');
    expect(leak.failures[0]!.message).toMatch(/^kmemleak: suspected leak in kph_leak_netns < create_new_namespaces\b.*: \d+ objects? of 64 bytes allocated by "unshare"; baseline\+kmemleak\+coverage does not show it$/);
    expect(failureText(leak)).toMatch(/kph_leak_netns\+0x[0-9a-f]+\/0x[0-9a-f]+/);
    expect(leak.signature).toMatch(/^kmemleak: kph_leak_netns < create_new_namespaces/);
    expect(leak.leaks!.find((l) => l.signature === leak.signature)).toMatchObject({ size: 64, comm: 'unshare', known: false });
    // Its coverage: every line it adds ran (unshare -n makes a network namespace).
    const leakCov = s.series[1]!.coverage!;
    expect(leakCov.error).toBeUndefined();
    expect(leakCov.addedLines).toBeGreaterThan(0);
    expect(leakCov.unexecuted).toEqual([]);
    expect(leakCov.executedLines).toBe(leakCov.addedLines);

    // The unreached branch: a pass (no leak either: gcov's own objects are not blamed), and
    // exactly the branch's two lines never ran.
    const cov = row('coverage-unreached');
    expect(cov.verdict, failureText(cov)).toBe('pass');
    const c = s.series[2]!.coverage!;
    expect(c.error).toBeUndefined();
    expect(c.objects).toEqual(['kernel/nsproxy.o']);
    expect(c.unexecuted).toEqual([
      { file: 'kernel/nsproxy.c', line: 228, text: '\t\tpr_info("kph-cov: %s unshares %#lx\\n", current->comm, unshare_flags);', patch: PATCH2 },
      { file: 'kernel/nsproxy.c', line: 229, text: '\t\tdump_stack();', patch: PATCH2 },
    ]);
    expect(c.addedLines).toBe(c.executedLines + 2);
    const info = parseLcov(readFileSync(join(out, c.lcov!), 'utf8'));
    const nsproxy = info.find((f) => f.file === 'kernel/nsproxy.c')!;
    expect(nsproxy.lines.get(232)).toBeGreaterThan(0);
    expect(nsproxy.lines.get(228)).toBe(0);

    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('**LEAK**');
    expect(md).toContain('1 leak, in 1 scenario');
    expect(md).toContain('## Coverage');
    expect(md).toContain('✗ +\t\tdump_stack();');
  });

  it('coverage leaves the exit code alone (0), and --min-coverage 100 fails the run naming the lines, the verdict still pass', async () => {
    // The kernel of the run above: a boot each, no build.
    const plain = results.make();
    const r0 = await kph(['run', '-s', unreached, ...PROFILES, '--out', plain]);
    expect(r0.code, r0.all.slice(-3000)).toBe(0);
    expect(summaryOf(plain).series[0]!.kernel!.cached).toBe(true);
    expect(summaryOf(plain).series[0]!.coverage!.unexecuted.map((u) => u.line)).toEqual([228, 229]);

    const gated = results.make();
    const r1 = await kph(['run', '-s', unreached, ...PROFILES, '--min-coverage', '100', '--out', gated]);
    expect(r1.code, r1.all.slice(-3000)).toBe(1);
    expect(r1.all).toContain('kernel/nsproxy.c:228');
    expect(r1.all).toContain('kernel/nsproxy.c:229');
    const s = summaryOf(gated);
    expect(s.runs.find((x) => x.scenario === 'unshare-net')!.verdict).toBe('pass');
    expect(s.coverageGate).toMatchObject({ minPercent: 100, passed: false, below: [{ series: 'coverage-unreached+kmemleak+coverage' }] });
  });
});

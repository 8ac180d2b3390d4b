// End to end: `kph run --coverage` on a real coverage kernel. The fixture series
// coverage-unreached (two patches to kernel/nsproxy.c, written against Linux 6.12.117) adds a
// counter every unshare() of a namespace runs, and above it a branch only a task named
// kph-cov-never takes. On unshare-net, exactly the branch's two lines must be reported as never
// run (file, line, text, patch 2), the counter's line as run, coverage.info must be written with
// tree-relative names, only the series' object profiled, and the verdict and exit code must be
// what the plain kernel gives (pass, 0). (--min-coverage on a real run: CI's
// harness/test/e2e/debug.e2e.test.ts, on the kmemleak + coverage kernel.)
//
// Cost: the coverage kernel is a whole build of its own (its config differs from the plain
// kernel's, so autoconf.h and with it nearly every object miss ccache, as for a --kconfig
// profile), and every boot ends with the counters read over SSH. Not measured yet: the README
// says so until a run of the repo's benchmark gives the ratios.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLcov } from '../../coverage/lcov.js';
import { fixtures, kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const results = resultsFolders('kph-e2e-coverage-');
const BUILD_MS = 90 * 60_000;
const series = join(fixtures, 'series', 'coverage-unreached');
const PATCH2 = '0002-nsproxy-say-when-a-task-named-kph-cov-never-unshares.patch';

afterEach(async () => {
  expect(await results.leftoverQemus(true)).toEqual([]);
});

describe('kph run --coverage on a series whose branch no scenario reaches (fixture coverage-unreached)', () => {
  it('lists exactly the branch\'s lines as never run, writes lcov, and leaves the verdict and exit code alone', async () => {
    const out = results.make();
    const r = await kph(['run', '-s', series, '--coverage', '--scenario', 'unshare-net', '--out', out], BUILD_MS);
    expect(r.code, r.all.slice(-3000)).toBe(0);
    const s = summaryOf(out);
    const entry = s.series[0]!;
    expect(entry.label).toBe('coverage-unreached+coverage');
    expect(entry.kernel!.bzImage).toContain('+coverage/build/');
    const run = s.runs.find((x) => x.scenario === 'unshare-net')!;
    expect(run.verdict).toBe('pass');
    expect(run.kconfig).toEqual(['coverage']);

    // The coverage kernel: gcov in, not the whole kernel, and only the series' object profiled.
    const buildDir = join(entry.kernel!.bzImage, '..', '..', '..', '..');
    const config = readFileSync(join(buildDir, '.config'), 'utf8');
    expect(config).toContain('CONFIG_GCOV_KERNEL=y');
    expect(config).toContain('CONFIG_DEBUG_FS=y');
    expect(config).not.toContain('CONFIG_GCOV_PROFILE_ALL=y');
    expect(existsSync(join(buildDir, 'kernel', 'nsproxy.gcno'))).toBe(true);
    expect(existsSync(join(buildDir, 'kernel', 'fork.gcno'))).toBe(false);

    const cov = entry.coverage!;
    expect(cov.error).toBeUndefined();
    expect(cov.objects).toEqual(['kernel/nsproxy.o']);
    expect(cov.boots).toEqual({ collected: 1, lost: 0 });
    expect(cov.unexecuted).toEqual([
      { file: 'kernel/nsproxy.c', line: 228, text: '\t\tpr_info("kph-cov: %s unshares %#lx\\n", current->comm, unshare_flags);', patch: PATCH2 },
      { file: 'kernel/nsproxy.c', line: 229, text: '\t\tdump_stack();', patch: PATCH2 },
    ]);
    expect(cov.executedLines).toBeGreaterThanOrEqual(1);
    expect(cov.addedLines).toBe(cov.executedLines + 2);
    expect(cov.patches!.map((p) => p.patch)).toEqual(['0001-nsproxy-count-the-unshare-calls-that-ask-for-a-new-n.patch', PATCH2]);
    expect(cov.patches![0]!.executedLines).toBe(cov.patches![0]!.addedLines);
    // Read after the boot and after the scenario: unshare-net's unshare() ran the counter's line.
    expect(cov.scenarios!.map((x) => x.scenario)).toEqual(['(boot)', 'unshare-net']);
    expect(cov.scenarios!.find((x) => x.scenario === 'unshare-net')!.executedLines).toBeGreaterThanOrEqual(1);

    // The tracefile: tree-relative names, the counter's line (232) ran, the branch's did not.
    expect(cov.lcov).toBe(`${entry.dir}/coverage.info`);
    const info = parseLcov(readFileSync(join(out, cov.lcov!), 'utf8'));
    const nsproxy = info.find((f) => f.file === 'kernel/nsproxy.c')!;
    expect(nsproxy.lines.get(232)).toBeGreaterThan(0);
    expect(nsproxy.lines.get(228)).toBe(0);
    expect(nsproxy.lines.get(229)).toBe(0);

    // The report shows the hunk with the lines marked.
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Coverage');
    expect(md).toContain('✗ +\t\tdump_stack();');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<h2 id="coverage">Coverage</h2>');
  });

  it('--min-coverage without --coverage is a usage error (exit 2) before anything is built', async () => {
    const r = await kph(['run', '-s', series, '--min-coverage', '50', '--scenario', 'unshare-net', '--out', results.make()], 60_000);
    expect(r.code).toBe(2);
    expect(r.all).toContain('--min-coverage needs --coverage');
    expect(r.ms).toBeLessThan(60_000);
  });
});

// A --coverage run with fake stages: the series' kernel is its coverage kernel (+coverage),
// the coverage stage runs after the scenarios (after the guest stopped, so its counters were
// read), its result lands on the series entry and in every report, the verdicts and the exit
// code stay what they were, and only --min-coverage turns a share below PCT into exit 1.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { withCoverage } from '../config/profiles.js';
import { defineScenario, type Scenario } from '../core/scenario.js';
import { summarySchema, type SeriesCoverage } from '../core/summary.js';
import type { BaseTree, Series, Summary } from '../core/types.js';
import type { Kernel } from '../kernel/kernel.js';
import { checkCoverage, matchScenarios, planRun, type RunPlan } from '../plan/plan.js';
import { silentProgress, type Progress } from '../report/progress.js';
import { createReporters } from '../report/reporter.js';
import { renderTerminal } from '../report/terminal.js';
import { RunLoop, type GuestLike, type RunStages } from '../run/run.js';
import { fakeCapture } from '../test/run-fakes.js';
import { attributeSeries } from './diff.js';
import { mergeLcov, parseLcov, relativeTo } from './lcov.js';
import { seriesCoverage } from './report.js';

const fx = (f: string) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'coverage', f), 'utf8');
const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-x', contentId: 'x' };
const PATCH = { name: '0001-toy-negative-branch.patch', text: fx('toy.patch') };
const toy = (): Series => ({ name: 'toy', revision: 'v1', id: 'toy@v1', contentHash: 'toy', patches: [PATCH], meta: { title: 'toy', origin: '', config: [], records: {}, provides: [] }, source: null });
const baseline = (): Series => ({ name: 'baseline', revision: null, id: 'baseline', contentHash: 'b', patches: [], meta: { title: 'b', origin: '', config: [], records: {}, provides: [] }, source: null });
const scenario = (name: string): Scenario => defineScenario({ name, description: name, script: 'true', expect: (ctx) => [{ name: 'exit 0', ok: ctx.guest.exitCode === 0, message: String(ctx.guest.exitCode) }] });

/** The toy's real coverage (lcov 1.16 output): 2 of 4 added lines ran. */
function toyCoverage(): SeriesCoverage {
  const data = new Map(relativeTo(mergeLcov(parseLcov(fx('toy-boot1.info')), parseLcov(fx('toy-boot2.info'))).values(), '/tmp/covtoy/src').map((f) => [f.file, f]));
  const files: Record<string, [string, string]> = { 'kernel/fork.c': [fx('toy-fork.base.c'), fx('toy-fork.c')], 'include/linux/toy.h': [fx('toy.base.h'), fx('toy.h')] };
  const attribution = attributeSeries([PATCH.text], (p) => files[p]?.[0] ?? null, (p) => files[p]?.[1] ?? null);
  const reachedBy = new Map([['kernel/fork.c:8', ['(boot)', 'unshare-uts']], ['include/linux/toy.h:5', ['setns']]]);
  return { ...seriesCoverage({ patches: [PATCH], attribution, data, objects: ['kernel/fork.o'], reachedBy, scenarioOrder: ['(boot)', 'unshare-uts', 'setns'] }), lcov: 'toy@v1_coverage/coverage.info', boots: { collected: 1, lost: 0 } };
}

async function run(seriesList: Series[], o: { minPercent?: number; failing?: boolean; coverage?: () => Promise<SeriesCoverage> } = {}) {
  const outDir = mkdtempSync(join(tmpdir(), 'kph-coverage-loop-'));
  const scenarios = [scenario('unshare-uts'), scenario('setns')];
  const plan: RunPlan = { baseSpec: { kind: 'debian', spec: 'debian:6.12', tarball: '/usr/src/x' }, outDir, scenarios, params: new Map(), series: matchScenarios(seriesList, scenarios), coverage: o.minPercent === undefined ? {} : { minPercent: o.minPercent } };
  const events: string[] = [];
  const stages: RunStages = {
    prepareBase: async () => base,
    kernel: async (_b, p) => ({ base, series: p.series, bzImage: '/k/bzImage', buildDir: '/k', configPath: '/k/.config', config: new Map(), offsets: [], cached: true, buildMs: 1 }) satisfies Kernel,
    guestEnvironment: async () => ({ accel: 'tcg', reason: 'fake' }),
    async boot(k) {
      events.push(`boot ${k.series.id}`);
      const g: GuestLike = {
        bootMs: 7,
        alive: () => true,
        runScenario: async (s) => (o.failing && s.name === 'setns' ? fakeCapture({}, 1) : fakeCapture()),
        stop: async () => void events.push(`stop ${k.series.id}`),
      };
      return g;
    },
    controlBoot: async () => 'unknown',
    async coverage(k, { label }) {
      events.push(`coverage ${k.series.id} ${label}`);
      return o.coverage ? o.coverage() : toyCoverage();
    },
  };
  const failed: string[] = [];
  const progress: Progress = { ...silentProgress, fail: (m: string) => void failed.push(m) };
  const reporters = createReporters(['markdown', 'html'], { outDir, progress, env: {}, textOut: process.stdout });
  const outcome = await new RunLoop(plan, { stages, reporters, progress, kphVersion: 't' }).run();
  return { ...outcome, events, failed };
}

describe('a --coverage run', () => {
  it('measures the coverage kernel after its scenarios and its guest stopped, and puts it on the series entry', async () => {
    // Baseline's coverage kernel (kph run --coverage gives every series one) boots, and nothing of it is measured.
    const r = await run([withCoverage(baseline()), withCoverage(toy())]);
    expect(r.events).toEqual(['boot baseline+coverage', 'stop baseline+coverage', 'boot toy@v1+coverage', 'stop toy@v1+coverage', 'coverage toy@v1+coverage toy@v1+coverage']);
    const entry = r.summary.series.find((e) => e.label === 'toy@v1+coverage')!;
    expect(entry.coverage).toMatchObject({ addedLines: 4, executedLines: 2, unexecuted: [{ file: 'kernel/fork.c', line: 9, text: '\t\tr = -v;', patch: PATCH.name }, { file: 'kernel/fork.c', line: 10 }] });
    expect(r.summary.series.find((e) => e.label === 'baseline+coverage')!.coverage).toBeUndefined();
    const written = JSON.parse(readFileSync(join(r.outDir, 'summary.json'), 'utf8')) as Summary;
    expect(summarySchema.safeParse(written).success).toBe(true);
    expect(written.series[1]!.coverage!.lcov).toBe('toy@v1_coverage/coverage.info');
    expect(written.coverageGate).toBeUndefined();
  });

  it('never changes a verdict or the exit code: a pass stays 0, a failure stays 1', async () => {
    const ok = await run([withCoverage(toy())]);
    expect(ok.summary.runs.map((x) => [x.scenario, x.verdict, x.kconfig])).toEqual([
      ['unshare-uts', 'pass', ['coverage']],
      ['setns', 'pass', ['coverage']],
    ]);
    expect(ok.exitCode).toBe(0);
    const bad = await run([withCoverage(toy())], { failing: true });
    expect(bad.summary.runs.map((x) => x.verdict)).toEqual(['pass', 'fail']);
    expect(bad.exitCode).toBe(1);
    expect(bad.summary.series[0]!.coverage!.executedLines).toBe(2);
  });

  it('--min-coverage: exit 1 naming the lines when the share is below PCT, verdicts untouched; 0 at or above', async () => {
    const below = await run([withCoverage(toy())], { minPercent: 80 });
    expect(below.exitCode).toBe(1);
    expect(below.summary.runs.every((x) => x.verdict === 'pass')).toBe(true);
    expect(below.summary.coverageGate).toEqual({ minPercent: 80, passed: false, below: [{ series: 'toy@v1+coverage', percent: 50, addedLines: 4, executedLines: 2 }] });
    expect(below.failed.join('\n')).toContain('--min-coverage 80: toy@v1+coverage: 50% of 4 added lines ran; never ran:\n  kernel/fork.c:9 (0001-toy-negative-branch.patch): r = -v;\n  kernel/fork.c:10');
    const at = await run([withCoverage(toy())], { minPercent: 50 });
    expect(at.exitCode).toBe(0);
    expect(at.summary.coverageGate).toEqual({ minPercent: 50, passed: true, below: [] });
  });

  it('coverage that could not be measured is said, leaves the verdicts alone, and fails the gate', async () => {
    const r = await run([withCoverage(toy())], { minPercent: 0, coverage: async () => Promise.reject(new Error('lcov --capture failed (exit 1)')) });
    expect(r.summary.series[0]!.coverage).toEqual({ addedLines: 0, executedLines: 0, unexecuted: [], error: 'lcov --capture failed (exit 1)' });
    expect(r.summary.runs.every((x) => x.verdict === 'pass')).toBe(true);
    expect(r.exitCode).toBe(1);
    expect(r.summary.coverageGate!.below[0]!.why).toBe('not measured: lcov --capture failed (exit 1)');
    expect(readFileSync(join(r.outDir, 'report.md'), 'utf8')).toContain('not measured: lcov --capture failed (exit 1)');
  });

  it('report.md, report.html and the terminal show the numbers, the lines that never ran and their hunk marked', async () => {
    const r = await run([withCoverage(baseline()), withCoverage(toy())], { minPercent: 80 });
    const md = readFileSync(join(r.outDir, 'report.md'), 'utf8');
    expect(md).toContain('## Coverage');
    expect(md).toContain('**--min-coverage 80: FAILED (exit 1) for toy@v1+coverage (50% of 4 lines).**');
    expect(md).toContain('| toy@v1+coverage | 4 | 2 | 50% | 2 | `toy@v1_coverage/coverage.info` |');
    expect(md).toContain('| 0001-toy-negative-branch.patch | 4 | 2 |');
    expect(md).toContain('- `kernel/fork.c:9` (0001-toy-negative-branch.patch): `r = -v;`');
    expect(md).toContain(['```', '0001-toy-negative-branch.patch: kernel/fork.c', '  @@ -5,7 +5,12 @@', '   {', '   \tint r = 0;', '   ', '  -\tr = v;', '✓ +\tif (v < 0) {', '✗ +\t\tr = -v;', '✗ +\t\tprintf("negative\\n");', '  +\t} else {'].join('\n'));
    expect(md).toContain('counters of 1 boot(s); profiled: `kernel/fork.o`.');
    expect(md).toContain('Added lines each scenario ran (counters read after each; `(boot)`: before the first): (boot) 1, unshare-uts 1, setns 1.');
    const html = readFileSync(join(r.outDir, 'report.html'), 'utf8');
    expect(html).toContain('<h2 id="coverage">Coverage</h2>');
    expect(html).toContain('<span class="cov-no">✗ +\t\tr = -v;</span>');
    expect(html).toContain('<span class="cov-yes" title="ran in (boot), unshare-uts">✓ +\tif (v &lt; 0) {</span>');
    expect(html).toContain('<a href="toy@v1_coverage/coverage.info">');
    const term = renderTerminal(r.summary, { outDir: r.outDir });
    expect(term).toContain('Coverage (--coverage: the lines the series add that ran; not a verdict):\n  toy@v1+coverage: 50% (2 of 4 added lines ran) → toy@v1_coverage/coverage.info\n    ✗ kernel/fork.c:9 r = -v;  (0001-toy-negative-branch.patch)');
    expect(term).toContain('--min-coverage 80: FAILED (exit 1)');
  });
});

describe('--coverage and --min-coverage on the command line', () => {
  it('checks the percentage and that it comes with --coverage', () => {
    expect(checkCoverage(undefined, undefined)).toBeUndefined();
    expect(checkCoverage(true, undefined)).toEqual({});
    expect(checkCoverage(true, 0)).toEqual({ minPercent: 0 });
    expect(checkCoverage(true, 100)).toEqual({ minPercent: 100 });
    expect(() => checkCoverage(undefined, 50)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--min-coverage needs --coverage') }));
    for (const bad of [-1, 100.5, Number.NaN]) expect(() => checkCoverage(true, bad)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('makes every series its coverage kernel, baseline too (like with like; measured: only those with patches)', async () => {
    const p = await planRun({ base: 'debian:6.12', series: ['baseline', 'ns-serial@v5'], scenarios: ['unshare-net'], params: [], accel: 'tcg', cache: '/nonexistent', coverage: true, minCoverage: 75, outDir: join(mkdtempSync(join(tmpdir(), 'kph-cov-plan-')), 'out') }, 'id');
    expect(p.series.map((s) => s.label)).toEqual(['baseline+coverage', 'ns-serial@v5+coverage']);
    expect(p.coverage).toEqual({ minPercent: 75 });
    await expect(planRun({ base: 'debian:6.12', series: ['ns-serial@v5'], scenarios: [], params: [], accel: 'tcg', cache: '/nonexistent', coverage: true, suiteOnly: true, suites: ['kselftests'] }, 'id')).rejects.toThrow(/--suite-only runs none/);
  });

  it('kph run exits 2 before anything is built on a bad --min-coverage', async () => {
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'kph', 'run', '-s', 'ns-serial@v5', '--min-coverage', '50'])).toBe(2);
      expect(await main(['node', 'kph', 'run', '-s', 'ns-serial@v5', '--coverage', '--min-coverage', '101'])).toBe(2);
      expect(await main(['node', 'kph', 'run', '-s', 'ns-serial@v5', '--coverage', '--min-coverage', 'most'])).toBe(2);
      expect(await main(['node', 'kph', 'run', '-s', 'ns-serial@v5', '--coverage', '--min-coverage', '-5'])).toBe(2);
    } finally {
      process.stderr.write = err;
    }
  });
});

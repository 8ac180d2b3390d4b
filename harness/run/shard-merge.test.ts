// The "done when", as far as pure code goes: `kph run --all` split by --shard 1/2 and
// 2/2, each through the real run loop (fake kernel and guest stages, the real plan, scenarios
// and judge), then `kph merge` of the two, gives the rows, folders and exit code of the single run.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildError } from '../core/errors.js';
import type { BaseTree, Summary } from '../core/types.js';
import type { ScenarioCapture } from '../guest/guest.js';
import type { Kernel } from '../kernel/kernel.js';
import { listBundledSeries } from '../patch/series.js';
import { planRun } from '../plan/plan.js';
import { silentProgress } from '../report/progress.js';
import { createReporters } from '../report/reporter.js';
import { mergeRuns } from './merge.js';
import { RunLoop, type RunStages } from './run.js';
import { compareRevisions } from './stages.js';
import { fakeCapture } from '../test/run-fakes.js';

const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-x', contentId: 'x' };
const capture = (): ScenarioCapture => fakeCapture();

const stages: RunStages = {
  prepareBase: async () => base,
  async kernel(_b, plan) {
    // One series does not build, so the rows are not all alike.
    if (plan.label === 'proc-connector-ns@rfc-v1') throw new BuildError('The kernel did not build (make exited 2).');
    return { base, series: plan.series, bzImage: '/k/bzImage', buildDir: '/k', configPath: '/k/.config', config: new Map([['CONFIG_NET_NS', 'y'], ['CONFIG_PROC_EVENTS', 'y'], ['CONFIG_CONNECTOR', 'y'], ['CONFIG_AUDIT', 'y']]), offsets: [], cached: true, buildMs: 1 } satisfies Kernel;
  },
  guestEnvironment: async () => ({ accel: 'tcg', reason: 'fake' }),
  async boot() {
    return { bootMs: 7, alive: () => true, runScenario: async () => capture(), stop: async () => {} };
  },
  controlBoot: async () => 'unknown',
  compare: compareRevisions,
};

async function runOne(shard?: { index: number; count: number }) {
  const outDir = mkdtempSync(join(tmpdir(), 'kph-shardrun-'));
  const series = ['baseline', ...listBundledSeries().map((s) => `${s.name}@${s.revision}`)];
  const plan = await planRun({ base: 'debian:6.12', series, scenarios: [], params: [], accel: 'tcg', cache: '/tmp', outDir, shard }, 'id');
  const reporters = createReporters(['junit', 'markdown'], { outDir, progress: silentProgress, env: {}, textOut: process.stdout });
  const r = await new RunLoop(plan, { stages, reporters, progress: silentProgress, kphVersion: '0.1.0' }).run();
  return { ...r, outDir };
}

const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(dir.length + 1)).sort();
const stable = (s: Summary) => s.runs;

describe('kph run --all --shard 1/2 + 2/2, merged, is kph run --all', () => {
  it('same rows, same series folders and files, same exit code; every scenario once', async () => {
    const whole = await runOne();
    const one = await runOne({ index: 1, count: 2 });
    const two = await runOne({ index: 2, count: 2 });
    expect(one.summary.runs.length).toBeGreaterThan(0);
    expect(two.summary.runs.length).toBeGreaterThan(0);
    const out = join(mkdtempSync(join(tmpdir(), 'kph-shardrun-')), 'merged');
    const m = mergeRuns([two.outDir, one.outDir], { outDir: out, reporters: createReporters(['junit', 'markdown'], { outDir: out, progress: silentProgress, env: {}, textOut: process.stdout }), compare: compareRevisions });
    expect(stable(m.summary)).toEqual(stable(whole.summary));
    const keys = m.summary.runs.map((r) => `${r.series}@${r.revision}/${r.scenario}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(m.summary.series.map((s) => s.label)).toEqual(whole.summary.series.map((s) => s.label));
    expect(m.summary.complete).toBe(true);
    expect(m.exitCode).toBe(whole.exitCode);
    expect(m.exitCode).toBe(1);
    expect(m.diffs.map((d) => [d.from, d.to])).toEqual(compareRevisions(whole.outDir, whole.summary.series.map((s) => s.label), whole.summary).map((d) => [d.from, d.to]));
    // The same files, apart from the reports of the whole (merged writes its own).
    const wholeFiles = files(whole.outDir);
    expect(files(out)).toEqual(wholeFiles);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toBe(readFileSync(join(whole.outDir, 'junit.xml'), 'utf8'));
  });
});

// --jobs N: series side by side. The loop with fake stages whose builds and scenarios take
// different times, so series finish out of plan order: the rows must still come out in plan
// order and be the rows a serial run gives; builds overlap guests; the image and accelerator are
// found once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineScenario, type Scenario } from '../core/scenario.js';
import type { BaseTree, RunResult, Series } from '../core/types.js';
import type { Kernel } from '../kernel/kernel.js';
import { matchScenarios, type RunPlan } from '../plan/plan.js';
import { silentProgress } from '../report/progress.js';
import type { Reporter } from '../report/reporter.js';
import { fakeCapture } from '../test/run-fakes.js';
import { makeJobs } from './stages.js';
import { RunLoop, type GuestLike, type RunStages } from './run.js';

const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-x', contentId: 'x' };
const series = (name: string, revision: string | null = null): Series => ({ name, revision, id: revision ? `${name}@${revision}` : name, contentHash: name, patches: [], meta: { title: name, origin: '', config: [], records: {}, provides: [] }, source: null });
const ok = (name: string): Scenario => defineScenario({ name, description: name, script: 'true', expect: (ctx) => [{ name: 'exit 0', ok: ctx.guest.exitCode === 0, message: String(ctx.guest.exitCode) }] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Build times by series (ms): the first series builds longest, so later ones finish first. */
const BUILD: Record<string, number> = { baseline: 60, 'a@v1': 10, 'b@v2': 30 };
/** b@v2 fails scenario y: a row that differs from the others, in the same place either way. */
const FAILS = new Set(['b@v2/y']);

function fake() {
  const events: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let building = 0;
  let guests = 0;
  let overlapped = false;
  let environments = 0;
  const stages: RunStages = {
    prepareBase: async () => base,
    async kernel(_b, plan) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      building++;
      if (guests > 0) overlapped = true;
      await sleep(BUILD[plan.label] ?? 5);
      building--;
      return { base, series: plan.series, bzImage: `/k/${plan.label}`, buildDir: '/k', configPath: '/k/.config', config: new Map([['CONFIG_NET_NS', 'y']]), offsets: [], cached: false, buildMs: BUILD[plan.label] ?? 5 } satisfies Kernel;
    },
    async guestEnvironment() {
      environments++;
      await sleep(5);
      return { accel: 'tcg', reason: 'fake' };
    },
    async boot(kernel) {
      guests++;
      if (building > 0) overlapped = true;
      const label = kernel.bzImage.slice(3);
      const g: GuestLike = {
        bootMs: 7,
        alive: () => true,
        async runScenario(s) {
          await sleep(5);
          events.push(`${label}/${s.name}`);
          return fakeCapture({}, FAILS.has(`${label}/${s.name}`) ? 1 : 0);
        },
        async stop() {
          guests--;
          inFlight--;
        },
      };
      return g;
    },
    controlBoot: async () => 'unknown',
  };
  return { stages, events, stats: () => ({ maxInFlight, overlapped, environments }) };
}

async function run(jobs: number | undefined, loopHook?: (loop: RunLoop) => void) {
  const scenarios = [ok('x'), ok('y')];
  const outDir = mkdtempSync(join(tmpdir(), 'kph-jobs-'));
  const plan: RunPlan = { baseSpec: { kind: 'debian', spec: 'debian:6.12', tarball: '/usr/src/x' }, outDir, scenarios, params: new Map(), series: matchScenarios([series('baseline'), series('a', 'v1'), series('b', 'v2')], scenarios), ...(jobs ? { jobs } : {}) };
  const f = fake();
  const seen: string[] = [];
  const order: Reporter = { name: 'order', onResult: (r: RunResult) => seen.push(`${r.revision ? `${r.series}@${r.revision}` : r.series}/${r.scenario}:${r.verdict}`) };
  const loop = new RunLoop(plan, { stages: f.stages, reporters: [order], progress: silentProgress, kphVersion: 't' });
  loopHook?.(loop);
  const outcome = await loop.run();
  return { outcome, seen, events: f.events, stats: f.stats() };
}

const rows = (runs: RunResult[]) => runs.map((r) => ({ series: r.series, revision: r.revision, scenario: r.scenario, verdict: r.verdict, failures: r.failures.map((x) => x.code) }));

describe('RunLoop --jobs N', () => {
  it('--jobs 2 gives the serial run\'s rows, in plan order, although the series finish out of order', async () => {
    const serial = await run(undefined);
    const side = await run(2);
    expect(serial.stats.maxInFlight).toBe(1);
    expect(side.stats.maxInFlight).toBe(2);
    // the guests really ran out of plan order: a@v1 built fastest and ran before baseline
    expect(side.events.indexOf('a@v1/x')).toBeLessThan(side.events.indexOf('baseline/x'));
    expect(rows(side.outcome.summary.runs)).toEqual(rows(serial.outcome.summary.runs));
    const expected = ['baseline/x:pass', 'baseline/y:pass', 'a@v1/x:pass', 'a@v1/y:pass', 'b@v2/x:pass', 'b@v2/y:fail'];
    expect(serial.seen).toEqual(expected);
    expect(side.seen).toEqual(expected);
    expect(side.outcome.exitCode).toBe(serial.outcome.exitCode);
    expect(side.outcome.exitCode).toBe(1);
  });

  it('a build runs while another series\' guest runs; the image and accelerator are found once', async () => {
    const side = await run(2);
    expect(side.stats.overlapped).toBe(true);
    expect(side.stats.environments).toBe(1);
    const serial = await run(1);
    expect(serial.stats.overlapped).toBe(false);
  });

  it('--jobs larger than the series is as many as there are', async () => {
    const side = await run(8);
    expect(side.stats.maxInFlight).toBe(3);
    expect(side.outcome.summary.runs).toHaveLength(6);
  });

  it('interrupted with series side by side: every row recorded so far is in summary.json, in plan order', async () => {
    let loop: RunLoop | null = null;
    const p = run(2, (l) => (loop = l));
    await sleep(40); // a@v1 (10 ms build) has run; baseline (60 ms) is still building
    loop!.interrupt();
    // what interrupt() wrote, before anything else runs (the CLI exits after it)
    const atInterrupt = [...loop!.summary.runs];
    const r = await p;
    expect(r.outcome.summary.interrupted).toBe(true);
    const labels = atInterrupt.map((x) => (x.revision ? `${x.series}@${x.revision}` : x.series));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels).toContain('a@v1');
    // plan order: no baseline row after an a@v1 row, no a@v1 row after a b@v2 row
    const rank = { baseline: 0, 'a@v1': 1, 'b@v2': 2 } as Record<string, number>;
    const ranks = labels.map((l) => rank[l]!);
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
  });
});

describe('makeJobs', () => {
  it('shares the cores out between the series in flight', () => {
    expect(makeJobs(undefined, 16)).toBeUndefined();
    expect(makeJobs(1, 16)).toBeUndefined();
    expect(makeJobs(4, 16)).toBe(4);
    expect(makeJobs(2, 2)).toBe(1);
    expect(makeJobs(3, 2)).toBe(1);
  });
});

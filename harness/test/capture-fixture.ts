// Test helpers: load a captured guest folder (as kph-scenario left it) into a ScenarioContext,
// and name the checks that failed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { patchesDir } from '../core/paths.js';
import { buildContext } from '../capture/context.js';
import { readCapturedDir } from '../capture/scenario.js';
import type { Check, ParamValue, Scenario, ScenarioContext } from '../core/scenario.js';
import type { SeriesMeta } from '../core/types.js';

export function loadCapture(dir: string, id: string, meta: Partial<SeriesMeta> & { name?: string; revision?: string | null } = {}, params: Record<string, ParamValue> = {}): ScenarioContext {
  const series = {
    name: meta.name ?? 'baseline',
    revision: meta.revision ?? null,
    meta: { title: 't', origin: '', config: [], records: meta.records ?? {}, provides: meta.provides ?? [] },
  };
  return buildContext(series, params, id, readCapturedDir(dir));
}

/** The names of the checks that failed. */
export function failedChecks(checks: Check[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => c.name);
}

/** scenarios/<name>/fixtures/<series> for a scenario test file's folder. */
export function fixtureDir(scenarioDir: string, series: string): string {
  return join(scenarioDir, 'fixtures', series);
}

/**
 * What a bundled series says of itself (kernel-patches/NAME/REV/series.json): the name, revision,
 * capabilities and record names a scenario test judges a fixture with, so the tests follow the
 * series' metadata instead of copies of it.
 */
export function bundledMeta(spec: string): { name: string; revision: string; provides: string[]; records: Record<string, string> } {
  const [name, revision] = spec.split('@') as [string, string];
  const meta = JSON.parse(readFileSync(join(patchesDir, name, revision, 'series.json'), 'utf8')) as { provides: string[]; records: Record<string, string> };
  return { name, revision, provides: meta.provides, records: meta.records };
}

/**
 * The four cases every scenario of a series-specific capability starts with, on fixtures of
 * baseline and of the series: each passes as what it is, and fails judged as the other. Call
 * inside a describe(); returns a loader for the scenario's own further cases.
 */
export function capabilityCases(
  scenario: Scenario,
  scenarioDir: string,
  spec: string,
  t: { it: (name: string, fn: () => void) => void; expect: (v: unknown) => { toEqual(x: unknown): void; toBeGreaterThan(n: number): void } },
): (series: string, meta?: Parameters<typeof loadCapture>[2]) => ScenarioContext {
  const meta = bundledMeta(spec);
  const load = (series: string, m: Parameters<typeof loadCapture>[2] = {}) => loadCapture(fixtureDir(scenarioDir, series), scenario.name, m, scenario.params ?? {});
  const failed = (ctx: ScenarioContext) => failedChecks(scenario.expect(ctx));
  t.it(`passes on baseline (no ${meta.name})`, () => t.expect(failed(load('baseline'))).toEqual([]));
  t.it(`fails the baseline capture judged as ${spec}`, () => t.expect(failed(load('baseline', meta)).length).toBeGreaterThan(0));
  t.it(`passes on ${spec}`, () => t.expect(failed(load(spec, meta))).toEqual([]));
  t.it(`fails the ${meta.name} capture judged as a kernel without the series`, () => t.expect(failed(load(spec)).length).toBeGreaterThan(0));
  return (series, m) => load(series, m ?? (series === spec ? meta : {}));
}

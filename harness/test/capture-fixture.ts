// Test helpers: load a captured guest folder (as kph-scenario left it) into a ScenarioContext,
// and name the checks that failed.
import { join } from 'node:path';
import { buildContext } from '../capture/context.js';
import { readCapturedDir } from '../capture/scenario.js';
import type { Check, ParamValue, ScenarioContext } from '../core/scenario.js';
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

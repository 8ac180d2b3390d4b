// Test helpers: load a captured guest folder (as kph-scenario left it) into a ScenarioContext,
// and name the checks that failed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { patchesDir } from '../core/paths.js';
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

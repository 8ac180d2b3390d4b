// The plan stage: everything a user can get wrong is checked here, before anything is built —
// series, scenarios, typed parameters, the base, the results folder. Its result says which
// scenarios run on which series and which are skipped, and why.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueDirNames, seriesLabel } from '../core/label.js';
import { listScenarioNames, loadScenario, resolveParams } from '../core/load-scenarios.js';
import { resultsDir } from '../core/paths.js';
import { UsageError } from '../core/errors.js';
import type { ParamValue, Scenario } from '../core/scenario.js';
import type { Accel, BaseSpec, Series } from '../core/types.js';
import { resolveSeries } from '../patch/series.js';
import { resolveKconfigProfiles, withCoverage, withKconfig } from '../config/profiles.js';
import { parseBaseSpec } from '../source/base.js';
import { loadShardCosts, selectShard, type Shard } from './shard.js';
import { parseSuiteSpecs, type SuiteSpec } from '../suite/suite.js';

export interface RunRequest {
  base: string;
  series: string[];
  /** Scenario names; empty means all. */
  scenarios: string[];
  params: string[];
  outDir?: string;
  accel: 'auto' | Accel;
  cache: string;
  /** --jobs N: series in flight side by side; each build gets make -j(cores / N). */
  jobs?: number;
  /** Boot-to-SSH deadline; default 60 s under KVM, 180 s under TCG. */
  bootTimeoutMs?: number;
  /** Extra kernel command-line arguments. */
  append?: string[];
  /** Load scenarios from here instead of scenarios/. */
  scenariosDir?: string;
  /** Compare each series' record formats with results/baselines/ (a row "format-baseline" per series). */
  checkFormats?: boolean;
  /** Write format diffs between consecutive revisions and against baseline (formats-diff.md/json). */
  compare?: boolean;
  /** Reporters besides summary (default: all built-ins). */
  reporters?: string[];
  /** Run only this shard of the work (whole series; plan/shard.ts). */
  shard?: Shard;
  /** Summaries whose recorded costs balance the shards (a summary.json, a results folder or a folder of them). */
  shardCosts?: string;
  /** Peer suites, `NAME=PATH` (--suite); KPH_SUITE_<NAME> from env fills in the others. */
  suites?: string[];
  /** Run baseline's suites again even when kph's cache holds their results (--no-suite-cache). */
  noSuiteCache?: boolean;
  /** Run the suites only, no scenario (--suite-only). */
  suiteOnly?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Run each scenario this many times on the same kernel (1..100; default 1). */
  repeat?: number;
  /** Debug-kernel profiles or fragment files (`--kconfig`), for every series of the run. */
  kconfig?: string[];
  /** `--coverage`: each series with patches on its coverage kernel (SERIES+coverage), its added lines measured. */
  coverage?: boolean;
  /** `--min-coverage PCT` (needs coverage): the run exits 1 when a series' share of added lines that ran is below PCT. */
  minCoverage?: number;
}

export interface SeriesPlan {
  series: Series;
  label: string;
  /** The series' folder in the results folder (distinct even for two paths with one basename). */
  dirName: string;
  runnable: Scenario[];
  skipped: { scenario: Scenario; why: string }[];
}

export interface RunPlan {
  baseSpec: BaseSpec;
  outDir: string;
  scenarios: Scenario[];
  params: Map<string, Record<string, ParamValue>>;
  series: SeriesPlan[];
  /** Peer suites run on every series after its scenarios, on a boot of their own (--suite). */
  suites?: SuiteSpec[];
  /** With --shard: which shard this is, and the labels of the whole (unsharded) run, in order. */
  shard?: { index: number; count: number; allSeries: string[]; balance: 'recorded' | 'patches' };
  /** --repeat N: each scenario N times on the same kernel, one row (run/repeat.ts). */
  repeat?: number;
  /** --jobs N: up to N series in flight side by side, each building or running its guest. */
  jobs?: number;
  /** --coverage (and --min-coverage PCT): coverage kernels, their added lines measured after the scenarios. */
  coverage?: { minPercent?: number };
}

export const MAX_REPEAT = 100;

/** --repeat N: a whole number from 1 to 100. */
export function checkRepeat(n: number | undefined): number {
  if (n === undefined) return 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPEAT) throw new UsageError(`--repeat ${n}: expected a whole number from 1 to ${MAX_REPEAT}.`);
  return n;
}

/** --min-coverage PCT: a number from 0 to 100, and only with --coverage. */
export function checkCoverage(coverage: boolean | undefined, minCoverage: number | undefined): { minPercent?: number } | undefined {
  if (minCoverage !== undefined) {
    if (!Number.isFinite(minCoverage) || minCoverage < 0 || minCoverage > 100) throw new UsageError(`--min-coverage ${minCoverage}: expected a percentage from 0 to 100.`);
    if (!coverage) throw new UsageError('--min-coverage needs --coverage: without it no line is measured.', { hint: 'kph run --coverage --min-coverage PCT' });
  }
  if (!coverage) return undefined;
  return minCoverage === undefined ? {} : { minPercent: minCoverage };
}

/** Which scenarios run on which series, by the series' capabilities. Pure. */
export function matchScenarios(seriesList: Series[], scenarios: Scenario[]): SeriesPlan[] {
  const labels = seriesList.map(seriesLabel);
  const dirs = uniqueDirNames(labels);
  return seriesList.map((series, i) => {
    const label = labels[i]!;
    const provides = new Set(series.meta.provides);
    const runnable: Scenario[] = [];
    const skipped: SeriesPlan['skipped'] = [];
    for (const s of scenarios) {
      const missing = (s.needs?.capabilities ?? []).filter((c) => !provides.has(c));
      const applies = s.appliesTo ? s.appliesTo(provides) : true;
      if (missing.length) skipped.push({ scenario: s, why: `needs ${missing.join(', ')}, which ${label} does not provide` });
      else if (applies !== true) skipped.push({ scenario: s, why: applies });
      else runnable.push(s);
    }
    return { series, label, dirName: dirs[i]!, runnable, skipped };
  });
}

/**
 * Two series given as paths with one basename (`~/a/v6` and `~/b/v6`) would share a label, and
 * so a row name and a folder: the second and later are named `v6-2`, `v6-3`, ... The same
 * series given twice is run once.
 */
export function distinctNames(seriesList: Series[]): Series[] {
  const seen = new Map<string, number>();
  const ids = new Set<string>();
  const out: Series[] = [];
  for (const s of seriesList) {
    if (ids.has(s.id)) continue;
    ids.add(s.id);
    const label = seriesLabel(s);
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    out.push(n === 1 ? s : { ...s, name: `${s.name}-${n}` });
  }
  return out;
}

/** The results folder: a new one, or an empty one the user named; never one that holds a run. */
export function checkOutDir(outDir: string): void {
  if (!existsSync(outDir)) return;
  if (existsSync(join(outDir, 'summary.json'))) {
    throw new UsageError(`--out ${outDir} already holds a run (summary.json): results are never merged into an old run.`, { hint: 'Choose a new folder, or remove that one first.' });
  }
  if (readdirSync(outDir).length) throw new UsageError(`--out ${outDir} is not empty.`, { hint: 'Choose a new or empty folder.' });
}

export async function planRun(req: RunRequest, runId: string): Promise<RunPlan> {
  if (req.series.length === 0) throw new UsageError('No series given.');
  const repeat = checkRepeat(req.repeat);
  const coverage = checkCoverage(req.coverage, req.minCoverage);
  const rep = { ...(repeat > 1 ? { repeat } : {}), ...(req.jobs && req.jobs > 1 ? { jobs: req.jobs } : {}), ...(coverage ? { coverage } : {}) };
  const baseSpec = parseBaseSpec(req.base);
  if (baseSpec.kind !== 'debian' && !existsSync(baseSpec.path)) {
    throw new UsageError(`--base ${baseSpec.spec}: ${baseSpec.path} does not exist.`);
  }
  const profiles = resolveKconfigProfiles(req.kconfig ?? []);
  const seriesList = distinctNames(req.series.map((s) => withCoverage(withKconfig(resolveSeries(s), profiles), Boolean(coverage))));
  const suites = parseSuiteSpecs(req.suites ?? [], req.env ?? process.env);
  if (req.suiteOnly && !suites.length) throw new UsageError('--suite-only needs --suite NAME=PATH or --suite kselftests (or KPH_SUITE_AUDIT_TESTSUITE).');
  if (req.suiteOnly && req.scenarios.length) throw new UsageError('--suite-only runs no scenario: leave out --scenario.');
  if (req.suiteOnly && coverage) throw new UsageError('--coverage counts the lines the scenarios run, and --suite-only runs none.');
  const names = req.suiteOnly ? [] : req.scenarios.length ? [...new Set(req.scenarios)] : listScenarioNames(req.scenariosDir);
  if (!names.length && !req.suiteOnly) throw new UsageError(`No scenarios in ${req.scenariosDir ?? 'scenarios/'}.`);
  const scenarios = await Promise.all(names.map((n) => loadScenario(n, req.scenariosDir)));
  const params = resolveParams(scenarios, req.params);
  const outDir = req.outDir ?? join(resultsDir, runId);
  checkOutDir(outDir);
  const all = matchScenarios(seriesList, scenarios);
  if (!req.shard) return { baseSpec, outDir, scenarios, params, series: all, suites, ...rep };
  const recorded = req.shardCosts ? loadShardCosts(req.shardCosts) : undefined;
  const { indices, source } = selectShard(all.map((p) => ({ label: p.label, patches: p.series.patches.length, scenarios: p.runnable.length })), req.shard, recorded);
  return { baseSpec, outDir, scenarios, params, series: indices.map((i) => all[i]!), suites, shard: { ...req.shard, allSeries: all.map((p) => p.label), balance: source }, ...rep };
}

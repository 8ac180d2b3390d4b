// `kph run --shard K/N`: a deterministic split of a run's work across N runners. The unit is a
// whole series with all its scenarios, so each kernel is built (and booted) on one runner only.
// Every runner computes the same split from the same inputs: the series list, and either the
// costs recorded in earlier summaries (--shard-costs) or, without them, each series' patch count.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { seriesLabel } from '../core/label.js';
import { summarySchema, type Summary } from '../core/summary.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** `K/N` with 1 <= K <= N; anything else is a usage error (exit 2), before anything is built. */
export function parseShard(spec: string): Shard {
  const m = /^([1-9]\d*)\/([1-9]\d*)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--shard ${spec}: expected K/N with whole numbers 1 <= K <= N (e.g. 1/2).`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (index > count) throw new UsageError(`--shard ${spec}: shard ${index} of ${count} does not exist (K must be between 1 and N).`);
  if (count > 1000) throw new UsageError(`--shard ${spec}: at most 1000 shards.`);
  return { index, count };
}

export interface ShardItem {
  /** The series' label: unique within a run. */
  key: string;
  cost: number;
}

/**
 * Which shard (1-based) each item goes to: longest processing time first — items by cost,
 * largest first (ties by key), each to the shard with the least cost so far (ties: the lowest
 * index). Deterministic: the same items give the same split on every runner, whatever order
 * they come in. Returns the shard of each item, in the items' order.
 */
export function assignShards(items: ShardItem[], count: number): number[] {
  const order = items.map((it, i) => ({ ...it, i })).sort((a, b) => b.cost - a.cost || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const load = new Array<number>(count).fill(0);
  const out = new Array<number>(items.length);
  for (const it of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s]! < load[best]!) best = s;
    load[best]! += it.cost;
    out[it.i] = best + 1;
  }
  return out;
}

/**
 * What a series cost in a recorded run, in ms: its kernel build plus the boots and scenarios
 * of its rows. Summaries later in the list win (give them oldest first).
 */
export function costsFromSummaries(summaries: Summary[]): Map<string, number> {
  const costs = new Map<string, number>();
  for (const s of summaries) {
    const per = new Map<string, number>();
    for (const e of s.series) per.set(e.label, e.kernel?.buildMs ?? 0);
    for (const r of s.runs) {
      const label = seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig });
      if (!per.has(label)) per.set(label, 0);
      per.set(label, per.get(label)! + r.durationsMs.boot + r.durationsMs.scenario);
    }
    for (const [label, ms] of per) if (ms > 0) costs.set(label, ms);
  }
  return costs;
}

function readSummaryFile(file: string): Summary | null {
  try {
    const parsed = summarySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * --shard-costs FILE|DIR: a summary.json, a results folder, or a folder of results folders
 * (results/): every summary.json found, oldest run first, so the newest figure of a series wins.
 */
export function loadShardCosts(path: string): Map<string, number> {
  if (!existsSync(path)) throw new UsageError(`--shard-costs ${path} does not exist.`);
  const files: string[] = [];
  if (statSync(path).isFile()) files.push(path);
  else if (existsSync(join(path, 'summary.json'))) files.push(join(path, 'summary.json'));
  else for (const d of readdirSync(path).sort()) if (existsSync(join(path, d, 'summary.json'))) files.push(join(path, d, 'summary.json'));
  const summaries = files.map(readSummaryFile).filter((s): s is Summary => s !== null);
  if (!summaries.length) throw new UsageError(`--shard-costs ${path}: no summary.json this kph reads there.`, { hint: 'Give a summary.json, a results folder, or a folder of results folders.' });
  summaries.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  return costsFromSummaries(summaries);
}

export interface ShardInput {
  label: string;
  patches: number;
  /** Scenarios the series runs (not skipped by capability). */
  scenarios: number;
}

/**
 * The cost of each series for the split: the recorded ones when every series has one (mixing
 * recorded milliseconds with estimates would weigh nothing), else an estimate in work units —
 * one build per series plus one per patch, and one per scenario it runs.
 */
export function shardCosts(series: ShardInput[], recorded?: Map<string, number>): { costs: number[]; source: 'recorded' | 'patches' } {
  if (recorded && series.length && series.every((s) => recorded.has(s.label))) return { costs: series.map((s) => recorded.get(s.label)!), source: 'recorded' };
  return { costs: series.map((s) => 1 + s.patches + s.scenarios), source: 'patches' };
}

/** The indices (into `series`, in their order) of the series shard `shard` runs. */
export function selectShard(series: ShardInput[], shard: Shard, recorded?: Map<string, number>): { indices: number[]; source: 'recorded' | 'patches' } {
  const { costs, source } = shardCosts(series, recorded);
  const assigned = assignShards(series.map((s, i) => ({ key: s.label, cost: costs[i]! })), shard.count);
  return { indices: assigned.flatMap((k, i) => (k === shard.index ? [i] : [])), source };
}

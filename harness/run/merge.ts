// `kph merge DIR... --out DIR`: the results folders of the shards of one run (kph run --shard
// K/N on several runners) made into one results folder, as if one run had done it all: one
// summary.json, the series' folders (so format signatures, records.jsonl and logs travel), the
// report set, --compare across shards, and the exit code of the whole. Shards that cannot be one
// run — other bases, other kph versions, a series in two folders — are refused with the reason.
import { reconcileWithBaseline } from '../suite/judge.js';
import { reconcileLeaks } from '../judge/leaks.js';
import { suiteOfRow } from '../suite/suite.js';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../core/errors.js';
import { seriesLabel } from '../core/label.js';
import type { RunResult, SeriesEntry, Summary } from '../core/types.js';
import { exitCodeFor } from '../judge/verdict.js';
import { coverageGate } from '../coverage/report.js';
import { checkOutDir } from '../plan/plan.js';
import type { FormatDiff } from '../report/html.js';
import { multiplexReporters, writeSummaryFile, type Reporter } from '../report/reporter.js';
import { readSummary } from './rejudge.js';

export interface MergeInput {
  /** The results folder (as the user named it: used in messages). */
  dir: string;
  summary: Summary;
}

export interface Merged {
  summary: Summary;
  /** Series of the whole run (from the shards' allSeries) that no folder holds. */
  missingSeries: string[];
  /** Shard indices (1-based) that no folder holds, when the folders are shards. */
  missingShards: number[];
  /** The folder each series comes from. */
  sources: Map<string, { dir: string; entry: SeriesEntry }>;
}

const rowLabel = (r: RunResult) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig });
const name = (i: MergeInput) => (i.summary.shard ? `${i.dir} (shard ${i.summary.shard.index}/${i.summary.shard.count})` : i.dir);

/** Refuse folders that cannot be parts of one run; the reason names the folders. */
export function checkMergeable(inputs: MergeInput[]): void {
  if (!inputs.length) throw new UsageError('kph merge needs at least one results folder.');
  const first = inputs[0]!;
  for (const i of inputs.slice(1)) {
    if (i.summary.kph.version !== first.summary.kph.version) throw new UsageError(`Cannot merge runs of different kph versions: ${name(first)} ran kph ${first.summary.kph.version}, ${name(i)} ran kph ${i.summary.kph.version}.`);
    if (i.summary.base.spec !== first.summary.base.spec) throw new UsageError(`Cannot merge runs on different bases: ${name(first)} ran on ${first.summary.base.spec}, ${name(i)} on ${i.summary.base.spec}.`);
    const [a, b] = [first.summary.base.version, i.summary.base.version];
    // '?' is a base that was never prepared (the shard's rows say why): it conflicts with nothing.
    if (a !== '?' && b !== '?' && a !== b) throw new UsageError(`Cannot merge runs on different bases: ${name(first)} ran on Linux ${a}, ${name(i)} on Linux ${b} (both ${first.summary.base.spec}).`);
  }
  const sharded = inputs.filter((i) => i.summary.shard);
  if (sharded.length && sharded.length !== inputs.length) throw new UsageError(`Cannot merge shards with whole runs: ${inputs.filter((i) => !i.summary.shard).map((i) => i.dir).join(', ')} ${inputs.length - sharded.length === 1 ? 'is not a shard' : 'are not shards'}, ${sharded.map(name).join(', ')} ${sharded.length === 1 ? 'is' : 'are'}.`);
  for (const i of sharded.slice(1)) {
    const [a, b] = [sharded[0]!.summary.shard!, i.summary.shard!];
    if (a.count !== b.count) throw new UsageError(`Cannot merge shards of different splits: ${name(sharded[0]!)} and ${name(i)}.`);
    if (a.allSeries.join('\n') !== b.allSeries.join('\n')) throw new UsageError(`Cannot merge shards of different runs: ${name(sharded[0]!)} splits ${a.allSeries.join(', ')}; ${name(i)} splits ${b.allSeries.join(', ')}.`);
  }
  const byIndex = new Map<number, MergeInput>();
  for (const i of sharded) {
    const other = byIndex.get(i.summary.shard!.index);
    if (other) throw new UsageError(`Shard ${i.summary.shard!.index}/${i.summary.shard!.count} is given twice: ${other.dir} and ${i.dir}.`);
    byIndex.set(i.summary.shard!.index, i);
  }
  const seen = new Map<string, MergeInput>();
  const dirs = new Map<string, MergeInput>();
  for (const i of inputs) {
    const labels = new Set([...i.summary.series.map((s) => s.label), ...i.summary.runs.map(rowLabel)]);
    for (const l of labels) {
      const other = seen.get(l);
      if (other) throw new UsageError(`Series ${l} is in two of the folders (${other.dir} and ${i.dir}): the merged run would hold it twice.`, { hint: 'Merge the shards of one split (kph run --shard K/N with one N), each once.' });
      seen.set(l, i);
    }
    for (const s of i.summary.series) {
      const other = dirs.get(s.dir);
      if (other) throw new UsageError(`Folder ${s.dir} is in both ${other.dir} and ${i.dir} (for different series): they cannot share one results folder.`);
      dirs.set(s.dir, i);
    }
  }
}

const min = (xs: string[]) => xs.reduce((a, b) => (b < a ? b : a));
const max = (xs: string[]) => xs.reduce((a, b) => (b > a ? b : a));

/** The summary of the whole run, from the shards' summaries. Pure. */
export function mergeSummaries(inputs: MergeInput[]): Merged {
  checkMergeable(inputs);
  const first = inputs[0]!.summary;
  const sources = new Map<string, { dir: string; entry: SeriesEntry }>();
  for (const i of inputs) for (const e of i.summary.series) sources.set(e.label, { dir: i.dir, entry: e });
  // The order of the whole run (what --compare pairs and the reports follow); else the folders' order.
  const allSeries = first.shard?.allSeries;
  const present = [...new Set(inputs.flatMap((i) => [...i.summary.series.map((s) => s.label), ...i.summary.runs.map(rowLabel)]))];
  const order = allSeries ? [...allSeries.filter((l) => present.includes(l)), ...present.filter((l) => !allSeries.includes(l))] : present;
  const rank = (l: string) => order.indexOf(l);
  const series = inputs.flatMap((i) => i.summary.series).sort((a, b) => rank(a.label) - rank(b.label));
  const runs = inputs.flatMap((i) => i.summary.runs).map((r, k) => ({ r, k })).sort((a, b) => rank(rowLabel(a.r)) - rank(rowLabel(b.r)) || a.k - b.k).map((x) => x.r);
  // Peer suites: a series' failing test whose baseline ran in another shard is judged against it now.
  for (const { index, row } of reconcileWithBaseline(runs)) runs[index] = row;
  // kmemleak: a series' suspected leak whose baseline (same profiles) ran in another shard.
  for (const { index, row } of reconcileLeaks(runs)) runs[index] = row;
  const missingSeries = allSeries ? allSeries.filter((l) => !present.includes(l)) : [];
  const count = first.shard?.count ?? 0;
  const have = new Set(inputs.map((i) => i.summary.shard?.index));
  const missingShards = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !have.has(k));
  const accels = [...new Set(inputs.map((i) => i.summary.accel))];
  const finished = inputs.map((i) => i.summary.finishedAt).filter((f): f is string => !!f);
  const version = inputs.map((i) => i.summary.base.version).find((v) => v !== '?') ?? '?';
  const summary: Summary = {
    schemaVersion: first.schemaVersion,
    kph: first.kph,
    base: { spec: first.base.spec, version },
    // One accelerator for the whole: the slower one when the runners differed (the reason says so).
    accel: accels.includes('tcg') ? 'tcg' : 'kvm',
    ...(accels.length > 1
      ? { accelReason: `runners differed: ${inputs.map((i) => `${name(i)}: ${i.summary.accel}${i.summary.accelReason ? ` (${i.summary.accelReason})` : ''}`).join('; ')}` }
      : first.accelReason !== undefined
        ? { accelReason: first.accelReason }
        : {}),
    startedAt: min(inputs.map((i) => i.summary.startedAt)),
    ...(finished.length === inputs.length ? { finishedAt: max(finished) } : {}),
    complete: inputs.every((i) => i.summary.complete) && !missingSeries.length && !missingShards.length,
    ...(inputs.some((i) => i.summary.interrupted) ? { interrupted: true } : {}),
    series,
    runs,
  };
  // --min-coverage: judged again over the whole (each shard judged its own series).
  const minCoverage = inputs.find((i) => i.summary.coverageGate)?.summary.coverageGate?.minPercent;
  if (minCoverage !== undefined) summary.coverageGate = coverageGate(series, minCoverage);
  return { summary, missingSeries, missingShards, sources };
}

/** The exit code of the whole: as one run would have exited; work no folder holds is an infrastructure failure (3) unless a series failed. */
export function mergedExitCode(m: Merged): number {
  if (m.summary.interrupted) return 130;
  const code = exitCodeFor(m.summary.runs.map((r) => r.verdict));
  if (code === 1 || m.summary.coverageGate?.passed === false) return 1;
  if (m.missingSeries.length || m.missingShards.length) return 3;
  return code;
}

export interface MergeOptions {
  outDir: string;
  reporters: Reporter[];
  /** Format diffs across shards (consecutive revisions and against baseline), as `kph run --compare`. */
  compare?: (outDir: string, labels: string[], summary: Summary) => FormatDiff[];
  /** Symlink the series' folders instead of copying them. */
  link?: boolean;
  onReporterError?: (reporter: string, phase: string, error: unknown) => void;
}

export interface MergeOutcome extends Merged {
  outDir: string;
  diffs: FormatDiff[];
  exitCode: number;
}

/** Read the folders, check them, write the merged folder and its reports. */
export function mergeRuns(dirs: string[], opts: MergeOptions): MergeOutcome {
  const outDir = resolve(opts.outDir);
  const abs = dirs.map((d) => resolve(d));
  abs.forEach((d, i) => {
    if (abs.indexOf(d) !== i) throw new UsageError(`${dirs[i]} is given twice.`);
    if (outDir === d || outDir.startsWith(d + sep)) throw new UsageError(`--out ${opts.outDir} is inside ${dirs[i]}: the merged run needs its own folder.`);
  });
  const inputs = abs.map((d, i) => ({ dir: dirs[i]!, abs: d, summary: readSummary(d) }));
  const merged = mergeSummaries(inputs);
  checkOutDir(outDir);
  mkdirSync(outDir, { recursive: true });
  for (const i of inputs) {
    // The series' folders travel whole: verdicts, checks, logs, records.jsonl for the signatures.
    const tops = new Set([...i.summary.series.map((s) => s.dir), ...i.summary.runs.map((r) => r.dir.split('/')[0]!)]);
    for (const top of tops) {
      const from = join(i.abs, top);
      if (!existsSync(from)) continue;
      if (opts.link) symlinkSync(relative(outDir, from), join(outDir, top));
      else cpSync(from, join(outDir, top), { recursive: true });
    }
  }
  // Rows the merge judged again against a baseline from another shard (copies only: --link must not write into the shards).
  if (!opts.link) {
    for (const r of merged.summary.runs) {
      const f = join(outDir, r.dir, 'verdict.json');
      if (existsSync(f) && readFileSync(f, 'utf8') !== JSON.stringify(r, null, 2) + '\n' && (suiteOfRow(r.scenario) || r.leaks)) writeFileSync(f, JSON.stringify(r, null, 2) + '\n');
    }
  }
  // summary.json first: --compare reads the signatures from the merged folder through it.
  writeSummaryFile(outDir, merged.summary);
  const order = merged.summary.series.map((s) => s.label);
  for (const l of merged.summary.runs.map(rowLabel)) if (!order.includes(l)) order.push(l);
  const diffs = opts.compare ? opts.compare(outDir, order, merged.summary) : [];
  const out = multiplexReporters(opts.reporters, opts.onReporterError ?? (() => {}));
  out.onRunStart(merged.summary);
  out.onRunEnd(merged.summary, { diffs });
  return { ...merged, outDir, diffs, exitCode: mergedExitCode(merged) };
}

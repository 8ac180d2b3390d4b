// The series' coverage: the lines its patches add (coverage/diff.ts) against the lines gcov
// counted (coverage/lcov.ts), per series and per patch, and the --min-coverage gate. Pure.
//
// A line counts when it is added by a patch, still in the final tree, and instrumented by gcov
// (a DA line in lcov's tracefile): declarations, braces, comments and lines the compiler merged
// into another are not executable and are not counted. The lines a patch adds to a header count
// where a profiled object includes the header and gcov instruments them (an inline function the
// series' C files use); a header no profiled object instruments is listed as unmeasured, not
// counted. Added lines of C files with no counters at all (an object this configuration does not
// build) are unmeasured too.
import type { PatchFile } from '../core/types.js';
import type { CoverageLine, SeriesCoverage } from '../core/summary.js';
import { addedLines, type Attribution } from './diff.js';
import type { LcovFile } from './lcov.js';

const CODE = /\.(c|h)$/;

export interface CoverageInputs {
  patches: readonly PatchFile[];
  attribution: Attribution;
  /** Merged counters, by tree-relative file. */
  data: Map<string, LcovFile>;
  objects?: string[];
  /** C files the coverage kernel did not profile, and why (coverage/objects.ts). */
  notProfiled?: { file: string; why: string }[];
  /** Which scenarios ran each line ("file:line" → names; lcov.ts: scenariosByLine), when the boots were read after each. */
  reachedBy?: Map<string, string[]>;
  /** The scenarios whose counters were read, in the order they ran (those that ran no added line included). */
  scenarioOrder?: string[];
}

const key = (o: { patch: number; file: number; hunk: number; index: number }) => `${o.patch}:${o.file}:${o.hunk}:${o.index}`;

export function seriesCoverage(i: CoverageInputs): SeriesCoverage {
  const name = (k: number) => i.patches[k]?.name ?? `patch ${k + 1}`;
  const perPatch = i.patches.map((p) => ({ patch: p.name, addedLines: 0, executedLines: 0 }));
  const unexecuted: CoverageLine[] = [];
  const status = new Map<string, { line: number; ran?: boolean; scenarios?: string[] }>();
  const perScenario = new Map<string, number>();
  const unmeasured = new Map<string, number>();
  let added = 0;
  let executed = 0;
  for (const a of addedLines(i.attribution)) {
    if (!CODE.test(a.file)) continue;
    const rec = i.data.get(a.file);
    const count = rec?.lines.get(a.line);
    const by = count ? i.reachedBy?.get(`${a.file}:${a.line}`) : undefined;
    status.set(key(a.origin), { line: a.line, ...(count !== undefined ? { ran: count > 0 } : {}), ...(by?.length ? { scenarios: by } : {}) });
    if (!rec) {
      if (a.text.trim()) unmeasured.set(a.file, (unmeasured.get(a.file) ?? 0) + 1);
      continue;
    }
    if (count === undefined) continue;
    added++;
    perPatch[a.origin.patch]!.addedLines++;
    if (count > 0) {
      executed++;
      perPatch[a.origin.patch]!.executedLines++;
      for (const sc of by ?? []) perScenario.set(sc, (perScenario.get(sc) ?? 0) + 1);
    } else unexecuted.push({ file: a.file, line: a.line, text: a.text, patch: name(a.origin.patch) });
  }

  const why = (file: string) => {
    const skipped = i.notProfiled?.find((x) => x.file === file);
    if (skipped) return `not profiled: ${skipped.why}`;
    return file.endsWith('.h')
      ? 'a header no profiled object instruments (its lines count where a profiled C file includes and uses them)'
      : 'no counters for it: its object is not built in this configuration, or was not profiled';
  };
  const notMeasured: NonNullable<SeriesCoverage['unmeasured']> = [...unmeasured].map(([file, lines]) => ({ file, lines, why: why(file) }));
  for (const u of i.attribution.unmapped) {
    if (!CODE.test(u.file)) continue;
    const lines = i.attribution.diffs.flat().filter((d) => d.newPath === u.file).reduce((n, d) => n + d.hunks.reduce((m, h) => m + h.lines.filter((l) => l.kind === '+').length, 0), 0);
    notMeasured.push({ file: u.file, lines, why: `its added lines could not be placed in the final tree: ${u.why}` });
  }
  notMeasured.sort((a, b) => a.file.localeCompare(b.file));

  const hunks: NonNullable<SeriesCoverage['hunks']> = [];
  i.attribution.diffs.forEach((files, k) =>
    files.forEach((fd, f) =>
      fd.hunks.forEach((h, hi) => {
        const lines = h.lines.map((l, index) => {
          const s = l.kind === '+' ? status.get(key({ patch: k, file: f, hunk: hi, index })) : undefined;
          return { kind: l.kind, text: l.text, ...(s ? { line: s.line } : {}), ...(s?.ran !== undefined ? { ran: s.ran } : {}), ...(s?.scenarios ? { scenarios: s.scenarios } : {}) };
        });
        if (lines.some((l) => l.ran === false)) hunks.push({ patch: name(k), file: fd.newPath ?? fd.oldPath ?? '?', header: h.header, lines });
      }),
    ),
  );

  return {
    addedLines: added,
    executedLines: executed,
    unexecuted,
    patches: perPatch,
    ...(i.reachedBy ? { scenarios: [...new Set([...(i.scenarioOrder ?? []), ...perScenario.keys()])].map((scenario) => ({ scenario, executedLines: perScenario.get(scenario) ?? 0 })) } : {}),
    ...(hunks.length ? { hunks } : {}),
    ...(notMeasured.length ? { unmeasured: notMeasured } : {}),
    ...(i.objects ? { objects: i.objects } : {}),
  };
}

/** The share of the added lines that ran, in percent (100 when the series adds none gcov counts). */
export function coveragePercent(c: Pick<SeriesCoverage, 'addedLines' | 'executedLines'>): number {
  return c.addedLines ? (c.executedLines / c.addedLines) * 100 : 100;
}

/** 50 → "50%", 57.14 → "57.1%" */
export const formatPercent = (pct: number): string => `${Number.isInteger(Math.round(pct * 10) / 10) ? Math.round(pct) : pct.toFixed(1)}%`;

/** "57.1% (8 of 14 added lines ran)" */
export function coverageHeadline(c: Pick<SeriesCoverage, 'addedLines' | 'executedLines' | 'error'>): string {
  if (c.error) return `not measured: ${c.error}`;
  if (!c.addedLines) return 'no added line gcov instruments';
  return `${formatPercent(coveragePercent(c))} (${c.executedLines} of ${c.addedLines} added lines ran)`;
}

/**
 * --min-coverage PCT over the run's coverage kernels: each one below PCT (or not measured) is
 * named. Series without coverage (baseline: nothing to measure) are not judged.
 */
export function coverageGate(series: { label: string; coverage?: SeriesCoverage }[], minPercent: number): { minPercent: number; passed: boolean; below: { series: string; percent: number; addedLines: number; executedLines: number; why?: string }[] } {
  const below = series
    .filter((s) => s.coverage && (s.coverage.error || coveragePercent(s.coverage) < minPercent))
    .map((s) => ({
      series: s.label,
      percent: Math.round(coveragePercent(s.coverage!) * 10) / 10,
      addedLines: s.coverage!.addedLines,
      executedLines: s.coverage!.executedLines,
      ...(s.coverage!.error ? { why: `not measured: ${s.coverage!.error}` } : {}),
    }));
  return { minPercent, passed: below.length === 0, below };
}

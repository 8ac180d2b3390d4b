// Rows grouped by kernel bug (their splat signature, parse/splat-signature.ts), and what a row's
// repeats came to (--repeat N): the pieces every report shows the same way. Pure.
import { seriesLabel } from '../core/label.js';
import type { RunResult, Summary, Verdict } from '../core/types.js';

export interface BugGroup {
  signature: string;
  /** The verdict most of its rows have (crash, timeout, flaky, ...). */
  verdict: Verdict;
  rows: RunResult[];
  scenarios: string[];
  series: string[];
}

const label = (r: Pick<RunResult, 'series' | 'revision' | 'kconfig'>) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig });

/** Rows with a signature, one group per signature, in the order they first appear. */
export function bugGroups(summary: Pick<Summary, 'runs'>): BugGroup[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of summary.runs) if (r.signature) groups.set(r.signature, [...(groups.get(r.signature) ?? []), r]);
  return [...groups].map(([signature, rows]) => {
    const counts = new Map<Verdict, number>();
    for (const r of rows) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
    const verdict = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    return { signature, verdict, rows, scenarios: [...new Set(rows.map((r) => r.scenario))], series: [...new Set(rows.map(label))] };
  });
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "1 crash, in 2 scenarios" (and "on 3 series" when more than one). */
export function bugHeadline(g: BugGroup): string {
  return `1 ${g.verdict}, in ${plural(g.scenarios.length, 'scenario')}${g.series.length > 1 ? ` on ${g.series.length} series` : ''}`;
}

/** Where a group's rows are: `series · scenario`, each once. */
export function bugWhere(g: BugGroup): string[] {
  return g.rows.map((r) => `${label(r)} · ${r.scenario}`);
}

/** "2 of 3 repeats passed (pass, crash, pass), 3 repeats took 41.0 s" — or null for a row run once. */
export function repeatsLine(r: Pick<RunResult, 'repeats' | 'durationsMs'>): string | null {
  const x = r.repeats;
  if (!x) return null;
  const total = x.scenarioMs.reduce((t, ms) => t + ms, 0);
  return `${x.passed} of ${x.count} repeats passed (${x.verdicts.join(', ')}); ${x.count} repeats took ${(total / 1000).toFixed(1)} s of scenario time${r.durationsMs.boot ? ` and ${(r.durationsMs.boot / 1000).toFixed(1)} s of boots` : ''}${x.firstFailure ? `; evidence from repeat ${x.firstFailure}` : ''}`;
}

/** A row's folder with its evidence: the first failing repeat's own folder when it was repeated. */
export function evidenceDir(r: Pick<RunResult, 'dir' | 'repeats'>): string {
  return r.repeats?.firstFailure ? `${r.dir}/repeat-${r.repeats.firstFailure}` : r.dir;
}

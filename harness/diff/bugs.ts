// `kph diff` between two runs: which kernel bugs (splat signatures, parse/splat-signature.ts)
// are new in the second and which are gone. A row carries its signature in summary.json; a run
// from before signatures existed gets it from the row's console.log, judged the same way.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { seriesLabel } from '../core/label.js';
import type { RunResult, Summary, Verdict } from '../core/types.js';
import { findSplats } from '../parse/console.js';
import { splatSignature } from '../parse/splat-signature.js';

export interface BugEntry {
  signature: string;
  /** The verdict most of its rows have. */
  verdict: Verdict;
  scenarios: string[];
}

export interface BugDiff {
  from: string;
  to: string;
  added: BugEntry[];
  gone: BugEntry[];
  kept: BugEntry[];
}

/** A row's signature: the one it carries, else its console's first splat (runs before signatures). */
export function rowSignature(runDir: string, r: RunResult): string | undefined {
  if (r.signature) return r.signature;
  if (r.verdict !== 'crash' && r.verdict !== 'timeout' && r.verdict !== 'flaky') return undefined;
  const f = join(runDir, r.dir, 'console.log');
  if (!existsSync(f)) return undefined;
  const splat = findSplats(readFileSync(f, 'utf8').split('\n'))[0];
  return splat ? splatSignature(splat) : undefined;
}

/** The bugs of one series in a run, by signature, in the order the rows ran. */
export function bugsOfRun(runDir: string, summary: Pick<Summary, 'runs'>, series: string): BugEntry[] {
  const by = new Map<string, RunResult[]>();
  for (const r of summary.runs) {
    if (seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig }) !== series) continue;
    const s = rowSignature(runDir, r);
    if (s) by.set(s, [...(by.get(s) ?? []), r]);
  }
  return [...by].map(([signature, rows]) => {
    const counts = new Map<Verdict, number>();
    for (const r of rows) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
    return { signature, verdict: [...counts].sort((a, b) => b[1] - a[1])[0]![0], scenarios: [...new Set(rows.map((r) => r.scenario))] };
  });
}

export function compareBugs(from: string, a: BugEntry[], to: string, b: BugEntry[]): BugDiff {
  const inA = new Set(a.map((x) => x.signature));
  const inB = new Set(b.map((x) => x.signature));
  return { from, to, added: b.filter((x) => !inA.has(x.signature)), gone: a.filter((x) => !inB.has(x.signature)), kept: b.filter((x) => inA.has(x.signature)) };
}

/** Both sides' bugs when both are results folders (a baseline file holds formats only), else null. */
export function diffRunBugs(a: { path: string; series: string }, b: { path: string; series: string }): BugDiff | null {
  const isRun = (p: string) => existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, 'summary.json'));
  if (!isRun(a.path) || !isRun(b.path)) return null;
  const read = (p: string) => JSON.parse(readFileSync(join(p, 'summary.json'), 'utf8')) as Summary;
  return compareBugs(a.series, bugsOfRun(a.path, read(a.path), a.series), b.series, bugsOfRun(b.path, read(b.path), b.series));
}

const entry = (x: BugEntry) => `${x.signature} (${x.verdict} in ${x.scenarios.join(', ')})`;

export function bugHeadline(d: BugDiff): string {
  if (!d.added.length && !d.gone.length) return d.kept.length ? `the same ${d.kept.length === 1 ? 'bug' : `${d.kept.length} bugs`} in both` : 'none in either';
  return [d.added.length ? `${d.added.length} new` : '', d.gone.length ? `${d.gone.length} gone` : '', d.kept.length ? `${d.kept.length} in both` : ''].filter(Boolean).join(', ');
}

export function renderBugDiffText(d: BugDiff): string {
  const out = [`Kernel bugs ${d.from} → ${d.to}: ${bugHeadline(d)}`];
  for (const x of d.added) out.push(`  new:  ${entry(x)}`);
  for (const x of d.gone) out.push(`  gone: ${entry(x)}`);
  for (const x of d.kept) out.push(`  both: ${entry(x)}`);
  return out.join('\n') + '\n';
}

export function renderBugDiffMarkdown(d: BugDiff): string {
  const out = ['', `### Kernel bugs: ${bugHeadline(d)}`, ''];
  const rows = [...d.added.map((x) => ['new', x] as const), ...d.gone.map((x) => ['gone', x] as const), ...d.kept.map((x) => ['both', x] as const)];
  if (rows.length) out.push('| | signature | verdict | scenarios |', '|---|---|---|---|', ...rows.map(([k, x]) => `| ${k} | \`${x.signature}\` | ${x.verdict} | ${x.scenarios.join(', ')} |`));
  return out.join('\n') + '\n';
}

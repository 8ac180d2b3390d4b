// The `leak` verdict of a kmemleak kernel (`--kconfig kmemleak`). Pure.
//
// After each scenario the guest asks kmemleak for a scan, waits past its minimum object age and
// scans again (guest/guest.ts: kmemleakScanScript); what it then reports is the scenario's
// suspected leaks (parse/kmemleak.ts), grouped by signature on the row (`leaks`). kmemleak also
// reports objects that are no leak (a pointer kept where it does not scan) and the base kernel
// has leaks of its own; neither is the series' fault. So, as the peer suites' known failures
// (suite/judge.ts: reconcileWithBaseline), the run compares with the baseline kernel under the
// same profiles: a signature that baseline's rows show too is known (a note), one they do not
// show is the series' leak: verdict `leak` (exit 1, a FAIL: never a pass), E_LEAK with the
// object's size, its count and its backtrace. Baseline's own leaks are known by definition:
// reported in notes, never its fault. Without a baseline under the same profiles in the run a
// suspected leak stays `leak`, said so in a note.
//
// Only a row whose scenario passed otherwise becomes `leak` (a crash, a timeout or a failed
// check is the worse finding and keeps its verdict; its leaks are in `leaks` and a note).
import { isDeepStrictEqual } from 'node:util';
import type { Failure, RunResult, Verdict } from '../core/types.js';
import { leakExcerpt, type LeakGroup } from '../parse/kmemleak.js';

export type RowLeak = NonNullable<RunResult['leaks']>[number];

/** Every note this module writes starts so: they are taken away and written again when the baseline is known. */
export const LEAK_NOTE = 'kmemleak: ';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const what = (l: Pick<LeakGroup, 'count' | 'size' | 'comm'>) => `${plural(l.count, 'object')} of ${l.size} bytes allocated by "${l.comm}"`;

/**
 * The E_LEAK failure of one signature the series' kernel leaked. `against`: the label of the
 * baseline that does not show it; null: the run has none; undefined: not compared yet.
 */
export function leakFailure(l: RowLeak, against: string | null | undefined): Failure {
  const why = against ? `; ${against} does not show it` : against === null ? '; no baseline under the same profile in this run to compare with' : '; not compared with baseline yet (the run compares when it ends)';
  // Where first: the end screen cuts a failure's line.
  return { code: 'E_LEAK', message: `kmemleak: suspected leak in ${l.signature.replace(/^kmemleak: /, '')}: ${what(l)}${why}`, excerpt: leakExcerpt(l) };
}

export interface LeakInput {
  verdict: Verdict;
  failures: Failure[];
  notes: string[];
  signature?: string;
  leaks: RowLeak[];
  /** The row is the baseline kernel's: its leaks are the known ones. */
  isBaseline: boolean;
  /**
   * What baseline under the same profiles showed: its leaks' signatures and its label; null when
   * the run has no such baseline; undefined when not compared yet (the judge, before the run ends).
   */
  baseline?: { label: string; signatures: Set<string> } | null;
}

export interface LeakOutcome {
  verdict: Verdict;
  failures: Failure[];
  notes: string[];
  signature?: string;
  leaks: RowLeak[];
}

/**
 * The row's verdict, failures, notes and signature given its leaks. Idempotent: the E_LEAK
 * failures and `kmemleak: ` notes of an earlier call are replaced, and a `leak` row is a pass
 * underneath.
 */
export function applyLeaks(i: LeakInput): LeakOutcome {
  const failures = i.failures.filter((f) => f.code !== 'E_LEAK');
  const notes = i.notes.filter((n) => !n.startsWith(LEAK_NOTE));
  // A namespace that never died (judge/ns-deaths.ts) is a leak of its own: the row stays `leak`.
  const underlying: Verdict = i.verdict === 'leak' && !i.failures.some((f) => f.code === 'E_NS_LEAK') ? 'pass' : i.verdict;
  // The signature a leak gave the row goes; a splat's (a crash) stays.
  const wasLeakSig = i.signature !== undefined && i.leaks.some((l) => l.signature === i.signature);
  let signature = wasLeakSig ? undefined : i.signature;
  if (i.isBaseline) {
    const leaks: RowLeak[] = i.leaks.map(({ known: _k, ...l }) => l);
    if (leaks.length) notes.push(`${LEAK_NOTE}${plural(leaks.length, 'suspected leak')} on the baseline kernel itself (known: a series under the same profile showing one of them is not blamed): ${leaks.map((l) => `${l.signature} (${what(l)})`).join('; ')}`);
    return { verdict: underlying, failures, notes, ...(signature ? { signature } : {}), leaks };
  }
  const b = i.baseline;
  const leaks: RowLeak[] = i.leaks.map(({ known: _k, ...l }) => (b ? { ...l, known: b.signatures.has(l.signature) } : l));
  const fresh = leaks.filter((l) => !l.known);
  const known = leaks.filter((l) => l.known);
  if (known.length) notes.push(`${LEAK_NOTE}${plural(known.length, 'suspected leak')} that ${b!.label} shows too (known, not this series'): ${known.map((l) => `${l.signature} (${what(l)})`).join('; ')}`);
  if (fresh.length && b === null) notes.push(`${LEAK_NOTE}no baseline under the same profile in this run: a leak of the series cannot be told from one of the base kernel (run -s baseline with the same --kconfig)`);
  if (underlying !== 'pass') {
    if (fresh.length) notes.push(`${LEAK_NOTE}also reported ${plural(fresh.length, 'suspected leak')} (the verdict is ${underlying}): ${fresh.map((l) => `${l.signature} (${what(l)})`).join('; ')}`);
    return { verdict: underlying, failures, notes, ...(signature ? { signature } : {}), leaks };
  }
  if (!fresh.length) return { verdict: 'pass', failures, notes, ...(signature ? { signature } : {}), leaks };
  signature = fresh[0]!.signature;
  return { verdict: 'leak', failures: [...fresh.map((l) => leakFailure(l, b === undefined ? undefined : b === null ? null : b.label)), ...failures], notes, signature, leaks };
}

/** A debug kernel's profiles as one key: rows under the same profiles compare with each other. */
const profileKey = (r: Pick<RunResult, 'kconfig'>) => JSON.stringify(r.kconfig ?? []);

/** Baseline's leak signatures by profiles, from its rows that kmemleak scanned (`leaks` present, maybe empty). */
function baselineLeakIndex(runs: Pick<RunResult, 'series' | 'kconfig' | 'leaks'>[]): Map<string, { label: string; signatures: Set<string> }> {
  const base = new Map<string, { label: string; signatures: Set<string> }>();
  for (const r of runs) {
    if (r.series !== 'baseline' || !r.leaks) continue;
    const k = profileKey(r);
    const e = base.get(k) ?? { label: `baseline${(r.kconfig ?? []).map((p) => `+${p}`).join('')}`, signatures: new Set<string>() };
    for (const l of r.leaks) e.signatures.add(l.signature);
    base.set(k, e);
  }
  return base;
}

/**
 * What baseline under these profiles has shown so far in the run (for the judge of a later row),
 * or undefined when no row of it was scanned yet (the run's end compares again: reconcileLeaks).
 */
export function baselineLeaksSoFar(runs: Pick<RunResult, 'series' | 'kconfig' | 'leaks'>[], kconfig: string[] | undefined): LeakInput['baseline'] {
  return baselineLeakIndex(runs).get(profileKey({ kconfig })) ?? undefined;
}

/**
 * Each non-baseline row with leaks against baseline's rows under the same profiles in this run
 * (their leaks' signatures, whatever the scenario: a background leak may land in any). Returns
 * the rows that change (new objects). Pure.
 */
export function reconcileLeaks(runs: RunResult[]): { index: number; row: RunResult }[] {
  const base = baselineLeakIndex(runs);
  const out: { index: number; row: RunResult }[] = [];
  runs.forEach((r, index) => {
    if (r.series === 'baseline' || !r.leaks) return;
    const o = applyLeaks({ verdict: r.verdict, failures: r.failures, notes: r.notes ?? [], signature: r.signature, leaks: r.leaks, isBaseline: false, baseline: base.get(profileKey(r)) ?? null });
    const { signature: _s, notes: _n, ...rest } = r;
    const row: RunResult = { ...rest, verdict: o.verdict, failures: o.failures, ...(o.signature ? { signature: o.signature } : {}), leaks: o.leaks, ...(o.notes.length ? { notes: o.notes } : {}) };
    if (!isDeepStrictEqual(row, r)) out.push({ index, row });
  });
  return out;
}

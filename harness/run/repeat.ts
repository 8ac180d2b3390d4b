// `kph run --repeat N`: one scenario N times on one kernel, one row. Pure.
//
// - every repeat passed → pass ("N of N passed");
// - every repeat had the same verdict → that verdict, with the first repeat's evidence;
// - the kernel's own verdicts (pass, fail, crash, timeout, boot-error) disagree → flaky (exit 1,
//   never a pass), "k of N passed", with the first failing repeat's evidence;
// - otherwise the kernel's verdicts agree and some repeats could not conclude (infra-error,
//   inconclusive): a fault the kernel showed stands (a crash is a crash); passes alone are not
//   enough for a pass, so the row takes the inconclusive verdict.
import type { Failure, RunResult, Verdict } from '../core/types.js';

/** Verdicts that say nothing about the kernel's behaviour in this scenario. */
const UNDECIDED: readonly Verdict[] = ['infra-error', 'inconclusive', 'skip'];

export interface Attempt {
  verdict: Verdict;
  failures: Failure[];
  notes: string[];
  metrics?: Record<string, number>;
  signature?: string;
  /** A kmemleak kernel's suspected leaks after this repeat (judge/leaks.ts). */
  leaks?: RunResult['leaks'];
  bootMs: number;
  scenarioMs: number;
}

export function combineVerdicts(vs: Verdict[]): Verdict {
  if (!vs.length) throw new Error('combineVerdicts: no repeats');
  if (vs.every((v) => v === vs[0])) return vs[0]!;
  const decided = vs.filter((v) => !UNDECIDED.includes(v));
  if (new Set(decided).size > 1) return 'flaky';
  if (decided.length && decided[0] !== 'pass') return decided[0]!;
  return vs.includes('infra-error') ? 'infra-error' : vs.includes('inconclusive') ? 'inconclusive' : 'skip';
}

export interface RepeatRow {
  verdict: Verdict;
  failures: Failure[];
  notes: string[];
  metrics?: Record<string, number>;
  signature?: string;
  /** The shown repeat's leaks. */
  leaks?: RunResult['leaks'];
  repeats: NonNullable<RunResult['repeats']>;
  bootMs: number;
  scenarioMs: number;
  /** The repeat (0-based) whose evidence the row shows: the first that did not pass, else the first. */
  shown: number;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The row of a scenario repeated `attempts.length` times. */
export function combineRepeats(attempts: Attempt[]): RepeatRow {
  const verdicts = attempts.map((a) => a.verdict);
  const verdict = combineVerdicts(verdicts);
  const n = attempts.length;
  const passed = verdicts.filter((v) => v === 'pass').length;
  const firstFailure = verdicts.findIndex((v) => v !== 'pass');
  // The evidence shown: the first repeat with the row's verdict (flaky: the first that failed).
  const shown = verdict === 'flaky' ? firstFailure : Math.max(0, verdicts.indexOf(verdict));
  const scenarioMs = attempts.reduce((t, a) => t + a.scenarioMs, 0);
  const bootMs = attempts.reduce((t, a) => t + a.bootMs, 0);
  const tally = `${passed} of ${n} repeats passed (${verdicts.join(', ')}); ${n} repeats took ${secs(scenarioMs)} of scenario time${bootMs ? ` and ${secs(bootMs)} of boots` : ''}`;
  const lead: Failure[] = verdict === 'flaky' ? [{ code: 'E_FLAKY', message: `${passed} of ${n} repeats passed on the same kernel: repeat ${firstFailure + 1} was the first to fail (${verdicts[firstFailure]}); its evidence follows` }] : [];
  const of = attempts[shown]!;
  const failures = verdict === 'pass' ? [] : [...lead, ...of.failures.map((f) => (n > 1 ? { ...f, message: `repeat ${shown + 1}: ${f.message}` } : f))];
  const notes = [tally, ...attempts.flatMap((a, i) => a.notes.map((x) => `repeat ${i + 1}: ${x}`))];
  const metrics = (attempts.find((a) => a.verdict === 'pass' && a.metrics) ?? of).metrics;
  const signature = of.signature ?? attempts.find((a) => a.signature)?.signature;
  return {
    verdict,
    failures,
    notes,
    ...(metrics ? { metrics } : {}),
    ...(signature ? { signature } : {}),
    ...(of.leaks ? { leaks: of.leaks } : {}),
    repeats: { count: n, passed, verdicts, scenarioMs: attempts.map((a) => a.scenarioMs), ...(firstFailure >= 0 ? { firstFailure: firstFailure + 1 } : {}) },
    bootMs,
    scenarioMs,
    shown,
  };
}

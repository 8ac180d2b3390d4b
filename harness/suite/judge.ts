// A peer suite's run → summary rows, and the comparison with baseline. Pure.
//
// One row per suite test (`audit-testsuite/exec_name`): pass when every planned check ran and
// held, skip when the test skipped itself, fail otherwise with each failing check and its
// output in the failure's excerpt. One row for the run as a whole (`audit-testsuite/runtests`):
// pass when the runner reached its summary with no kernel splat on the console, crash (a splat,
// or the guest died), timeout, or infra-error (the runner or the upload failed); a test the
// runner never reached takes that row's verdict.
//
// Against baseline (reconcileWithBaseline): a test that fails on a series and on baseline is a
// known failure, not the series' regression: its row becomes `skip` with code E_KNOWN_FAIL (and
// the series' own failing checks kept in the excerpt). Never a pass.
import { findSplats } from '../parse/console.js';
import type { Failure, RunResult, Verdict } from '../core/types.js';
import { parseHarnessOutput, tallyTest, type SuiteOutput } from './tap.js';
import { suiteOfRow, suiteRowName, suiteRunRowName } from './suite.js';

export interface SuiteRow {
  scenario: string;
  verdict: Verdict;
  failures: Failure[];
  durationMs: number;
  metrics?: Record<string, number>;
  notes?: string[];
  /** The test's section of the runner's output (written to output.txt). */
  output: string[];
}

export interface SuiteJudgeInput {
  suite: string;
  tests: string[];
  /** What the runner printed (empty when it never ran). */
  output: string;
  exitCode: number | null;
  timedOut: boolean;
  /** Why the suite could not run (boot, upload, runner script), when it could not. */
  error: { message: string; verdict: Verdict; code: Failure['code']; excerpt?: string[] } | null;
  consoleLines: string[];
  guestAlive: boolean;
  wallMs: number;
  /** kselftests: binaries that did not compile against the series (their row fails with the compiler's words). */
  buildErrors?: Record<string, string>;
}

const MAX_EXCERPT = 30;

function clip(lines: string[], max = MAX_EXCERPT): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max), `... (${lines.length - max} more lines in output.txt)`];
}

/** 1,2,3,5 → "1-3, 5". */
export function ranges(ns: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ns.length; ) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j]! + 1) j++;
    out.push(j > i ? `${ns[i]}-${ns[j]}` : `${ns[i]}`);
    i = j + 1;
  }
  return out.join(', ');
}

export function judgeSuiteRun(input: SuiteJudgeInput): { rows: SuiteRow[]; parsed: SuiteOutput } {
  const parsed = parseHarnessOutput(input.output);
  const rows: SuiteRow[] = [];
  let checksRun = 0;
  let checksPassed = 0;
  let testsPassed = 0;

  // The run as a whole.
  const splats = findSplats(input.consoleLines);
  let run: { verdict: Verdict; failures: Failure[] };
  if (input.error) run = { verdict: input.error.verdict, failures: [{ code: input.error.code, message: input.error.message, ...(input.error.excerpt?.length ? { excerpt: input.error.excerpt } : {}) }] };
  else if (splats.length) run = { verdict: 'crash', failures: splats.map((s) => ({ code: 'E_SPLAT' as const, message: `kernel ${s.kind} while the suite ran: ${s.title}`, excerpt: s.excerpt })) };
  else if (!input.guestAlive) run = { verdict: 'crash', failures: [{ code: 'E_GUEST_DIED', message: 'the guest died while the suite ran', excerpt: input.consoleLines.slice(-20) }] };
  else if (input.timedOut) run = { verdict: 'timeout', failures: [{ code: 'E_TIMEOUT', message: `the suite's runner did not finish in its time (exit ${input.exitCode})`, excerpt: input.output.trim().split('\n').slice(-10) }] };
  else if (!parsed.finished) run = { verdict: 'infra-error', failures: [{ code: 'E_INFRA', message: `the suite's runner ended without its summary (exit ${input.exitCode})`, excerpt: input.output.trim().split('\n').slice(-15) }] };
  else run = { verdict: 'pass', failures: [] };

  for (const name of input.tests) {
    const t = parsed.tests.find((x) => x.name === name);
    const scenario = suiteRowName(input.suite, name);
    if (!t) {
      const verdict: Verdict = run.verdict === 'pass' ? 'infra-error' : run.verdict;
      rows.push({ scenario, verdict, failures: [{ code: verdict === 'infra-error' ? 'E_INFRA' : run.failures[0]?.code ?? 'E_INFRA', message: `no result: the suite's runner never reported ${name} (see ${suiteRunRowName(input.suite)})` }], durationMs: 0, output: [] });
      continue;
    }
    const tally = tallyTest(t);
    checksRun += tally.run;
    checksPassed += tally.passed;
    const metrics = { checks: tally.planned ?? tally.run, passed: tally.passed, ...(tally.skipped ? { skipped: tally.skipped } : {}) };
    const durationMs = t.durationMs ?? 0;
    if (t.skipAll !== undefined) {
      rows.push({ scenario, verdict: 'skip', failures: [{ code: 'E_SKIP', message: `the test skipped itself: ${t.skipAll}` }], durationMs, metrics, output: t.lines });
      continue;
    }
    const failures: Failure[] = [];
    // A test that died says why first; the checks it never reached are one failure, not one each.
    if (t.status === 'dubious') failures.push({ code: 'E_CHECK', message: `the test exited with status ${t.exitStatus}`, excerpt: clip(t.lines.slice(-MAX_EXCERPT)) });
    for (const f of tally.failed.filter((x) => x.why === 'not ok')) {
      failures.push({ code: 'E_CHECK', message: `check ${f.n} of ${tally.planned ?? tally.run} failed`, ...(f.output.length ? { excerpt: clip([`not ok ${f.n}`, ...f.output]) } : {}) });
    }
    const never = tally.failed.filter((x) => x.why !== 'not ok').map((x) => x.n);
    if (never.length) failures.push({ code: 'E_CHECK', message: `${never.length === 1 ? `check ${never[0]}` : `checks ${ranges(never)}`} of ${tally.planned} planned but never ran` });
    if (t.status === 'none' && !failures.length) failures.push({ code: 'E_CHECK', message: 'the runner printed no verdict for this test (cut off?)', excerpt: clip(t.lines.slice(-MAX_EXCERPT)) });
    else if (t.status === 'failed' && !failures.length) failures.push({ code: 'E_CHECK', message: 'the runner says the test failed', excerpt: clip(t.lines.slice(-MAX_EXCERPT)) });
    if (!failures.length) testsPassed++;
    rows.push({ scenario, verdict: failures.length ? 'fail' : 'pass', failures, durationMs, metrics, output: t.lines });
  }
  rows.unshift({
    scenario: suiteRunRowName(input.suite),
    verdict: run.verdict,
    failures: run.failures,
    durationMs: input.wallMs,
    metrics: { tests: input.tests.length, testsPassed, checks: checksRun, checksPassed, wallSec: Math.round(input.wallMs / 100) / 10 },
    output: input.output.split('\n'),
  });
  return { rows, parsed };
}

/**
 * Known failures: a suite test failing on a series that fails on baseline too (same run) is not
 * the series' regression. Returns the rows to rewrite (new objects), each with why.
 */
export function reconcileWithBaseline(runs: RunResult[]): { index: number; row: RunResult }[] {
  const base = new Map<string, RunResult>();
  for (const r of runs) if (r.series === 'baseline' && suiteOfRow(r.scenario)) base.set(r.scenario, r);
  const out: { index: number; row: RunResult }[] = [];
  runs.forEach((r, index) => {
    const s = suiteOfRow(r.scenario);
    if (!s || r.series === 'baseline' || s.test === 'runtests' || r.verdict !== 'fail') return;
    const b = base.get(r.scenario);
    const notes = r.notes ?? [];
    if (!b) {
      if (!notes.includes(NO_BASELINE)) out.push({ index, row: { ...r, notes: [...notes, NO_BASELINE] } });
      return;
    }
    // A shard's row said it had no baseline; merged with the shard that had it, it has one.
    const kept = notes.filter((n) => n !== NO_BASELINE);
    if (b.verdict !== 'fail') {
      // Passes (or skips) on baseline: the series' regression stays a fail.
      if (kept.length !== notes.length) out.push({ index, row: { ...r, ...(kept.length ? { notes: kept } : { notes: undefined }) } });
      return;
    }
    const baseChecks = b.failures.map((f) => f.message).join('; ');
    out.push({
      index,
      row: {
        ...r,
        verdict: 'skip',
        failures: [{ code: 'E_KNOWN_FAIL', message: `known failure: fails on baseline too (${baseChecks}); not this series' regression` }, ...r.failures],
        notes: [...kept, 'known failure: the test fails on the unpatched baseline kernel as well'],
      },
    });
  });
  return out;
}

const NO_BASELINE = 'no baseline result for this test in this run: a regression cannot be told from a known failure';

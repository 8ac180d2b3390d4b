// The judge stage: what one scenario captured → its verdict. Pure: the same function judges a
// live run and a stored one (`kph judge RUN`), so a scenario author iterates on expectations
// without a boot. Order of precedence: a splat (crash) → a hang (timeout) → the guest died
// (crash; a hung-task report is a timeout) → the capture failed with the guest alive (infra-error) → the capture's health
// (lost records, no listener ack, no end marker: inconclusive) → the checks (fail or pass). On a
// kmemleak kernel, a pass with a suspected leak is `leak` (judge/leaks.ts; compared with the
// baseline kernel when the run ends), and a pass whose kmemleak scan failed is inconclusive.
import type { ParamValue, Scenario, ScenarioContext, Check } from '../core/scenario.js';
import type { Failure, Series, Verdict } from '../core/types.js';
import { buildContext } from '../capture/context.js';
import type { RawCapture } from '../capture/scenario.js';
import { findSplats } from '../parse/console.js';
import { splatSignature } from '../parse/splat-signature.js';
import { checkFailures, decideVerdict, splatFailures, throttleNote } from './verdict.js';
import { parseTaskDumps, whereItWaits } from '../parse/task-dump.js';
import { parseStuckTasks, stuckTasksExcerpt, stuckTasksOfInterest } from '../parse/stuck-tasks.js';
import { groupLeaks, parseKmemleak } from '../parse/kmemleak.js';
import { applyLeaks, type LeakInput, type RowLeak } from './leaks.js';
import { applyNsDeaths, judgeNsDeaths, NS_LEAK_NOTE, nsFamilies, parseNsDeathReport, pendingNamespaces } from './ns-deaths.js';

export interface JudgeInput {
  scenario: Scenario;
  series: Pick<Series, 'name' | 'revision' | 'meta'>;
  params: Record<string, ParamValue>;
  capture: Pick<RawCapture, keyof RawCapture> | null;
  /** Why the capture failed, when it did (upload, runner, download). */
  captureError: string | null;
  consoleLines: string[];
  guestAlive: boolean;
  qemuExitCode: number | null;
  hang: { afterMs: number; evidence: string[] } | null;
  /**
   * A kmemleak kernel: what baseline under the same profiles showed so far in the run
   * (judge/leaks.ts: baselineLeaksSoFar); undefined when not known yet (compared at the run's end).
   */
  leakBaseline?: LeakInput['baseline'];
}

export interface Judgement {
  verdict: Verdict;
  failures: Failure[];
  checks: Check[];
  metrics?: Record<string, number>;
  /** Said about the run, not part of the verdict (the kernel throttled the scenario, ...). */
  notes: string[];
  /** The first splat's signature (parse/splat-signature.ts), when the console showed one; else a leak's. */
  signature?: string;
  /** A kmemleak kernel: the suspected leaks its scan after the scenario reported (none: empty). */
  leaks?: RowLeak[];
  ctx: ScenarioContext | null;
}

export function judgeScenario(input: JudgeInput): Judgement {
  const { scenario, capture } = input;
  const splats = findSplats(input.consoleLines);
  let ctx: ScenarioContext | null = null;
  let checks: Check[] = [];
  let expectError: Failure | null = null;
  if (capture) {
    ctx = buildContext(input.series, input.params, scenario.name, capture);
    try {
      checks = scenario.expect(ctx);
    } catch (e) {
      // The capture lacks what the expectation assumed (a record, an event's items): the
      // kernel's output is wrong, not the harness.
      const err = e instanceof Error ? e : new Error(String(e));
      expectError = { code: 'E_EXPECT', message: `${scenario.name}: expect() threw on what the guest captured: ${err.message}`, excerpt: err.stack?.split('\n').slice(1, 4).map((l) => l.trim()) };
    }
  }
  let metrics: Record<string, number> | undefined;
  try {
    metrics = ctx && scenario.measure ? scenario.measure(ctx) : undefined;
  } catch {
    metrics = undefined;
  }
  const notes = ctx ? [throttleNote(ctx.audit.before, ctx.audit.after)].filter((n): n is string => n !== null) : [];
  const signature = splats[0] ? splatSignature(splats[0]) : undefined;
  const leaks = capture?.kmemleak !== undefined ? groupLeaks(parseKmemleak(capture.kmemleak)) : undefined;
  const done = (verdict: Verdict, failures: Failure[]): Judgement => withNsDeaths(input, ctx, judged(verdict, failures));
  const judged = (verdict: Verdict, failures: Failure[]): Judgement => {
    if (verdict === 'pass' && capture?.kmemleakError !== undefined) {
      // Leaks were asked for (a kmemleak kernel) and not looked for: the pass is not earned.
      return { verdict: 'inconclusive', failures: [{ code: 'E_INFRA', message: `kmemleak could not scan after the scenario, so its leaks were not looked for: ${capture.kmemleakError.trim().split('\n').slice(-3).join(' / ') || 'no reason given'}` }, ...failures], checks, metrics, notes, ...(signature ? { signature } : {}), ctx };
    }
    if (!leaks) return { verdict, failures, checks, metrics, notes, ...(signature ? { signature } : {}), ctx };
    const o = applyLeaks({ verdict, failures, notes, signature, leaks, isBaseline: input.series.name === 'baseline', baseline: input.leakBaseline });
    return { verdict: o.verdict, failures: o.failures, checks, metrics, notes: o.notes, ...(o.signature ? { signature: o.signature } : {}), leaks: o.leaks, ctx };
  };

  // The hung-task detector (its timeout fits the scenario's time, see guest/guest.ts) names a
  // D-state hang with its stack and panics the guest: a hang, so timeout, with that report.
  if (splats.some((x) => x.kind === 'hung-task') && splats.every((x) => x.kind === 'hung-task' || x.kind === 'panic')) {
    return done('timeout', splatFailures(splats).map((f, i) => (i === 0 ? { ...f, code: 'E_TIMEOUT' as const } : f)));
  }
  if (splats.length) return done('crash', [...splatFailures(splats), ...(input.hang ? [hangFailure(input.hang, scenario)] : []), ...checkFailures(checks)]);
  if (input.hang) return done('timeout', [hangFailure(input.hang, scenario, input.consoleLines)]);
  if (capture?.scriptTimedOut) return done('timeout', [scriptTimeoutFailure(capture.stuckTasks, scenario)]);
  if (!input.guestAlive && !capture) {
    return done('crash', [{ code: 'E_GUEST_DIED', message: `QEMU exited during the scenario (code ${input.qemuExitCode}) without a recognised splat`, excerpt: input.consoleLines.slice(-30) }]);
  }
  if (input.captureError && !capture) return done('infra-error', [{ code: 'E_INFRA', message: input.captureError }]);
  const v = decideVerdict({
    checks,
    auditBefore: ctx?.audit.before ?? null,
    auditAfter: ctx?.audit.after ?? null,
    cn: ctx?.cn?.summary ?? null,
    listenerReady: ctx?.cn ? ctx.cn.ready : undefined,
    splats: [],
    flushTimedOut: capture?.flushTimedOut ?? false,
  });
  if (expectError) return done(v.verdict === 'inconclusive' ? 'inconclusive' : 'fail', [...v.failures, expectError]);
  return done(v.verdict, v.failures);
}

/**
 * A series whose records say when a namespace dies (judge/ns-deaths.ts): the namespaces the
 * scenario's window made and did not see freed, against what the guest's wait after it found.
 * A pass whose wait could not run is not earned (inconclusive), as for kmemleak's scan.
 */
function withNsDeaths(input: JudgeInput, ctx: ScenarioContext | null, j: Judgement): Judgement {
  const families = nsFamilies(input.series.meta?.records);
  if (!families.length || !ctx) return j;
  const pending = pendingNamespaces(ctx.audit.records, families);
  if (!pending.length) return j;
  const capture = input.capture;
  if (capture?.nsDeathsError !== undefined) {
    const why = `the wait for the DEL records of ${pending.length} namespace(s) the scenario made failed, so they were not looked for: ${capture.nsDeathsError.trim().split('\n').slice(-3).join(' / ')}`;
    if (j.verdict === 'pass') return { ...j, verdict: 'inconclusive', failures: [{ code: 'E_INFRA', message: why }, ...j.failures] };
    return { ...j, notes: [...j.notes, `${NS_LEAK_NOTE}${why}`] };
  }
  if (capture?.nsDeaths === undefined) {
    // A hang, a dead guest (the verdict says so) or a capture from before this check.
    return { ...j, notes: [...j.notes, `${NS_LEAK_NOTE}${pending.length} namespace(s) the scenario made were not waited for (no ns-deaths.txt)`] };
  }
  const o = judgeNsDeaths(pending, parseNsDeathReport(capture.nsDeaths, input.series.meta?.records));
  const a = applyNsDeaths(j.verdict, j.failures, j.notes, o);
  const signature = j.signature ?? a.signature;
  return { ...j, verdict: a.verdict, failures: a.failures, notes: a.notes, ...(signature ? { signature } : {}) };
}

/**
 * The guest's own time limit (kph-scenario) killed the script while the guest stayed alive: the
 * evidence is where the script's tasks were just before the kill (stuck-tasks.txt).
 */
function scriptTimeoutFailure(stuckTasks: string | undefined, scenario: Scenario): Failure {
  const tasks = stuckTasksOfInterest(parseStuckTasks(stuckTasks ?? ''));
  const first = tasks[0];
  const where = first ? `: ${first.comm} (pid ${first.pid}, state ${first.state})${first.wchan && first.wchan !== '0' ? ` in ${first.wchan}` : ''}` : '';
  return {
    code: 'E_TIMEOUT',
    message: `${scenario.name} did not finish within ${scenario.timeoutSec ?? 300} s (the guest's own limit stopped it)${where}`,
    excerpt: tasks.length ? ['the script\'s tasks just before the limit:', ...stuckTasksExcerpt(tasks)].slice(0, 60) : ['the guest\'s own timeout stopped the script (kph-scenario); it left no stuck-tasks.txt'],
  };
}

function hangFailure(hang: { afterMs: number; evidence: string[] }, scenario: Scenario, consoleLines: string[] = []): Failure {
  // The stuck task: one in D state, else the deepest of the scenario's tasks (the shell and
  // timeout above it only wait for it).
  const tasks = hang.evidence.filter((l) => /^task \d+ /.test(l));
  const stuck = tasks.find((l) => / state=D /.test(l)) ?? tasks[tasks.length - 1];
  // Its kernel stack, from the SysRq t dump the evidence step asked for (the last one printed).
  const pid = stuck ? Number(/^task (\d+) /.exec(stuck)![1]) : NaN;
  const dump = parseTaskDumps(consoleLines).filter((t) => t.pid === pid).pop();
  const where = dump ? whereItWaits(dump) : undefined;
  return {
    code: 'E_TIMEOUT',
    message: `${scenario.name} did not finish within ${scenario.timeoutSec ?? 300} s${stuck ? `: ${stuck}` : ''}${where ? ` in ${where}` : ''}`,
    excerpt: [...hang.evidence.slice(0, 60), ...(dump ? [`stack of ${dump.comm} (pid ${dump.pid}, state ${dump.state}), from SysRq t${dump.reliable ? '' : ' (guessed: no frame pointers or ORC in this kernel, frames may be stale)'}:`, ...dump.frames.map((f) => `    ${f}`)] : [])],
  };
}

// From checks and capture health to a verdict. Pure. Lost records or events make a result
// inconclusive, never a pass (nor a fail: a kernel that loses records proves nothing either
// way); a splat makes it a crash whatever the checks said.
import type { Check } from '../core/scenario.js';
import { SERIES_FAULTS } from '../core/summary.js';
import type { AuditStatus, CnSummary, Failure, Verdict } from '../core/types.js';
import type { Splat } from '../parse/console.js';

export interface VerdictInput {
  checks: Check[];
  auditBefore: AuditStatus | null;
  auditAfter: AuditStatus | null;
  /** The listener's summary, or null when the scenario ran none. */
  cn: CnSummary | null;
  /** False when a listener ran but never got its subscription ack (or never said ready). */
  listenerReady?: boolean;
  /** Splats the console showed while the scenario ran. */
  splats: Splat[];
  flushTimedOut: boolean;
}

export function checkFailures(checks: Check[]): Failure[] {
  return checks.filter((c) => !c.ok).map((c) => ({ code: 'E_CHECK' as const, message: `${c.name}: ${c.message}`, excerpt: c.excerpt }));
}

export function splatFailures(splats: Splat[]): Failure[] {
  return splats.map((s) => ({ code: 'E_SPLAT' as const, message: `kernel ${s.kind}: ${s.title}`, excerpt: s.excerpt }));
}

export function decideVerdict(v: VerdictInput): { verdict: Verdict; failures: Failure[] } {
  const failures = checkFailures(v.checks);
  if (v.splats.length) return { verdict: 'crash', failures: [...splatFailures(v.splats), ...failures] };
  const loss: Failure[] = [];
  const lost = (message: string): Failure => ({ code: 'E_LOST', message });
  if (!v.auditBefore || !v.auditAfter) loss.push(lost('audit status (auditctl -s) could not be read before and after'));
  else if (v.auditAfter.lost > v.auditBefore.lost) loss.push(lost(`audit lost ${v.auditAfter.lost - v.auditBefore.lost} record(s) (lost ${v.auditBefore.lost} → ${v.auditAfter.lost})`));
  if (v.listenerReady === false) loss.push({ code: 'E_LISTENER', message: 'the connector listener never got its subscription ack: events may be missing' });
  if (v.cn && v.cn.enobufs > 0) loss.push(lost(`the connector listener overran: ${v.cn.enobufs} ENOBUFS`));
  if (v.cn && v.cn.seqGaps > 0) loss.push(lost(`the connector listener saw ${v.cn.seqGaps} sequence gap(s)`));
  if (v.flushTimedOut) loss.push({ code: 'E_MARKER', message: 'the end marker never reached auditd\'s log: the capture window is incomplete' });
  if (loss.length) return { verdict: 'inconclusive', failures: [...loss, ...failures] };
  return { verdict: failures.length ? 'fail' : 'pass', failures };
}

/** Exit code for a set of verdicts (design.md): 1 series' fault, 3 infrastructure, 4 inconclusive. */
export function exitCodeFor(verdicts: Verdict[]): number {
  if (verdicts.some((v) => SERIES_FAULTS.includes(v))) return 1;
  if (verdicts.includes('infra-error')) return 3;
  if (verdicts.includes('inconclusive')) return 4;
  return 0;
}

/** Whether the audit kernel throttled the scenario (backlog_wait_time_actual rose): said, not a verdict. */
export function throttleNote(before: AuditStatus | null, after: AuditStatus | null): string | null {
  const b = before?.backlogWaitTimeActual;
  const a = after?.backlogWaitTimeActual;
  if (b === undefined || a === undefined || a <= b) return null;
  return `the audit backlog was full: tasks waited ${a - b} ms in total (backlog_wait_time_actual ${b} → ${a})`;
}

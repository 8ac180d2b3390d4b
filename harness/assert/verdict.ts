// From checks and capture health to a verdict. Pure. Lost records or events make a result
// inconclusive, never a pass; a splat makes it a crash whatever the checks said.
import type { Check } from '../core/scenario.js';
import type { AuditStatus, CnSummary, Failure, Verdict } from '../core/types.js';
import type { Splat } from '../parse/console.js';

export interface VerdictInput {
  checks: Check[];
  auditBefore: AuditStatus | null;
  auditAfter: AuditStatus | null;
  cn: CnSummary | null;
  /** Splats the console showed while the scenario ran. */
  splats: Splat[];
  flushTimedOut: boolean;
}

export function decideVerdict(v: VerdictInput): { verdict: Verdict; failures: Failure[] } {
  const failures: Failure[] = v.checks.filter((c) => !c.ok).map((c) => ({ message: `${c.name}: ${c.message}`, excerpt: c.excerpt }));
  if (v.splats.length) {
    return {
      verdict: 'crash',
      failures: [...v.splats.map((s) => ({ message: `kernel ${s.kind}: ${s.title}`, excerpt: s.excerpt })), ...failures],
    };
  }
  const loss: string[] = [];
  if (!v.auditBefore || !v.auditAfter) loss.push('audit status (auditctl -s) could not be read before and after');
  else if (v.auditAfter.lost > v.auditBefore.lost) loss.push(`audit lost ${v.auditAfter.lost - v.auditBefore.lost} record(s) (lost ${v.auditBefore.lost} → ${v.auditAfter.lost})`);
  if (v.cn && v.cn.enobufs > 0) loss.push(`the connector listener overran: ${v.cn.enobufs} ENOBUFS`);
  if (v.cn && v.cn.seqGaps > 0) loss.push(`the connector listener saw ${v.cn.seqGaps} sequence gap(s)`);
  if (v.flushTimedOut) loss.push('auditd never wrote the end marker: the log may be incomplete');
  if (loss.length) return { verdict: 'inconclusive', failures: [...loss.map((message) => ({ message })), ...failures] };
  return { verdict: failures.length ? 'fail' : 'pass', failures };
}

/** Exit code for a set of verdicts (design.md): 1 series' fault, 3 infrastructure, 4 inconclusive. */
export function exitCodeFor(verdicts: Verdict[]): number {
  if (verdicts.some((v) => ['fail', 'crash', 'apply-error', 'config-error', 'build-error'].includes(v))) return 1;
  if (verdicts.includes('infra-error')) return 3;
  if (verdicts.includes('inconclusive')) return 4;
  return 0;
}

// Parse `auditctl -s`. Pure.
//
//   enabled 1
//   failure 1
//   pid 245
//   rate_limit 0
//   backlog_limit 8192
//   lost 0
//   backlog 0
//   backlog_wait_time 60000
//   backlog_wait_time_actual 0
import type { AuditStatus } from '../core/types.js';

export function parseAuditctlStatus(text: string): AuditStatus | null {
  const v = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+) (-?\d+)/.exec(line.trim());
    if (m) v.set(m[1]!, Number(m[2]));
  }
  if (!v.has('lost')) return null;
  const status: AuditStatus = { enabled: v.get('enabled') ?? 0, lost: v.get('lost')!, backlog: v.get('backlog') ?? 0, backlogLimit: v.get('backlog_limit') ?? 0 };
  if (v.has('backlog_wait_time_actual')) status.backlogWaitTimeActual = v.get('backlog_wait_time_actual')!;
  return status;
}

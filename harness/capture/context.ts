// From what the guest wrote to what a scenario's expectations see. Pure: a captured run (or a
// fixture of one) in, a ScenarioContext out.
import type { ParamValue, ScenarioContext } from '../core/scenario.js';
import type { Series } from '../core/types.js';
import { groupAuditEvents, parseAuditLog, sliceBetweenMarkers } from '../parse/audit.js';
import { parseAuditctlStatus } from '../parse/auditctl.js';
import { parseListenerOutput } from '../parse/cn.js';
import { parseNotes, type CapturedText } from '../core/captured.js';

export type { CapturedText };

export function buildContext(series: Pick<Series, 'name' | 'revision' | 'meta'>, params: Record<string, ParamValue>, id: string, raw: CapturedText): ScenarioContext {
  const all = parseAuditLog(raw.auditFull, series.meta.records);
  const { inside } = sliceBetweenMarkers(all, `kph-begin ${id}`, `kph-end ${id}`);
  const firstBegin = all.findIndex((r) => r.type === 'USER' && /msg='(?:text=)?kph-begin /.test(r.line));
  const cn = raw.listener !== null ? parseListenerOutput(raw.listener) : null;
  return {
    series,
    provides: new Set(series.meta.provides),
    params,
    guest: { exitCode: raw.exitCode, stdout: raw.stdout, stderr: raw.stderr, durationMs: raw.durationMs, notes: parseNotes(raw.stdout) },
    audit: {
      records: inside,
      events: groupAuditEvents(inside),
      bootRecords: firstBegin >= 0 ? all.slice(0, firstBegin) : all,
      before: parseAuditctlStatus(raw.statusBefore),
      after: parseAuditctlStatus(raw.statusAfter),
    },
    cn: cn ? { events: cn.events, summary: cn.summary, ready: cn.ready } : null,
  };
}

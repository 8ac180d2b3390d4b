// Helpers for the auditns-* scenarios (audit-ns@rfc-v2): kph-auditns prints `KPH NAME=answer`
// for every step; the series logs its configuration changes as CONFIG_CHANGE op=... records.
import type { AuditRecord } from '../core/types.js';
import { field } from '../parse/audit.js';
import { check, checkEqual, note } from './helpers.js';
import type { Check, ScenarioContext } from '../core/scenario.js';

/** The series capability the auditns-* expectations are gated on. */
export const AUDIT_NS = 'audit-ns';

/** CONFIG_CHANGE records with this op= (create_audit_ns, set) and, if given, these fields. */
export function configChanges(records: AuditRecord[], op: string, fields: Record<string, string> = {}): AuditRecord[] {
  return records.filter(
    (r) => r.type === 'CONFIG_CHANGE' && field(r, 'op') === op && Object.entries(fields).every(([k, v]) => field(r, k) === v),
  );
}

/** Records the series adds (anything naming an audit namespace). */
export function auditNsRecords(records: AuditRecord[]): AuditRecord[] {
  return records.filter((r) => field(r, 'audit_ns') !== undefined || field(r, 'old_audit_ns') !== undefined);
}

/** USER-range records whose msg contains text. */
export function userRecordsWith(records: AuditRecord[], text: string): AuditRecord[] {
  return records.filter((r) => r.typeNumber !== null && ((r.typeNumber >= 1100 && r.typeNumber <= 1199) || (r.typeNumber >= 2100 && r.typeNumber <= 2999)) && r.line.includes(text));
}

/** Check that each named step answered as expected (absent steps show as "(none)"). */
export function checkAnswers(ctx: ScenarioContext, what: string, expected: Record<string, string>): Check {
  const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, note(ctx.guest.notes, k) ?? '(none)']));
  return checkEqual(what, actual, expected);
}

/** Without the series: the request is unknown (EINVAL) and nothing names an audit namespace. */
export function checkWithoutSeries(ctx: ScenarioContext, answers: Record<string, string>): Check[] {
  const ours = auditNsRecords(ctx.audit.records);
  return [
    checkAnswers(ctx, 'without the series: AUDIT_CREATE_NS is unknown, nothing ran inside', answers),
    check('without the series: no record names an audit namespace', ours.length === 0, `${ours.length}`, ours.slice(0, 5).map((r) => r.line)),
  ];
}

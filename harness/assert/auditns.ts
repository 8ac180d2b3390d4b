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

/** User records (AUDIT_USER 1005 and the user ranges 1100-1199, 2100-2999) whose line contains text. */
export function userRecordsWith(records: AuditRecord[], text: string): AuditRecord[] {
  const isUser = (n: number | null) => n === 1005 || (n !== null && ((n >= 1100 && n <= 1199) || (n >= 2100 && n <= 2999)));
  return records.filter((r) => isUser(r.typeNumber) && r.line.includes(text));
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

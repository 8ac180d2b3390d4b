// Test helpers for the audit-nsid scenarios: the series' metadata as the run saw it, and edits
// of captured NSID records (to prove a check fails when the record is wrong).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioContext } from '../core/scenario.js';
import type { AuditRecord } from '../core/types.js';
import { nsidRecords } from '../assert/helpers.js';
import { field } from '../parse/audit.js';

const meta = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'kernel-patches', 'audit-nsid', 'strawman', 'series.json'), 'utf8')) as { provides: string[]; records: Record<string, string> };

/** loadCapture's meta for audit-nsid@strawman. */
export const NSID_META = { name: 'audit-nsid', revision: 'strawman', provides: meta.provides, records: meta.records };

/** Set `name`=`value` in the NSID records that `pick` selects (all by default). */
export function editNsid(ctx: ScenarioContext, name: string, value: string, pick: (r: AuditRecord, i: number) => boolean = () => true): void {
  const ours = new Set(nsidRecords(ctx.audit.records));
  let i = 0;
  ctx.audit.records = ctx.audit.records.map((r) => {
    if (!ours.has(r) || !pick(r, i++)) return r;
    return { ...r, fields: r.fields.map((f) => (f.name === name ? { ...f, raw: value } : f)), line: r.line.replace(new RegExp(`\\b${name}=\\S+`), `${name}=${value}`) };
  });
}

/** Drop records (e.g. the SYSCALL of an event). */
export function dropRecords(ctx: ScenarioContext, pred: (r: AuditRecord) => boolean): void {
  ctx.audit.records = ctx.audit.records.filter((r) => !pred(r));
}

/** The pid= of an NSID record. */
export function nsidPid(r: AuditRecord): number {
  return Number(field(r, 'pid'));
}

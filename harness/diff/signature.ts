// The format signature of a run: what userspace sees, with volatile values normalised. Pure.
// For every audit record type, its field names in order and the class of each value; for
// every connector event kind, its fields and payload length; for every scenario, the
// sequence of audit event shapes and namespace events it produced.
import type { AuditRecord, CnEvent } from '../core/types.js';

export type ValueClass = 'unset' | 'quoted' | 'inode' | 'decimal' | 'hex' | 'hexstring' | 'word' | 'empty';

export interface FieldSig {
  name: string;
  cls: ValueClass;
}

/** One distinct field layout of a record type. */
export interface RecordShape {
  fields: FieldSig[];
  count: number;
}

export interface RecordTypeSig {
  type: string;
  number: number | null;
  shapes: RecordShape[];
  /**
   * Never part of a syscall's event: logged from a workqueue, RCU or timer (namespace
   * deletion, ...). Whether one lands inside a scenario's window is timing, so presence is
   * compared per series, not per scenario.
   */
  async?: boolean;
  /**
   * One real line of the type's most common layout, volatile values normalised
   * (normaliseLine): what the record looks like, for before/after examples in reviews.
   * Optional: signatures written before it existed, or from records without their lines.
   */
  example?: string;
}

export interface CnKindSig {
  /** fork, exec, exit, ns:v1, ns:v2, unknown:0x400 ... */
  kind: string;
  what: number;
  fields: string[];
  lengths: number[];
  /** One event of the kind as `what=0x1 len=40 field=value ...`, pids and inode numbers normalised. Optional. */
  example?: string;
}

export interface ScenarioSig {
  records: RecordTypeSig[];
  events: CnKindSig[];
  /** Audit events as record-type tuples, consecutive repeats collapsed: "SYSCALL,PROCTITLE+". */
  sequence: string[];
}

export interface FormatSignature {
  version: 1;
  series: string;
  scenarios: Record<string, ScenarioSig>;
}

/** Values that mean "not set" in audit records (auid=4294967295, ses=4294967295, key=(null)). */
const UNSET = new Set(['4294967295', '-1', '(null)', '(none)', '?', 'unset']);

export function classifyValue(raw: string): ValueClass {
  if (raw === '') return 'empty';
  if (UNSET.has(raw)) return 'unset';
  if (/^(["']).*\1$/s.test(raw)) return 'quoted';
  // proc inode numbers of namespaces: 0xF0000000 and up (4026531840...)
  if (/^40265\d{5}$/.test(raw)) return 'inode';
  if (/^\d+$/.test(raw)) return 'decimal';
  if (/^(0x)?[0-9a-fA-F]+$/.test(raw)) return raw.length > 16 ? 'hexstring' : 'hex';
  return 'word';
}

/**
 * Classes that differ between two values of one field by chance (a serial that happens to
 * have no a-f digit is "decimal", the next "hex") are merged: hex absorbs decimal.
 */
function mergeClass(a: ValueClass, b: ValueClass): ValueClass {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('hex') && pair.has('decimal')) return 'hex';
  if (pair.has('hexstring') && (pair.has('hex') || pair.has('decimal'))) return 'hexstring';
  if (pair.has('unset')) return a === 'unset' ? b : a;
  return a;
}

/** Fields whose values differ on every run: process ids, the session, inode numbers. */
const VOLATILE_FIELDS = new Set(['pid', 'ppid', 'tid', 'ses', 'ino', 'inode']);

/**
 * A logged line with what differs on every run replaced: the event's time and serial, pids,
 * the session and inode numbers (sentinels such as 4294967295 are kept: they are format).
 */
export function normaliseLine(line: string): string {
  const body = line.replace(/audit\(\d+\.\d+:\d+\)/, 'audit(TIME:SERIAL)');
  return body.replace(/(^|\s)([A-Za-z_][\w-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g, (all, sp: string, name: string, raw: string) => {
    const cls = classifyValue(raw);
    if (cls === 'inode') return `${sp}${name}=INODE`;
    if (VOLATILE_FIELDS.has(name) && (cls === 'decimal' || cls === 'hex')) return `${sp}${name}=${name.toUpperCase()}`;
    return all;
  });
}

/** Serials of events that carry a SYSCALL record (records logged inside a syscall). */
function syscallSerials(records: AuditRecord[]): Set<string> {
  return new Set(records.filter((r) => r.type === 'SYSCALL').map((r) => `${r.timestamp}:${r.serial}`));
}

export function recordSignatures(records: AuditRecord[]): RecordTypeSig[] {
  const inSyscall = syscallSerials(records);
  const byType = new Map<string, { number: number | null; shapes: Map<string, RecordShape>; async: boolean }>();
  const lines = new Map<RecordShape, string>();
  for (const r of records) {
    let t = byType.get(r.type);
    if (!t) byType.set(r.type, (t = { number: r.typeNumber, shapes: new Map(), async: true }));
    if (inSyscall.has(`${r.timestamp}:${r.serial}`)) t.async = false;
    const key = r.fields.map((f) => f.name).join(' ');
    const shape = t.shapes.get(key);
    if (!shape) {
      const s = { fields: r.fields.map((f) => ({ name: f.name, cls: classifyValue(f.raw) })), count: 1 };
      t.shapes.set(key, s);
      if (r.line) lines.set(s, normaliseLine(r.line));
    } else {
      if (r.line && !lines.has(shape)) lines.set(shape, normaliseLine(r.line));
      shape.count++;
      r.fields.forEach((f, i) => (shape.fields[i]!.cls = mergeClass(shape.fields[i]!.cls, classifyValue(f.raw))));
    }
  }
  return [...byType]
    .map(([type, t]) => {
      const shapes = [...t.shapes.values()].sort((a, b) => b.count - a.count || a.fields.length - b.fields.length);
      const example = lines.get(shapes[0]!);
      return { type, number: t.number, shapes, ...(t.async ? { async: true } : {}), ...(example ? { example } : {}) };
    })
    .sort((a, b) => a.type.localeCompare(b.type));
}

function cnKind(e: CnEvent): string {
  if (e.kind === 'ns') return `ns:${String(e.data.layout ?? '?')}`;
  if (e.kind === 'unknown') return `unknown:0x${e.what.toString(16)}`;
  return e.kind;
}

/** A connector event as one line: what, payload length and its fields; pids and inodes normalised. */
export function eventLine(e: CnEvent): string {
  const norm = (k: string, v: unknown): unknown => {
    if (typeof v === 'number' && /(^|_)(pid|tgid)$/.test(k)) return 'PID';
    if (typeof v === 'number' && classifyValue(String(v)) === 'inode') return 'INODE';
    return v;
  };
  const value = (k: string, v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v, norm) : String(norm(k, v)));
  return [`what=0x${e.what.toString(16)}`, `len=${e.len}`, ...Object.entries(e.data).map(([k, v]) => `${k}=${value(k, v)}`)].join(' ');
}

export function eventSignatures(events: CnEvent[]): CnKindSig[] {
  const byKind = new Map<string, CnKindSig>();
  for (const e of events) {
    const kind = cnKind(e);
    let s = byKind.get(kind);
    if (!s) byKind.set(kind, (s = { kind, what: e.what, fields: [], lengths: [], example: eventLine(e) }));
    for (const k of Object.keys(e.data)) if (!s.fields.includes(k)) s.fields.push(k);
    if (!s.lengths.includes(e.len)) s.lengths.push(e.len);
  }
  for (const s of byKind.values()) s.lengths.sort((a, b) => a - b);
  return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}

/**
 * Audit events logged inside a syscall (records sharing a serial with a SYSCALL record) as
 * type tuples, with runs of the same tuple collapsed. Events from workqueues and timers are
 * left out: where they fall is timing, not format. An event is every record of its serial,
 * wherever the log interleaved another event's records between them. Each task's events (the
 * SYSCALL record's pid) keep their order; the tasks' sequences are put in sorted order, since
 * which of two concurrent tasks logs first is timing too.
 */
export function eventSequence(records: AuditRecord[]): string[] {
  const inSyscall = syscallSerials(records);
  const events = new Map<string, { types: string[]; pid: string }>();
  for (const r of records) {
    const key = `${r.timestamp}:${r.serial}`;
    if (!inSyscall.has(key)) continue;
    let e = events.get(key);
    if (!e) events.set(key, (e = { types: [], pid: '' }));
    e.types.push(r.type);
    if (r.type === 'SYSCALL') e.pid = r.fields.find((f) => f.name === 'pid')?.raw ?? '';
  }
  const byTask = new Map<string, string[]>();
  for (const e of events.values()) {
    const t = byTask.get(e.pid);
    if (t) t.push(e.types.join(','));
    else byTask.set(e.pid, [e.types.join(',')]);
  }
  const key = (seq: string[]) => seq.join(' ; ');
  const tuples = [...byTask.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).flat();
  const out: string[] = [];
  let i = 0;
  while (i < tuples.length) {
    let j = i;
    while (j < tuples.length && tuples[j] === tuples[i]) j++;
    // The count is the scenario's business (its checks); the shape of the run is the format's.
    out.push(j - i > 1 ? `${tuples[i]}+` : tuples[i]!);
    i = j;
  }
  return out;
}

export function scenarioSignature(records: AuditRecord[], events: CnEvent[]): ScenarioSig {
  return { records: recordSignatures(records), events: eventSignatures(events), sequence: eventSequence(records) };
}

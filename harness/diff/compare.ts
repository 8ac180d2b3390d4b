// Compare two format signatures: what changed in what userspace sees. Pure.
import type { CnKindSig, FieldSig, FormatSignature, RecordTypeSig, ScenarioSig } from './signature.js';

export type ChangeKind =
  | 'record-added'
  | 'record-removed'
  | 'record-renamed'
  | 'field-added'
  | 'field-removed'
  | 'fields-reordered'
  | 'class-changed'
  | 'shape-added'
  | 'shape-removed'
  | 'event-added'
  | 'event-removed'
  | 'event-fields'
  | 'payload-length'
  | 'sequence'
  | 'scenario-added'
  | 'scenario-removed';

export interface FormatChange {
  /** abi: an existing event's size changed, every listener is affected. */
  severity: 'abi' | 'format';
  scenario: string;
  kind: ChangeKind;
  /** The record type or event kind concerned. */
  subject: string;
  message: string;
  /** field-added / field-removed: the field names. */
  fields?: string[];
  /** sequence: the scenario's event sequence before and after. */
  before?: string[];
  after?: string[];
  /** record-renamed: the old type name. */
  renamedFrom?: string;
  /** event-added: the payload lengths seen. */
  lengths?: number[];
}

/**
 * Digits alone do not tell decimal from hex: a register or serial printed %llx reads
 * "decimal" whenever its value happens to have no a-f digit. So hex and decimal match.
 */
function sameNumberClass(a: string, b: string): boolean {
  return (a === 'hex' || a === 'decimal') && (b === 'hex' || b === 'decimal');
}

const label = (t: Pick<RecordTypeSig, 'type' | 'number'>) => (t.number !== null ? `${t.type} (${t.number})` : t.type);
const names = (f: FieldSig[]) => f.map((x) => x.name);

function compareFields(scenario: string, subject: string, a: FieldSig[], b: FieldSig[]): FormatChange[] {
  const out: FormatChange[] = [];
  const an = names(a);
  const bn = names(b);
  const added = bn.filter((n) => !an.includes(n));
  const removed = an.filter((n) => !bn.includes(n));
  if (removed.length) out.push({ severity: 'format', scenario, kind: 'field-removed', subject, fields: removed, message: `${subject}: fields removed: ${removed.join(' ')}` });
  if (added.length) out.push({ severity: 'format', scenario, kind: 'field-added', subject, fields: added, message: `${subject}: fields added: ${added.join(' ')}` });
  const commonA = an.filter((n) => bn.includes(n));
  const commonB = bn.filter((n) => an.includes(n));
  if (commonA.join(' ') !== commonB.join(' ')) {
    out.push({ severity: 'format', scenario, kind: 'fields-reordered', subject, message: `${subject}: field order changed: ${commonA.join(' ')} → ${commonB.join(' ')}` });
  }
  for (const f of a) {
    const g = b.find((x) => x.name === f.name);
    if (g && g.cls !== f.cls && !sameNumberClass(f.cls, g.cls)) out.push({ severity: 'format', scenario, kind: 'class-changed', subject, message: `${subject}: ${f.name}= was ${f.cls}, is ${g.cls}` });
  }
  return out;
}

function compareRecords(scenario: string, a: RecordTypeSig[], b: RecordTypeSig[], asyncA: Set<string>, asyncB: Set<string>): FormatChange[] {
  const out: FormatChange[] = [];
  // An asynchronous record (namespace freed from a workqueue) may fall outside a scenario's
  // window: it counts as missing only when the other side saw it in no scenario at all.
  const onlyA = a.filter((x) => !b.some((y) => y.type === x.type) && !(x.async && asyncB.has(x.type)));
  const onlyB = b.filter((x) => !a.some((y) => y.type === x.type) && !(x.async && asyncA.has(x.type)));
  // A type that kept its number and its fields but changed its name was renamed.
  for (const x of [...onlyA]) {
    const y = onlyB.find((t) => (t.number !== null && t.number === x.number) || names(t.shapes[0]!.fields).join(' ') === names(x.shapes[0]!.fields).join(' '));
    if (y && names(y.shapes[0]!.fields).join(' ') === names(x.shapes[0]!.fields).join(' ')) {
      out.push({ severity: 'format', scenario, kind: 'record-renamed', subject: y.type, renamedFrom: x.type, message: `record ${label(x)} renamed to ${label(y)}` });
      onlyA.splice(onlyA.indexOf(x), 1);
      onlyB.splice(onlyB.indexOf(y), 1);
    }
  }
  for (const x of onlyA) out.push({ severity: 'format', scenario, kind: 'record-removed', subject: x.type, message: `record ${label(x)} removed (fields: ${names(x.shapes[0]!.fields).join(' ')})` });
  for (const y of onlyB) out.push({ severity: 'format', scenario, kind: 'record-added', subject: y.type, message: `record ${label(y)} added (fields: ${names(y.shapes[0]!.fields).join(' ')})` });
  for (const x of a) {
    const y = b.find((t) => t.type === x.type);
    if (!y) continue;
    const subject = label(y);
    const shapesA = new Map(x.shapes.map((s) => [names(s.fields).join(' '), s]));
    const shapesB = new Map(y.shapes.map((s) => [names(s.fields).join(' '), s]));
    if (x.shapes.length === 1 && y.shapes.length === 1) {
      out.push(...compareFields(scenario, subject, x.shapes[0]!.fields, y.shapes[0]!.fields));
      continue;
    }
    // Several layouts of one type (e.g. USER records): compare the layouts both have, and
    // name the ones only one side has.
    for (const [k, s] of shapesA) {
      const t = shapesB.get(k);
      if (t) out.push(...compareFields(scenario, subject, s.fields, t.fields));
      else out.push({ severity: 'format', scenario, kind: 'shape-removed', subject, message: `${subject}: layout no longer seen: ${k}` });
    }
    for (const k of shapesB.keys()) if (!shapesA.has(k)) out.push({ severity: 'format', scenario, kind: 'shape-added', subject, message: `${subject}: new layout: ${k}` });
  }
  return out;
}

function compareEvents(scenario: string, a: CnKindSig[], b: CnKindSig[]): FormatChange[] {
  const out: FormatChange[] = [];
  for (const x of a) {
    const y = b.find((e) => e.kind === x.kind);
    if (!y) {
      out.push({ severity: 'format', scenario, kind: 'event-removed', subject: x.kind, message: `connector event ${x.kind} (what=0x${x.what.toString(16)}) no longer seen` });
      continue;
    }
    if (x.lengths.join(',') !== y.lengths.join(',')) {
      out.push({ severity: 'abi', scenario, kind: 'payload-length', subject: x.kind, message: `ABI CHANGE: connector ${x.kind} payload length ${x.lengths.join('/')} → ${y.lengths.join('/')} bytes (every proc-connector listener sees this)` });
    }
    const added = y.fields.filter((f) => !x.fields.includes(f));
    const removed = x.fields.filter((f) => !y.fields.includes(f));
    if (added.length || removed.length) {
      out.push({ severity: 'format', scenario, kind: 'event-fields', subject: x.kind, message: `connector ${x.kind}: ${[removed.length ? `fields removed: ${removed.join(' ')}` : '', added.length ? `fields added: ${added.join(' ')}` : ''].filter(Boolean).join('; ')}` });
    }
  }
  for (const y of b) {
    if (!a.some((e) => e.kind === y.kind)) out.push({ severity: 'format', scenario, kind: 'event-added', subject: y.kind, lengths: y.lengths, message: `connector event ${y.kind} (what=0x${y.what.toString(16)}, ${y.lengths.join('/')} bytes) added: ${y.fields.join(' ')}` });
  }
  return out;
}

function asyncTypes(sig: FormatSignature): Set<string> {
  return new Set(Object.values(sig.scenarios).flatMap((s) => s.records.filter((r) => r.async).map((r) => r.type)));
}

export function compareScenario(scenario: string, a: ScenarioSig, b: ScenarioSig, asyncA = new Set<string>(), asyncB = new Set<string>()): FormatChange[] {
  const out = [...compareRecords(scenario, a.records, b.records, asyncA, asyncB), ...compareEvents(scenario, a.events, b.events)];
  if (a.sequence.join('|') !== b.sequence.join('|')) {
    out.push({ severity: 'format', scenario, kind: 'sequence', subject: 'sequence', before: a.sequence, after: b.sequence, message: `audit event sequence changed:\n    - ${a.sequence.join('\n    - ')}\n  →\n    + ${b.sequence.join('\n    + ')}` });
  }
  return out;
}

export function compareSignatures(a: FormatSignature, b: FormatSignature): FormatChange[] {
  const out: FormatChange[] = [];
  const asyncA = asyncTypes(a);
  const asyncB = asyncTypes(b);
  for (const [name, sa] of Object.entries(a.scenarios)) {
    const sb = b.scenarios[name];
    if (!sb) out.push({ severity: 'format', scenario: name, kind: 'scenario-removed', subject: name, message: `scenario ${name} only in ${a.series}` });
    else out.push(...compareScenario(name, sa, sb, asyncA, asyncB));
  }
  for (const name of Object.keys(b.scenarios)) {
    if (!a.scenarios[name]) out.push({ severity: 'format', scenario: name, kind: 'scenario-added', subject: name, message: `scenario ${name} only in ${b.series}` });
  }
  return out;
}

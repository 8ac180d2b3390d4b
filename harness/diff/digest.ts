// What a reviewer reads: the format changes between two series, each change once with the
// scenarios where it shows, a one-line headline, and event-sequence changes reduced to the
// audit events that changed. Pure: FormatChange[] (+ the two signatures) in, a digest out.
import type { ChangeKind, FormatChange } from './compare.js';
import type { FormatSignature } from './signature.js';

/** One change, deduplicated over the scenarios where it shows. */
export interface GroupedChange {
  severity: 'abi' | 'format';
  kind: ChangeKind;
  /** Record type name (SYSCALL, NS_INFO), connector event kind (fork, ns:v2), or a scenario name. */
  subject: string;
  message: string;
  scenarios: string[];
  /** When the same change reads differently in some scenarios (e.g. layouts of USER records). */
  variants?: { message: string; scenarios: string[] }[];
}

/** One audit event's shape before and after (a change inside a scenario's event sequence). */
export interface SequenceChange {
  /** Record types of the event, repeats as TYPE×n: "NS_INIT×6,SYSCALL,PROCTITLE"; "" when absent. */
  before: string;
  after: string;
  scenarios: string[];
}

export interface FormatDigest {
  from: string;
  to: string;
  /** "1 record type removed, 16 added, SYSCALL lost 6 fields, connector unchanged" */
  headline: string;
  /** Scenarios both sides have (what "all scenarios" means). */
  scenarios: string[];
  records: GroupedChange[];
  connector: GroupedChange[];
  sequences: SequenceChange[];
  /** Scenarios only one side has. */
  other: GroupedChange[];
  /** A real line of every changed, new or removed record type, from each side that has it. */
  examples: RecordExample[];
}

export interface RecordExample {
  type: string;
  change: 'added' | 'removed' | 'renamed' | 'changed';
  /** The normalised line before (absent for a new type, or when the signature has no examples). */
  before?: string;
  after?: string;
}

const RECORD_KINDS: ChangeKind[] = ['record-removed', 'record-renamed', 'record-added', 'field-removed', 'field-added', 'fields-reordered', 'class-changed', 'shape-added', 'shape-removed'];
const EVENT_KINDS: ChangeKind[] = ['payload-length', 'event-added', 'event-removed', 'event-fields'];

/** "SYSCALL (1300)" → "SYSCALL": field changes name the type with its number. */
export const recordTypeOf = (c: Pick<FormatChange, 'subject'>) => c.subject.replace(/ \(\d+\)$/, '');

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Collapse repeats inside one event: NS_INIT,NS_INIT,SYSCALL → NS_INIT×2,SYSCALL. */
export function compactTuple(tuple: string): string {
  if (!tuple) return tuple;
  const plus = tuple.endsWith('+');
  const types = (plus ? tuple.slice(0, -1) : tuple).split(',');
  const out: string[] = [];
  for (let i = 0; i < types.length; ) {
    let j = i;
    while (j < types.length && types[j] === types[i]) j++;
    out.push(j - i > 1 ? `${types[i]}×${j - i}` : types[i]!);
    i = j;
  }
  return out.join(',') + (plus ? ' (repeated)' : '');
}

/**
 * The events that changed between two sequences. Sequences of one length are compared event
 * by event (the scenario did the same steps); otherwise the common head and tail are dropped
 * and what is left is one change.
 */
export function sequenceSteps(before: string[], after: string[]): { before: string; after: string }[] {
  if (before.length === after.length) {
    return before.flatMap((b, i) => (b === after[i] ? [] : [{ before: compactTuple(b), after: compactTuple(after[i]!) }]));
  }
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  const mid = (s: string[]) => s.slice(head, s.length - tail).map(compactTuple).join(' ; ');
  return [{ before: mid(before), after: mid(after) }];
}

function groupKey(c: FormatChange): string {
  // A new connector kind reads its payload lengths in the message; they differ per scenario
  // (a variable-length event), so it is one change whatever lengths each scenario saw.
  if (c.kind === 'event-added') return `${c.kind}\0${c.subject}`;
  return `${c.kind}\0${RECORD_KINDS.includes(c.kind) ? recordTypeOf(c) : c.subject}\0${c.message}`;
}

/** Group changes by (subject, what changed), keeping first-seen order. */
export function groupChanges(changes: FormatChange[]): GroupedChange[] {
  const groups = new Map<string, { first: FormatChange; all: FormatChange[] }>();
  for (const c of changes) {
    const k = groupKey(c);
    const g = groups.get(k);
    if (g) g.all.push(c);
    else groups.set(k, { first: c, all: [c] });
  }
  const grouped = [...groups.values()].map(({ first, all }) => {
    const scenarios = [...new Set(all.map((c) => c.scenario))];
    let message = first.message;
    if (first.kind === 'event-added') {
      const lengths = [...new Set(all.flatMap((c) => c.lengths ?? []))].sort((a, b) => a - b);
      message = first.message.replace(/, [\d/]+ bytes\)/, `, ${lengths.join('/')} bytes)`);
    }
    return { severity: all.some((c) => c.severity === 'abi') ? 'abi' : 'format', kind: first.kind, subject: RECORD_KINDS.includes(first.kind) ? recordTypeOf(first) : first.subject, message, scenarios } as GroupedChange;
  });
  return mergePayloadLengths(grouped);
}

/** fork, exec and exit growing by the same bytes in the same scenarios are one change. */
function mergePayloadLengths(groups: GroupedChange[]): GroupedChange[] {
  const out: GroupedChange[] = [];
  const merged = new Map<string, GroupedChange>();
  for (const g of groups) {
    if (g.kind !== 'payload-length') {
      out.push(g);
      continue;
    }
    const k = `${g.message.split(` ${g.subject} `).join(' \0 ')}\0${g.scenarios.join(' ')}`;
    const m = merged.get(k);
    if (!m) {
      const copy = { ...g };
      merged.set(k, copy);
      out.push(copy);
    } else {
      m.subject = `${m.subject}, ${g.subject}`;
      m.message = g.message.replace(` ${g.subject} `, ` ${m.subject} `);
    }
  }
  return out;
}

export function groupSequences(changes: FormatChange[]): SequenceChange[] {
  const m = new Map<string, SequenceChange>();
  for (const c of changes) {
    if (c.kind !== 'sequence') continue;
    const before = c.before ?? [];
    const after = c.after ?? [];
    for (const step of sequenceSteps(before, after)) {
      const k = `${step.before}\0${step.after}`;
      const g = m.get(k);
      if (g) {
        if (!g.scenarios.includes(c.scenario)) g.scenarios.push(c.scenario);
      } else m.set(k, { ...step, scenarios: [c.scenario] });
    }
  }
  return [...m.values()].sort((a, b) => b.scenarios.length - a.scenarios.length);
}

const ORDER: ChangeKind[] = [...RECORD_KINDS, ...EVENT_KINDS];
const byOrder = (a: GroupedChange, b: GroupedChange) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || b.scenarios.length - a.scenarios.length || a.subject.localeCompare(b.subject);

/** The one-line answer: what changed in what userspace sees. */
export function headline(changes: FormatChange[], from = 'before', to = 'after'): string {
  if (!changes.length) return 'no change: record and event formats are the same';
  const groups = groupChanges(changes);
  const subjects = (k: ChangeKind) => new Set(groups.filter((g) => g.kind === k).map((g) => g.subject)).size;
  const parts: string[] = [];
  const types: string[] = [];
  const removed = subjects('record-removed');
  const added = subjects('record-added');
  const renamed = subjects('record-renamed');
  if (removed) types.push(`${removed} removed`);
  if (added) types.push(`${added} added`);
  if (renamed) types.push(`${renamed} renamed`);
  if (types.length) {
    const n = removed || added || renamed;
    types[0] = types[0]!.replace(/^(\d+) /, `$1 ${n === 1 ? 'record type' : 'record types'} `);
    parts.push(...types);
  }
  // Field changes per record type: "SYSCALL lost 6 fields", "NS_INFO gained pid".
  const perType = new Map<string, string[]>();
  const note = (t: string, s: string) => perType.set(t, [...(perType.get(t) ?? []), s]);
  const fieldsOf = (k: ChangeKind, t: string) => new Set(changes.filter((c) => c.kind === k && recordTypeOf(c) === t).flatMap((c) => c.fields ?? []));
  for (const g of groups) {
    const t = g.subject;
    const done = perType.get(t) ?? [];
    if (g.kind === 'field-removed' && !done.some((d) => d.startsWith('lost'))) note(t, `lost ${plural(fieldsOf('field-removed', t).size, 'field')}`);
    else if (g.kind === 'field-added' && !done.some((d) => d.startsWith('gained'))) note(t, `gained ${plural(fieldsOf('field-added', t).size, 'field')}`);
    else if (g.kind === 'fields-reordered' && !done.includes('reordered fields')) note(t, 'reordered fields');
    else if (g.kind === 'class-changed' && !done.includes('changed value classes')) note(t, 'changed value classes');
    else if ((g.kind === 'shape-added' || g.kind === 'shape-removed') && !done.includes('changed layouts')) note(t, 'changed layouts');
  }
  for (const [t, what] of perType) parts.push(`${t} ${what.join(' and ')}`);
  if (!groups.some((g) => RECORD_KINDS.includes(g.kind))) parts.push('audit records unchanged');
  const ev = groups.filter((g) => EVENT_KINDS.includes(g.kind));
  if (!ev.length) parts.push('connector unchanged');
  else {
    const c: string[] = [];
    const abi = ev.filter((g) => g.kind === 'payload-length');
    const byLength = new Map<string, string[]>();
    for (const g of abi) {
      const k = g.message.match(/length (\S+ → \S+ bytes)/)?.[1] ?? 'length changed';
      byLength.set(k, [...(byLength.get(k) ?? []), ...g.subject.split(', ')]);
    }
    for (const [k, kinds] of byLength) c.push(`ABI CHANGE: ${[...new Set(kinds)].join('/')} payload ${k}`);
    const ea = new Set(ev.filter((g) => g.kind === 'event-added').map((g) => g.subject));
    const er = new Set(ev.filter((g) => g.kind === 'event-removed').map((g) => g.subject));
    const ef = new Set(ev.filter((g) => g.kind === 'event-fields').map((g) => g.subject));
    if (ea.size) c.push(`${[...ea].join('/')} added`);
    if (er.size) c.push(`${[...er].join('/')} no longer seen`);
    if (ef.size) c.push(`${[...ef].join('/')} fields changed`);
    parts.push(`connector: ${c.join(', ')}`);
  }
  const seq = new Set(changes.filter((c) => c.kind === 'sequence').map((c) => c.scenario)).size;
  if (seq) parts.push(`event sequences changed in ${plural(seq, 'scenario')}`);
  const onlyA = changes.filter((c) => c.kind === 'scenario-removed').length;
  const onlyB = changes.filter((c) => c.kind === 'scenario-added').length;
  if (onlyA) parts.push(`${plural(onlyA, 'scenario')} only in ${from}`);
  if (onlyB) parts.push(`${plural(onlyB, 'scenario')} only in ${to}`);
  return parts.join(', ');
}

/** Every change once, with its scenarios; `scenarios` is the list both sides ran. */
export function digestChanges(from: string, to: string, changes: FormatChange[], scenarios?: string[]): FormatDigest {
  const groups = groupChanges(changes.filter((c) => c.kind !== 'sequence')).sort(byOrder);
  const all = scenarios ?? [...new Set(changes.filter((c) => c.kind !== 'scenario-added' && c.kind !== 'scenario-removed').map((c) => c.scenario))];
  return {
    from,
    to,
    headline: headline(changes, from, to),
    scenarios: all,
    records: groups.filter((g) => RECORD_KINDS.includes(g.kind)),
    connector: groups.filter((g) => EVENT_KINDS.includes(g.kind)),
    sequences: groupSequences(changes),
    other: groups.filter((g) => g.kind === 'scenario-added' || g.kind === 'scenario-removed'),
    examples: [],
  };
}

/** "all 14 scenarios", "all but nsenter (13 of 14)" (up to 6 left out), or the names. */
export function scenarioList(scenarios: string[], all: string[]): string {
  const n = scenarios.length;
  if (all.length > 1 && n === all.length && all.every((s) => scenarios.includes(s))) return `all ${all.length} scenarios`;
  const missing = all.filter((s) => !scenarios.includes(s));
  // The complement when it is the shorter list to read (at most 6 names).
  if (all.length >= 4 && n > all.length / 2 && missing.length <= 6 && missing.length < n / 2 && scenarios.every((s) => all.includes(s))) return `all but ${missing.join(', ')} (${n} of ${all.length})`;
  return scenarios.length > 3 ? `${n} scenarios: ${scenarios.join(', ')}` : scenarios.join(', ');
}

/** The example line of a record type, from the scenarios given first, else from any. */
export function exampleOf(sig: FormatSignature, type: string, prefer: string[] = []): string | undefined {
  const order = [...prefer.filter((s) => sig.scenarios[s]), ...Object.keys(sig.scenarios).filter((s) => !prefer.includes(s))];
  for (const s of order) {
    const ex = sig.scenarios[s]!.records.find((r) => r.type === type)?.example;
    if (ex) return ex;
  }
  return undefined;
}

/** The digest of two signatures ("all scenarios" = the scenarios both have), with example lines. */
export function digestSignatures(a: FormatSignature, b: FormatSignature, changes: FormatChange[]): FormatDigest {
  const d = digestChanges(a.series, b.series, changes, Object.keys(a.scenarios).filter((s) => b.scenarios[s]));
  const seen = new Set<string>();
  for (const g of d.records) {
    if (seen.has(g.subject)) continue;
    seen.add(g.subject);
    const change = g.kind === 'record-added' ? 'added' : g.kind === 'record-removed' ? 'removed' : g.kind === 'record-renamed' ? 'renamed' : 'changed';
    const oldType = g.kind === 'record-renamed' ? (changes.find((c) => c.kind === 'record-renamed' && c.subject === g.subject)?.renamedFrom ?? g.subject) : g.subject;
    const before = change === 'added' ? undefined : exampleOf(a, oldType, g.scenarios);
    const after = change === 'removed' ? undefined : exampleOf(b, g.subject, g.scenarios);
    d.examples.push({ type: g.subject, change, ...(before ? { before } : {}), ...(after ? { after } : {}) });
  }
  for (const g of d.connector) {
    for (const kind of g.subject.split(', ')) {
      const type = `connector ${kind}`;
      if (seen.has(type)) continue;
      seen.add(type);
      const change = g.kind === 'event-added' ? 'added' : g.kind === 'event-removed' ? 'removed' : 'changed';
      const before = change === 'added' ? undefined : eventExampleOf(a, kind, g.scenarios);
      const after = change === 'removed' ? undefined : eventExampleOf(b, kind, g.scenarios);
      d.examples.push({ type, change, ...(before ? { before } : {}), ...(after ? { after } : {}) });
    }
  }
  return d;
}

function eventExampleOf(sig: FormatSignature, kind: string, prefer: string[]): string | undefined {
  const order = [...prefer.filter((s) => sig.scenarios[s]), ...Object.keys(sig.scenarios).filter((s) => !prefer.includes(s))];
  for (const s of order) {
    const ex = sig.scenarios[s]!.events.find((e) => e.kind === kind)?.example;
    if (ex) return ex;
  }
  return undefined;
}

// Small pure helpers scenarios use to state what must be seen in records and events.
import type { Check } from '../core/scenario.js';
import type { AuditRecord, CnEvent } from '../core/types.js';
import { field } from '../parse/audit.js';

/** x86_64 syscall numbers as SYSCALL records print them (syscall=272). */
export const SYSCALL_NR = { clone: 56, fork: 57, execve: 59, unshare: 272, setns: 308, clone3: 435 } as const;

/** The proc-connector `what` of namespace events (rfc-v1 PROC_EVENT_NM, rfc-v2 PROC_EVENT_NS). */
export const CN_WHAT_NS = 0x400;

/** Fixed size of struct proc_event in 6.12: what, cpu, timestamp_ns and the 24-byte union. */
export const PROC_EVENT_SIZE_6_12 = 40;

export function check(name: string, ok: boolean, message: string, excerpt?: string[]): Check {
  return { name, ok, message, excerpt };
}

export function checkEqual<T>(name: string, actual: T, expected: T, excerpt?: string[]): Check {
  const ok = JSON.stringify(actual) === JSON.stringify(expected);
  return { name, ok, message: ok ? `${JSON.stringify(actual)}` : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`, excerpt: ok ? undefined : excerpt };
}

/** The inode number in a namespace link: "net:[4026532142]" (readlink) or an `ls -l` line. */
export function nsInode(text: string | undefined): number | null {
  const m = /\w+:\[(\d+)\]/.exec(text ?? '');
  return m ? Number(m[1]) : null;
}

export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Pids forked by `parent` (fork events with parent_tgid = parent), in order. */
export function childrenOf(events: CnEvent[], parent: number): number[] {
  return events.filter((e) => e.kind === 'fork' && num(e.data.parent_tgid) === parent).map((e) => num(e.data.child_pid));
}

/** Events about one process: fork as the child, and everything with pid = it. */
export function eventsOfPid(events: CnEvent[], pid: number): CnEvent[] {
  return events.filter((e) => (e.kind === 'fork' ? num(e.data.child_pid) === pid || num(e.data.parent_pid) === pid : num(e.data.pid) === pid));
}

/** Namespace events, decoded or not (an undecoded 0x400 is still a namespace event). */
export function nsEvents(events: CnEvent[]): CnEvent[] {
  return events.filter((e) => e.what === CN_WHAT_NS);
}

export function describeEvent(e: CnEvent): string {
  return `${e.kind} what=0x${e.what.toString(16)} len=${e.len} ${JSON.stringify(e.data)}`;
}

/** SYSCALL records of one syscall number, optionally of one pid. */
export function syscallRecords(records: AuditRecord[], nr: number, pid?: number): AuditRecord[] {
  return records.filter((r) => r.type === 'SYSCALL' && field(r, 'syscall') === String(nr) && (pid === undefined || field(r, 'pid') === String(pid)));
}

export function recordsOfType(records: AuditRecord[], type: string): AuditRecord[] {
  return records.filter((r) => r.type === type);
}

/** The single value of a `KPH name=value` note, or undefined. */
export function note(notes: Record<string, string[]>, name: string): string | undefined {
  return notes[name]?.at(-1);
}

// ---- namespace events (proc-connector-ns): one view over both layouts -------------------------

/** One namespace change an event reports. */
export interface NsChange {
  type: string;
  old: number;
  new: number;
}

/** What one clone/unshare/setns call changed, as the scenario's guest script saw it. */
export interface NsCall {
  pid: number;
  reason: 'clone' | 'unshare' | 'setns';
  /** Every namespace the call changed (user included), old and new inode as readlink shows them. */
  changes: NsChange[];
}

/** rfc-v2 item order (and that of its snapshot): mnt, uts, ipc, net, pid, cgroup, time, user. */
export const NS_ORDER_V2 = ['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup', 'time', 'user'];
/** rfc-v1 sends one event per type in this order (nsproxy_ns_connector); no user namespaces. */
export const NS_ORDER_V1 = ['mnt', 'uts', 'ipc', 'net', 'cgroup', 'pid', 'time'];

/** The namespace-event layout a series promises: 'v1', 'v2', or null (none promised). */
export function nsLayout(provides: Set<string>): 'v1' | 'v2' | null {
  return provides.has('cn-ns-events:v1') ? 'v1' : provides.has('cn-ns-events:v2') ? 'v2' : null;
}

/** The changes of a decoded namespace event: rfc-v1's single (type, old, new), rfc-v2's items. */
export function nsChanges(e: CnEvent): NsChange[] {
  if (e.data.layout === 'v2') {
    const items = (e.data.items as { type: string; old_inum: number; inum: number }[] | undefined) ?? [];
    return items.map((i) => ({ type: i.type, old: num(i.old_inum), new: num(i.inum) }));
  }
  if (e.data.layout === 'v1') return [{ type: String(e.data.type), old: num(e.data.old_inum), new: num(e.data.inum) }];
  return [];
}

/** A namespace event reduced to what the expectations compare (pid, reason, layout, count, changes). */
export function nsEventView(e: CnEvent): string {
  const changes = nsChanges(e).map((c) => `${c.type} ${c.old}→${c.new}`).join(', ');
  return `pid=${num(e.data.pid)} ${e.data.layout ?? 'undecoded'} reason=${String(e.data.reason)}${e.data.layout === 'v2' ? ` count=${num(e.data.count)}` : ''} [${changes}]`;
}

/** The events a layout must send for these calls, in the form nsEventView prints. */
export function expectedNsEvents(calls: NsCall[], layout: 'v1' | 'v2'): string[] {
  const out: string[] = [];
  for (const c of calls) {
    if (layout === 'v2') {
      const ch = [...c.changes].sort((a, b) => NS_ORDER_V2.indexOf(a.type) - NS_ORDER_V2.indexOf(b.type));
      out.push(`pid=${c.pid} v2 reason=${c.reason} count=${ch.length} [${ch.map((x) => `${x.type} ${x.old}→${x.new}`).join(', ')}]`);
    } else {
      const ch = c.changes.filter((x) => NS_ORDER_V1.includes(x.type)).sort((a, b) => NS_ORDER_V1.indexOf(a.type) - NS_ORDER_V1.indexOf(b.type));
      for (const x of ch) out.push(`pid=${c.pid} v1 reason=${c.reason === 'clone' ? 'clone' : 'set'} [${x.type} ${x.old}→${x.new}]`);
    }
  }
  return out;
}

/**
 * The namespace events of a capture against the calls the guest made, per revision:
 * v1 one event per changed namespace (no user), reason clone or set; v2 one event per call
 * with every change in item order; without the capability, no namespace event at all.
 * `events` should be every namespace event of the window (nsEvents), so extra events fail.
 */
export function checkNsEvents(events: CnEvent[], calls: NsCall[], provides: Set<string>, what: string): Check[] {
  const layout = nsLayout(provides);
  const seen = events.map(nsEventView);
  if (!layout) {
    if (provides.has('cn-ns-events')) return [check(`${what}: namespace events in a known layout`, false, 'the series provides cn-ns-events but neither :v1 nor :v2')];
    return [check(`${what}: no namespace events without the capability`, events.length === 0, `${events.length} namespace event(s)`, seen.slice(0, 10))];
  }
  const bad = calls.flatMap((c) => c.changes.filter((x) => !Number.isFinite(x.old) || !Number.isFinite(x.new) || x.old <= 0 || x.new <= 0 || x.old === x.new).map((x) => `pid ${c.pid} ${x.type}: ${x.old} → ${x.new}`));
  const checks = [check(`${what}: the guest saw every namespace change (readlink before ≠ after)`, bad.length === 0 && calls.every((c) => c.pid > 0), bad.length ? bad.join('; ') : `${calls.length} call(s)`, bad)];
  const want = expectedNsEvents(calls, layout);
  checks.push(checkEqual(`${what}: ${layout} events (pid, reason, count, types, old → new inode)`, seen, want, [...seen.map((l) => `got  ${l}`), ...want.map((l) => `want ${l}`)].slice(0, 40)));
  return checks;
}

/** A `KPH name=<type>:[inode]` note as an inode number (NaN when missing). */
export function noteInode(notes: Record<string, string[]>, name: string): number {
  return nsInode(note(notes, name)) ?? Number.NaN;
}

/** Changes for these types from `KPH <before>_<type>` and `KPH <after>_<type>` notes. */
export function changesFromNotes(notes: Record<string, string[]>, types: string[], before: string, after: string, linkOf: (t: string) => string = (t) => t): NsChange[] {
  return types.map((t) => ({ type: t, old: noteInode(notes, `${before}_${linkOf(t)}`), new: noteInode(notes, `${after}_${linkOf(t)}`) }));
}

/** Records whose type is one of the names (NS_INFO, AUDIT_NS_INIT_NET, ...). */
export function recordsNamed(records: AuditRecord[], ...types: string[]): AuditRecord[] {
  return records.filter((r) => types.includes(r.type));
}

/**
 * Records a series added (1340-1399, named through series.json or still UNKNOWN[n]), but NSID
 * (1357): audit-nsid logs one on every namespace change whatever the scenario, so scenarios about
 * other series would see it; the nsid-* scenarios check its presence and absence (checkNoNsid).
 */
export function seriesRecords(records: AuditRecord[]): AuditRecord[] {
  return records.filter((r) => r.typeNumber !== null && r.typeNumber >= 1340 && r.typeNumber <= 1399 && r.typeNumber !== NSID_RECORD);
}

/** Records in the same audit event (same timestamp and serial) as `r`. */
export function sameEvent(records: AuditRecord[], r: AuditRecord): AuditRecord[] {
  return records.filter((x) => x.serial === r.serial && x.timestamp === r.timestamp);
}

/** Index of the USER record `auditctl -m "kph-step NAME"` wrote, or -1. */
export function stepIndex(records: AuditRecord[], name: string): number {
  return records.findIndex((r) => r.type === 'USER' && (field(r, 'msg') ?? '').replace(/^text=/, '').startsWith(`kph-step ${name}`));
}

/** Hex serial as the kernel prints it (no 0x, lower case), from a _snum file's content. */
export function hexSerial(text: string | undefined): string | null {
  const t = (text ?? '').trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]+$/.test(t) ? t : null;
}

/** The check 15 scenarios start with: the guest script exited 0 (its stderr as the excerpt). */
export function scriptExitedZero(guest: { exitCode: number; stderr: string }): Check {
  return checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n'));
}

/** The check for a scenario that ran the listener but has no output from it. */
export const NO_LISTENER_OUTPUT: Check = { name: 'listener output', ok: false, message: 'no listener output' };

// ---- audit-nsid (seed 004's strawman): the NSID record ---------------------------------------

/** The record number audit-nsid@strawman gives NSID (kernel-patches/audit-nsid/strawman). */
export const NSID_RECORD = 1357;

/** CLONE_NEW* flags as the NSID record's nsflags= prints them (hex, no 0x). */
export const CLONE_NEW: Record<string, number> = {
  cgroup: 0x02000000,
  ipc: 0x08000000,
  mnt: 0x00020000,
  net: 0x40000000,
  pid: 0x20000000,
  time: 0x00000080,
  user: 0x10000000,
  uts: 0x04000000,
};

/** The namespace links an NSID record lists (<link>_inum=), in its order. */
export const NSID_LINKS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts'];

/** One NSID record, decoded. Ids stay hex strings as logged (compare with BigInt). */
export interface Nsid {
  op: string;
  pid: number;
  auditnsid: string;
  nsflags: number;
  newPid: number | null;
  newAuditnsid: string;
  inums: Record<string, number>;
  res: string;
  record: AuditRecord;
}

/** NSID records (by number, so a capture judged without the series' names still counts). */
export function nsidRecords(records: AuditRecord[]): AuditRecord[] {
  return records.filter((r) => r.typeNumber === NSID_RECORD || r.type === 'NSID');
}

export function parseNsid(r: AuditRecord): Nsid {
  const inums: Record<string, number> = {};
  for (const l of NSID_LINKS) inums[l] = Number(field(r, `${l}_inum`) ?? Number.NaN);
  const newPid = field(r, 'new_pid');
  return {
    op: field(r, 'op') ?? '',
    pid: Number(field(r, 'pid') ?? Number.NaN),
    auditnsid: field(r, 'auditnsid') ?? '',
    nsflags: Number.parseInt(field(r, 'nsflags') ?? 'NaN', 16),
    newPid: newPid === undefined ? null : Number(newPid),
    newAuditnsid: field(r, 'new_auditnsid') ?? '',
    inums,
    res: field(r, 'res') ?? '',
    record: r,
  };
}

/** The NSID records of a capture, decoded, optionally of one pid (the caller). */
export function nsids(records: AuditRecord[], pid?: number): Nsid[] {
  return nsidRecords(records)
    .map(parseNsid)
    .filter((n) => pid === undefined || n.pid === pid);
}

/** An auditnsid as a number to compare ("0000002a" → 42n); -1n when not hex. */
export function nsidValue(id: string | undefined): bigint {
  return /^[0-9a-f]{8,16}$/.test(id ?? '') ? BigInt(`0x${id}`) : -1n;
}

/** Without audit-nsid: the kernel logs no NSID record at all. */
export function checkNoNsid(records: AuditRecord[]): Check {
  const ours = nsidRecords(records);
  return check('no NSID records without the series', ours.length === 0, `${ours.length} NSID record(s)`, ours.slice(0, 5).map((r) => r.line));
}

/** The inodes of links in `KPH <prefix>_<link>=net:[N]` notes, keyed by link. */
export function linkInodes(notes: Record<string, string[]>, prefix: string, links: string[] = NSID_LINKS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of links) out[l] = noteInode(notes, `${prefix}_${l}`);
  return out;
}

/** Links whose inode in an NSID record differs from what the guest read (empty when all match). */
export function inumMismatches(n: Nsid, want: Record<string, number>): string[] {
  return Object.entries(want)
    .filter(([l, v]) => n.inums[l] !== v)
    .map(([l, v]) => `${l}_inum=${n.inums[l]} but readlink ${v}`);
}

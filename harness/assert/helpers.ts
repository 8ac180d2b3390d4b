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

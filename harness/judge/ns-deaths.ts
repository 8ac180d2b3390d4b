// Namespaces that never die: the second kind of `leak` (issue 18), for series whose records say
// when a namespace is made and when it is freed (ns-serial V5: AUDIT_NS_INIT_<T> 1341-1348 in
// the creating task's event, AUDIT_NS_DEL_<T> 1349-1356 when the last reference goes). Pure,
// but for the text of the guest's shell step.
//
// After a scenario the guest survived, every namespace its window's INIT records made and its
// DEL records did not free is waited for (the DEL of a network namespace comes from cleanup_net
// on a workqueue, of a user namespace from another; both after the scenario's end marker): the
// guest polls auditd's log for the missing DEL records for a bounded time, then names the tasks
// still in each namespace that is left (/proc/<pid>/ns/<t>_snum, ns-serial's own files). A
// namespace with no DEL record by then and no task in it is the series' leak: verdict `leak`
// (E_NS_LEAK, exit 1, never a pass) naming its type, its serial and the task that made it. One
// a task still holds is no leak (the scenario left it running): a note. Like kmemleak's leak,
// only a pass becomes `leak`; a worse verdict keeps itself and the leak goes to a note.
import type { AuditRecord, Failure, Verdict } from '../core/types.js';
import { field, parseAuditLog } from '../parse/audit.js';

/** The INIT and DEL record numbers of each namespace type a series names (`NS_INIT_NET`/`AUDIT_NS_DEL_NET`, ...). */
export interface NsFamily {
  /** NET, MNT, ...: as in the record names. */
  type: string;
  init: number;
  del: number;
}

/** Every note this module writes starts so. */
export const NS_LEAK_NOTE = 'namespace leak: ';

/** How long the guest waits for the DEL records after the scenario (multiplied by a profile's scenario factor). */
export const NS_DEATH_WAIT_MS = 10_000;

/** The series' INIT/DEL families from its records map (series.json `records`); none: the check does not apply. */
export function nsFamilies(records: Record<string, string> | undefined): NsFamily[] {
  const init = new Map<string, number>();
  const del = new Map<string, number>();
  for (const [num, name] of Object.entries(records ?? {})) {
    const m = /^(?:AUDIT_)?NS_(INIT|DEL)_([A-Z]+)$/.exec(name);
    if (!m) continue;
    (m[1] === 'INIT' ? init : del).set(m[2]!, Number(num));
  }
  return [...init].filter(([t]) => del.has(t)).map(([type, n]) => ({ type, init: n, del: del.get(type)! }));
}

/** The field that carries a namespace's serial in its INIT and DEL records: `netns` for NET. */
const serialField = (type: string) => `${type.toLowerCase()}ns`;

/** A namespace a scenario's window made and did not see freed. */
export interface PendingNs {
  family: NsFamily;
  serial: string;
  /** The INIT record that made it. */
  init: AuditRecord;
}

/** The namespaces the window's INIT records made whose DEL record is not in the window. */
export function pendingNamespaces(window: AuditRecord[], families: NsFamily[]): PendingNs[] {
  const deleted = new Set<string>();
  for (const r of window) {
    const f = families.find((x) => x.del === r.typeNumber);
    const s = f && field(r, serialField(f.type));
    if (s) deleted.add(`${f.type} ${s}`);
  }
  const out: PendingNs[] = [];
  for (const r of window) {
    const f = families.find((x) => x.init === r.typeNumber);
    const s = f && field(r, serialField(f.type));
    if (s && !deleted.has(`${f.type} ${s}`) && !out.some((p) => p.family.type === f.type && p.serial === s)) out.push({ family: f, serial: s, init: r });
  }
  return out;
}

/** A serial as a pattern-safe token (the records log it in hex). */
const safeSerial = (s: string) => (/^[0-9a-fA-F]+$/.test(s) ? s : null);

/**
 * Guest shell (bash): wait up to `waitMs` for the DEL record of every pending namespace in
 * auditd's log, print `waited-ms N` and the DEL records found, and for each one still missing the
 * tasks in it (`holder TYPE SERIAL PID COMM`, from ns-serial's /proc/<pid>/ns/<t>*_snum files;
 * none where the kernel has no such files). One grep per poll: every program costs under TCG.
 */
export function nsDeathScript(pending: PendingNs[], waitMs: number, log = '/var/log/audit/audit.log'): string {
  const items = pending.map((p) => ({ p, s: safeSerial(p.serial) })).filter((x): x is { p: PendingNs; s: string } => x.s !== null);
  const patterns = items.map(({ p, s }) => `^type=(UNKNOWN\\[${p.family.del}\\]|(AUDIT_)?NS_DEL_${p.family.type}) .* ${serialField(p.family.type)}=${s} res=1$`);
  const holders = items.map(({ p, s }) => {
    const t = p.family.type.toLowerCase();
    return `grep -qE '${patterns[items.findIndex((x) => x.p === p)]}' ${log} || for f in $(grep -lx '${s}' /proc/[0-9]*/ns/${t}*_snum 2>/dev/null); do q=\${f#/proc/}; q=\${q%%/*}; echo "holder ${p.family.type} ${s} $q $(cat /proc/$q/comm 2>/dev/null)"; done`;
  });
  return `set -u
pat='${patterns.join('|')}'
start=$EPOCHREALTIME
deadline=$(( \${start/./} / 1000 + ${Math.max(0, Math.round(waitMs))} ))
while :; do
	n=$(grep -cE "$pat" ${log})
	[ "$n" -ge ${items.length} ] && break
	now=$EPOCHREALTIME
	[ $(( \${now/./} / 1000 )) -ge $deadline ] && break
	sleep 0.2
done
now=$EPOCHREALTIME
echo "bound-ms ${Math.max(0, Math.round(waitMs))}"
echo "waited-ms $(( (\${now/./} - \${start/./}) / 1000 ))"
grep -E "$pat" ${log}
${holders.join('\n')}
exit 0
`;
}

/** What the guest's step printed (ns-deaths.txt). */
export interface NsDeathReport {
  /** How long the guest would wait (the bound), and how long it did. */
  boundMs: number | null;
  waitedMs: number | null;
  dels: AuditRecord[];
  holders: { type: string; serial: string; pid: number; comm: string }[];
}

export function parseNsDeathReport(text: string, names: Record<string, string> = {}): NsDeathReport {
  const lines = text.split('\n');
  const waited = lines.map((l) => /^waited-ms (\d+)$/.exec(l)).find(Boolean);
  const bound = lines.map((l) => /^bound-ms (\d+)$/.exec(l)).find(Boolean);
  const holders = lines.flatMap((l) => {
    const m = /^holder ([A-Z]+) (\S+) (\d+) ?(.*)$/.exec(l);
    return m ? [{ type: m[1]!, serial: m[2]!, pid: Number(m[3]), comm: m[4]! }] : [];
  });
  return { boundMs: bound ? Number(bound[1]) : null, waitedMs: waited ? Number(waited[1]) : null, dels: parseAuditLog(lines.filter((l) => l.startsWith('type=')).join('\n'), names), holders };
}

export interface NsDeathOutcome {
  failures: Failure[];
  notes: string[];
  /** `namespace leak: NET` of the first leaked type; none when nothing leaked. */
  signature?: string;
}

const creator = (r: AuditRecord) => {
  const pid = field(r, 'pid');
  return pid ? `pid ${pid}` : 'a task';
};

/**
 * Which pending namespaces leaked, given what the guest's step found: freed ones (a DEL record
 * after the window) are fine; held ones (a task still in them) are a note; the rest are E_NS_LEAK.
 */
export function judgeNsDeaths(pending: PendingNs[], report: NsDeathReport): NsDeathOutcome {
  const waitMs = report.boundMs ?? report.waitedMs ?? 0;
  const freed = new Set<string>();
  const families = pending.map((p) => p.family);
  for (const r of report.dels) {
    const f = families.find((x) => x.del === r.typeNumber);
    const s = f && field(r, serialField(f.type));
    if (s) freed.add(`${f.type} ${s}`);
  }
  const failures: Failure[] = [];
  const notes: string[] = [];
  for (const p of pending) {
    if (freed.has(`${p.family.type} ${p.serial}`)) continue;
    const held = report.holders.filter((h) => h.type === p.family.type && h.serial === p.serial);
    const what = `${p.family.type.toLowerCase()} namespace ${p.serial} (made by ${creator(p.init)}: ${p.init.type})`;
    if (held.length) {
      notes.push(`${NS_LEAK_NOTE}${what} is still in use after the scenario, by ${held.map((h) => `pid ${h.pid} (${h.comm})`).join(', ')}: not a leak (the scenario left it running)`);
      continue;
    }
    failures.push({
      code: 'E_NS_LEAK',
      message: `${NS_LEAK_NOTE}${what} was not freed within ${(waitMs / 1000).toFixed(0)} s after the scenario ended, and no task is in it: no AUDIT_NS_DEL_${p.family.type} (${p.family.del}) for ${serialField(p.family.type)}=${p.serial}`,
      excerpt: [p.init.line, `waited ${report.waitedMs ?? '?'} ms for its DEL record; /proc/*/ns/${p.family.type.toLowerCase()}*_snum: no task holds ${p.serial}`],
    });
  }
  return { failures, notes, ...(failures.length ? { signature: `namespace leak: ${failures.map((f) => /^namespace leak: (\w+) namespace/.exec(f.message)![1]).filter((t, i, a) => a.indexOf(t) === i).join(', ')}` } : {}) };
}

/** The row's verdict given its namespace leaks: a pass becomes `leak`; a worse verdict keeps itself, the leaks in a note. */
export function applyNsDeaths(verdict: Verdict, failures: Failure[], notes: string[], o: NsDeathOutcome): { verdict: Verdict; failures: Failure[]; notes: string[]; signature?: string } {
  const all = [...notes, ...o.notes];
  if (!o.failures.length) return { verdict, failures, notes: all };
  if (verdict !== 'pass' && verdict !== 'leak') return { verdict, failures, notes: [...all, ...o.failures.map((f) => `also: ${f.message}`)] };
  return { verdict: 'leak', failures: [...o.failures, ...failures], notes: all, ...(o.signature ? { signature: o.signature } : {}) };
}

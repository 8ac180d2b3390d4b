// audit-nsid, the strawman's reason to exist: N unshare(CLONE_NEWNET) calls in one process
// (kph-unshare-loop) with no audit rule loaded: N NSID records, each new_auditnsid larger than
// the one before (so never reused), each auditnsid the previous new one, while net_inum values
// repeat (proc inode numbers of freed namespaces come back); each with its unshare's SYSCALL
// record (same serial: a record logged inside a syscall makes audit log the syscall, rule or
// not). Without the series: no NSID record, and no unshare SYSCALL record but those of a kernel
// that logs records of its own in unshare (ns-serial).
import { check, checkEqual, checkNoNsid, CLONE_NEW, nsids, nsidValue, SYSCALL_NR, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

interface LoopOutput {
  pid: number;
  calls: number;
  first: number;
  last: number;
  per_sec: number;
}

/** Records audit adds to a syscall's own event: not logged by the kernel code the syscall ran. */
const SYSCALL_COMPANIONS = new Set(['SYSCALL', 'PROCTITLE', 'CWD', 'PATH', 'EOE']);

function loopOutput(stdout: string): LoopOutput | null {
  const line = stdout.split('\n').find((l) => l.startsWith('{"pid"'));
  return line ? (JSON.parse(line) as LoopOutput) : null;
}

export default defineScenario({
  name: 'nsid-never-reused',
  description: 'N unshare -n calls, no audit rule: N NSID records, new ids strictly increasing while net_inum values repeat (audit-nsid)',
  needs: { config: ['CONFIG_NET_NS=y'] },
  params: { N: 1000 },
  script: `
kph-unshare-loop -n "$N" -t net
`,
  timeoutSec: 600,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    const n = Number(ctx.params.N);
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const out = loopOutput(guest.stdout);
    if (!out) return [...checks, check('kph-unshare-loop output', false, 'no JSON line on stdout')];
    checks.push(checkEqual('unshare calls made', out.calls, n));
    const sys = syscallRecords(audit.records, SYSCALL_NR.unshare, out.pid);
    // No rule is loaded: without the series an unshare is logged only when the kernel logged a
    // record of its own inside it (ns-serial logs the new namespace there), never alone.
    if (!provides.has('audit-nsid')) {
      const own = new Set(audit.records.filter((r) => !SYSCALL_COMPANIONS.has(r.type)).map((r) => r.serial));
      const alone = sys.filter((r) => !own.has(r.serial));
      return [
        ...checks,
        check('no audit rule: no unshare SYSCALL record without a record the kernel logged inside that unshare', alone.length === 0, `${sys.length} unshare SYSCALL records, ${alone.length} alone`, alone.slice(0, 3).map((r) => r.line)),
        checkNoNsid(audit.records),
      ];
    }
    const recs = nsids(audit.records, out.pid);
    // With it, the NSID record is logged inside the syscall, so audit logs that syscall too
    // (any record in a syscall makes its SYSCALL record due): one per NSID record, same serial.
    const serials = new Set(sys.map((r) => r.serial));
    checks.push(check('each NSID record shares its serial with its unshare SYSCALL record (logged although no rule is loaded)', sys.length === n && recs.every((r) => serials.has(r.record.serial)), `${sys.length} SYSCALL records for ${recs.length} NSID records`));
    checks.push(check(`${n} NSID records (logged without any rule), op=unshare nsflags=40000000`, recs.length === n && recs.every((r) => r.op === 'unshare' && r.nsflags === CLONE_NEW.net), `${recs.length} records`, recs.filter((r) => r.op !== 'unshare' || r.nsflags !== CLONE_NEW.net).slice(0, 3).map((r) => r.record.line)));
    const ids = recs.map((r) => nsidValue(r.newAuditnsid));
    const bad = ids.findIndex((v, i) => v <= 0n || (i > 0 && v <= ids[i - 1]!));
    checks.push(check('new ids strictly increase (so never repeat)', bad === -1 && new Set(ids).size === ids.length, bad === -1 ? `${recs[0]?.newAuditnsid} … ${recs.at(-1)?.newAuditnsid}` : `record ${bad}: ${recs[bad - 1]?.newAuditnsid} then ${recs[bad]?.newAuditnsid}`));
    const chain = recs.findIndex((r, i) => i > 0 && r.auditnsid !== recs[i - 1]!.newAuditnsid);
    checks.push(check("each record's auditnsid = the previous record's new_auditnsid", chain === -1, chain === -1 ? 'a single chain' : `record ${chain}: ${recs[chain]!.record.line}`));
    const inums = new Set(recs.map((r) => r.inums.net));
    checks.push(check('net_inum values repeat (why the ids are needed)', inums.size < recs.length, `${inums.size} distinct net_inum in ${recs.length} records`));
    checks.push(checkEqual('the last net_inum = the inode the loop ended in', recs.at(-1)?.inums.net, out.last));
    return checks;
  },
  measure(ctx): Record<string, number> {
    const out = loopOutput(ctx.guest.stdout);
    if (!out) return {};
    return { unsharePerSec: Math.round(out.per_sec), nsidRecords: nsids(ctx.audit.records, out.pid).length };
  },
});

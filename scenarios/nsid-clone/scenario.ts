// audit-nsid: clone(CLONE_NEWNS|CLONE_NEWNET) by kph-clone-ns logs one NSID record in the
// parent's clone event: op=clone pid=<parent> auditnsid=<parent's id> nsflags=40020000
// new_pid=<child> new_auditnsid=<child's id>, the child's ten namespace links; the parent's own
// id is the same after the clone (only the child gets a new one). Without the series: no NSID
// record, no /proc/<pid>/auditnsid.
import { check, checkEqual, checkNoNsid, CLONE_NEW, inumMismatches, linkInodes, note, nsids, nsidValue, sameEvent, SYSCALL_NR, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

const FLAGS = CLONE_NEW.mnt! | CLONE_NEW.net!;

export default defineScenario({
  name: 'nsid-clone',
  description: 'clone(CLONE_NEWNS|CLONE_NEWNET): one NSID op=clone, new_pid = the child, the parent keeps its id (audit-nsid)',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S clone,clone3 -k kph-nsid'],
  script: `
kph-clone-ns -f 0x${FLAGS.toString(16)}
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const parent = Number(note(guest.notes, 'parent'));
    const child = Number(note(guest.notes, 'child'));
    const sys = syscallRecords(audit.records, SYSCALL_NR.clone, parent).filter((r) => field(r, 'exit') === String(child));
    checks.push(checkEqual('one audited clone returning the child', sys.length, 1));
    if (!provides.has('audit-nsid')) {
      checks.push(checkNoNsid(audit.records));
      checks.push(checkEqual('no /proc/<pid>/auditnsid without the series', note(guest.notes, 'child_auditnsid'), 'none'));
      return checks;
    }
    const recs = nsids(audit.records, parent);
    checks.push(checkEqual('one NSID record with pid = the parent', recs.length, 1, recs.map((r) => r.record.line)));
    const n = recs[0];
    if (!n) return checks;
    const line = [n.record.line];
    checks.push(check('op=clone nsflags=40020000 new_pid=<child> res=1', n.op === 'clone' && n.nsflags === FLAGS && n.newPid === child && n.res === '1', `op=${n.op} nsflags=${n.nsflags.toString(16)} new_pid=${n.newPid} res=${n.res}`, line));
    const bad = inumMismatches(n, linkInodes(guest.notes, 'child'));
    checks.push(check("every <link>_inum = the child's link", bad.length === 0, bad.length ? bad.join('; ') : 'all 10 match', line));
    checks.push(checkEqual("auditnsid = the parent's id", n.auditnsid, note(guest.notes, 'parent_auditnsid_before'), line));
    checks.push(checkEqual("new_auditnsid = the child's /proc/<pid>/auditnsid", n.newAuditnsid, note(guest.notes, 'child_auditnsid'), line));
    checks.push(check('the child id is new (larger than the parent\'s)', nsidValue(n.newAuditnsid) > nsidValue(n.auditnsid) && nsidValue(n.auditnsid) > 0n, `${n.auditnsid} → ${n.newAuditnsid}`));
    checks.push(checkEqual("the parent's own id is unchanged by the clone", note(guest.notes, 'parent_auditnsid_after'), note(guest.notes, 'parent_auditnsid_before')));
    const s = sameEvent(audit.records, n.record).find((r) => r.type === 'SYSCALL');
    checks.push(check('same serial as the clone SYSCALL record', s !== undefined && s === sys[0], s ? s.line : `no SYSCALL with serial ${n.record.serial}`));
    return checks;
  },
});

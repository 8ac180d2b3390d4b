// audit-nsid: the id is per task. kph-clone-thread makes a thread with CLONE_THREAD|CLONE_NEWNET
// and then a child with CLONE_VFORK|CLONE_NEWUTS. Two NSID records with pid = the tgid:
// op=clone nsflags=40000000 new_pid = the new thread's tid, new_auditnsid = what the thread reads
// in /proc/thread-self/auditnsid, net_inum = its net link; then op=clone nsflags=04000000
// new_pid = the vfork child, its id and uts link. The main thread's id never changes; both
// records are in their clone SYSCALL's event. Without the series: the thread is in a new net
// namespace all the same, and there is no NSID record.
import { check, checkEqual, checkNoNsid, CLONE_NEW, note, noteInode, nsids, sameEvent, SYSCALL_NR, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'nsid-thread',
  description: 'clone of a thread with CLONE_NEWNET and a CLONE_VFORK child with CLONE_NEWUTS: per-task ids, new_pid = tid (audit-nsid)',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_UTS_NS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S clone,clone3 -k kph-nsid'],
  script: `
kph-clone-thread
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    const n = (k: string) => note(guest.notes, k);
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const tgid = Number(n('tgid'));
    const tid = Number(n('thread_tid'));
    const child = Number(n('vfork_child'));
    checks.push(check('the thread ran in a new net namespace (a tid of its own)', tid > 0 && tid !== tgid && n('thread_done') === '1' && noteInode(guest.notes, 'thread_net') !== noteInode(guest.notes, 'main_net'), `tgid ${tgid}, tid ${tid}, ${n('main_net')} → ${n('thread_net')}`));
    const sys = syscallRecords(audit.records, SYSCALL_NR.clone, tgid);
    checks.push(checkEqual('audit: two clone SYSCALL records returning the tid and the child', sys.map((r) => field(r, 'exit')), [String(tid), String(child)]));
    if (!provides.has('audit-nsid')) return [...checks, checkNoNsid(audit.records)];
    const recs = nsids(audit.records, tgid);
    const lines = recs.map((r) => r.record.line);
    checks.push(checkEqual('two NSID records with pid = the tgid', recs.length, 2, lines));
    const [t, v] = recs;
    if (!t || !v) return checks;
    checks.push(check('thread: op=clone nsflags=40000000 new_pid = the tid, new_auditnsid = the thread\'s own id, net_inum = its net', t.op === 'clone' && t.nsflags === CLONE_NEW.net && t.newPid === tid && t.newAuditnsid === n('thread_auditnsid') && t.inums.net === noteInode(guest.notes, 'thread_net'), `new_pid=${t.newPid} new_auditnsid=${t.newAuditnsid} (thread read ${n('thread_auditnsid')}) net_inum=${t.inums.net}`, [t.record.line]));
    checks.push(check('vfork: op=clone nsflags=04000000 new_pid = the child, its id and uts', v.op === 'clone' && v.nsflags === CLONE_NEW.uts && v.newPid === child && v.newAuditnsid === n('vfork_auditnsid') && v.inums.uts === noteInode(guest.notes, 'vfork_uts'), `new_pid=${v.newPid} new_auditnsid=${v.newAuditnsid} (child read ${n('vfork_auditnsid')})`, [v.record.line]));
    checks.push(checkEqual("the main thread's id: in both records, and unchanged after each clone", [t.auditnsid, v.auditnsid, n('main_auditnsid_after'), n('main_auditnsid_end')], Array(4).fill(n('main_auditnsid_before'))));
    checks.push(check('the thread and the child got different new ids', t.newAuditnsid !== v.newAuditnsid && t.newAuditnsid !== t.auditnsid, `${t.newAuditnsid}, ${v.newAuditnsid}`));
    const unpaired = recs.filter((r) => !sameEvent(audit.records, r.record).some((x) => sys.includes(x)));
    checks.push(check('each record in its clone SYSCALL event', unpaired.length === 0, `${unpaired.length} without`, unpaired.map((r) => r.record.line)));
    return checks;
  },
});

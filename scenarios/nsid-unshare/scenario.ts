// audit-nsid (seed 004's strawman): `unshare -n` logs one NSID record in the unshare's own
// audit event (same serial as its SYSCALL record): op=unshare, nsflags=40000000 (CLONE_NEWNET),
// no new_pid, auditnsid = the caller's id before (/proc/<pid>/auditnsid of its parent, inherited),
// new_auditnsid = its id after, larger; the ten <link>_inum fields = the caller's namespace
// links after the call (net_inum = what readlink printed). Without the series: no NSID record
// and no /proc/<pid>/auditnsid. With it, pid 1 still has the initial task's id, 00000001.
import { check, checkEqual, checkNoNsid, CLONE_NEW, inumMismatches, linkInodes, note, noteInode, nsids, nsidValue, sameEvent, SYSCALL_NR, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'nsid-unshare',
  description: 'unshare -n: one NSID record op=unshare, net flag, net_inum = readlink, same serial as the SYSCALL (audit-nsid)',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S unshare -k kph-nsid'],
  script: `
echo "KPH init_auditnsid=$(cat /proc/1/auditnsid 2>/dev/null || echo none)"
for c in /proc/[0-9]*/comm; do [ "$(cat "$c" 2>/dev/null)" = kdevtmpfs ] && echo "KPH kdevtmpfs_auditnsid=$(cat "\${c%comm}auditnsid" 2>/dev/null || echo none)"; done
echo "KPH parent_auditnsid=$(cat /proc/$$/auditnsid 2>/dev/null || echo none)"
unshare -n sh -c '
echo "KPH pid=$$"
echo "KPH readlink_net=$(readlink /proc/self/ns/net)"
for t in cgroup ipc mnt net pid pid_for_children time time_for_children user uts; do echo "KPH child_$t=$(readlink /proc/$$/ns/$t)"; done
echo "KPH child_auditnsid=$(cat /proc/$$/auditnsid 2>/dev/null || echo none)"
'
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const pid = Number(note(guest.notes, 'pid'));
    const sys = syscallRecords(audit.records, SYSCALL_NR.unshare, pid);
    checks.push(checkEqual('one audited unshare', sys.length, 1));
    if (!provides.has('audit-nsid')) {
      checks.push(checkNoNsid(audit.records));
      checks.push(checkEqual('no /proc/<pid>/auditnsid without the series', note(guest.notes, 'child_auditnsid'), 'none'));
      return checks;
    }
    checks.push(checkEqual("pid 1 has the initial task's id 00000001 (forked from it, no namespace change)", note(guest.notes, 'init_auditnsid'), '00000001'));
    const recs = nsids(audit.records, pid);
    checks.push(checkEqual('one NSID record for the unsharing pid', recs.length, 1, recs.map((r) => r.record.line)));
    const n = recs[0];
    if (!n) return checks;
    const line = [n.record.line];
    checks.push(check('op=unshare nsflags=40000000 (CLONE_NEWNET), no new_pid, res=1', n.op === 'unshare' && n.nsflags === CLONE_NEW.net && n.newPid === null && n.res === '1', `op=${n.op} nsflags=${n.nsflags.toString(16)} new_pid=${n.newPid} res=${n.res}`, line));
    checks.push(checkEqual('net_inum = what readlink printed', n.inums.net, noteInode(guest.notes, 'readlink_net'), line));
    const bad = inumMismatches(n, linkInodes(guest.notes, 'child'));
    checks.push(check("every <link>_inum = the caller's link after the unshare", bad.length === 0, bad.length ? bad.join('; ') : 'all 10 match', line));
    checks.push(checkEqual("auditnsid = the caller's id before (its parent's, inherited)", n.auditnsid, note(guest.notes, 'parent_auditnsid'), line));
    checks.push(checkEqual('new_auditnsid = /proc/<pid>/auditnsid after', n.newAuditnsid, note(guest.notes, 'child_auditnsid'), line));
    checks.push(check('the new id is larger than the old', nsidValue(n.newAuditnsid) > nsidValue(n.auditnsid) && nsidValue(n.auditnsid) > 0n, `${n.auditnsid} → ${n.newAuditnsid}`));
    const event = sameEvent(audit.records, n.record);
    const s = event.find((r) => r.type === 'SYSCALL');
    checks.push(check('same serial as the unshare SYSCALL record (success=yes)', s !== undefined && s === sys[0] && field(s, 'success') === 'yes', s ? s.line : `no SYSCALL with serial ${n.record.serial}`, event.map((r) => r.line)));
    return checks;
  },
});

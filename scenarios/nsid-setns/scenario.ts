// audit-nsid: kph-setns-each joins a target's namespaces (the target made by `unshare` with all
// eight types and --fork): first a forked child with one setns(pidfd, uts|ipc|net) — one NSID
// record for the one syscall, nsflags=4c000000, the three inodes the target's — then one
// setns(nsfs fd) per type (cgroup ipc mnt net pid time uts user): one record each, op=setns,
// nsflags = that type, the joined link's inode = the target's (pid: pid_for_children; time: time
// and time_for_children), each record's auditnsid = the previous one's new_auditnsid, all in the
// setns SYSCALL's event. Without the series: the same calls succeed and no NSID record.
import { check, checkEqual, checkNoNsid, CLONE_NEW, note, noteInode, nsids, nsidValue, sameEvent, SYSCALL_NR, syscallRecords, type Nsid } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

const ORDER = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'uts', 'user'];
/** The links a setns of one type changes (and so must equal the target's). */
const JOINED: Record<string, [string, string][]> = {
  pid: [['pid_for_children', 'pid']],
  time: [['time', 'time'], ['time_for_children', 'time']],
};
const PIDFD_FLAGS = CLONE_NEW.uts! | CLONE_NEW.ipc! | CLONE_NEW.net!;

export default defineScenario({
  name: 'nsid-setns',
  description: 'one setns per namespace type and one setns(pidfd, uts|ipc|net): one NSID record per syscall, inodes = the target\'s (audit-nsid)',
  needs: { config: ['CONFIG_USER_NS=y', 'CONFIG_PID_NS=y', 'CONFIG_NET_NS=y', 'CONFIG_IPC_NS=y', 'CONFIG_UTS_NS=y', 'CONFIG_TIME_NS=y', 'CONFIG_CGROUPS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S setns -k kph-nsid'],
  script: `
unshare --user --map-root-user --mount --uts --ipc --net --pid --cgroup --time --fork sleep 300 &
u=$!
t=
i=0
while [ -z "$t" ] && [ $i -lt 200 ]; do
	for p in /proc/[0-9]*; do
		[ "$(cut -d' ' -f4 "$p/stat" 2>/dev/null)" = "$u" ] && t=\${p#/proc/}
	done
	i=$((i + 1))
	[ -n "$t" ] || sleep 0.05
done
echo "KPH target=$t"
kph-setns-each -f 0x${PIDFD_FLAGS.toString(16)} -p "$t"
rc=$?
# the target is pid 1 of its pid namespace: only SIGKILL from outside ends it; without a target,
# end the unshare itself so that wait returns
if [ -n "$t" ]; then kill -KILL "$t"; else kill -KILL "$u"; fi 2>/dev/null
wait
exit $rc
`,
  timeoutSec: 120,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const setnsPid = Number(note(guest.notes, 'setns_caller'));
    const pidfdPid = Number(note(guest.notes, 'pidfd_caller'));
    checks.push(checkEqual('every setns call succeeded', [note(guest.notes, 'pidfd_rc'), ...ORDER.map((t) => note(guest.notes, `rc_${t}`))], Array(ORDER.length + 1).fill('0')));
    const target = (l: string) => noteInode(guest.notes, `target_${l}`);
    const joinedWrong = ORDER.flatMap((t) => (JOINED[t] ?? [[t, t]]).filter(([own, tl]) => noteInode(guest.notes, `self_${own}`) !== target(tl)).map(([own]) => own));
    checks.push(check("the guest ended in the target's namespaces", joinedWrong.length === 0, joinedWrong.length ? `differs: ${joinedWrong.join(', ')}` : 'all joined'));
    const sys = syscallRecords(audit.records, SYSCALL_NR.setns, setnsPid);
    checks.push(checkEqual('audit: one setns SYSCALL per type', sys.length, ORDER.length));
    if (!provides.has('audit-nsid')) return [...checks, checkNoNsid(audit.records)];

    const p = nsids(audit.records, pidfdPid);
    checks.push(checkEqual('pidfd: one NSID record for the one setns(pidfd, uts|ipc|net)', p.length, 1, p.map((n) => n.record.line)));
    if (p[0]) {
      const n = p[0];
      const wrong = ['uts', 'ipc', 'net'].filter((l) => n.inums[l] !== target(l) || noteInode(guest.notes, `pidfd_${l}`) !== target(l));
      checks.push(check('pidfd: op=setns nsflags=4c000000, uts/ipc/net inodes = the target\'s', n.op === 'setns' && n.nsflags === PIDFD_FLAGS && n.newPid === null && wrong.length === 0, `op=${n.op} nsflags=${n.nsflags.toString(16)}${wrong.length ? ` differs: ${wrong.join(', ')}` : ''}`, [n.record.line]));
    }

    const recs = nsids(audit.records, setnsPid);
    const lines = recs.map((n) => n.record.line);
    checks.push(checkEqual('one NSID record per setns, in call order (op=setns, nsflags = the type)', recs.map((n) => `${n.op} ${n.nsflags.toString(16)}`), ORDER.map((t) => `setns ${CLONE_NEW[t]!.toString(16)}`), lines));
    const bad: string[] = [];
    recs.forEach((n: Nsid, i) => {
      const t = ORDER[i];
      if (!t) return;
      for (const [own, tl] of JOINED[t] ?? [[t, t]]) if (n.inums[own] !== target(tl)) bad.push(`setns ${t}: ${own}_inum=${n.inums[own]}, target ${tl} ${target(tl)}`);
    });
    checks.push(check("each record: the joined link's inode = the target's", bad.length === 0 && recs.length === ORDER.length, bad.length ? bad.join('; ') : `${recs.length} records`, lines));
    const chain = recs.slice(1).filter((n, i) => n.auditnsid !== recs[i]!.newAuditnsid || nsidValue(n.newAuditnsid) <= nsidValue(n.auditnsid));
    checks.push(check("each record's auditnsid = the previous one's new_auditnsid, and ids grow", chain.length === 0 && recs.length > 0 && nsidValue(recs[0]!.newAuditnsid) > nsidValue(recs[0]!.auditnsid), chain.length ? chain.map((n) => n.record.line).join(' | ') : recs.map((n) => n.newAuditnsid).join(' ')));
    const unpaired = recs.filter((n) => {
      const s = sameEvent(audit.records, n.record).find((r) => r.type === 'SYSCALL');
      return !s || field(s, 'syscall') !== String(SYSCALL_NR.setns) || field(s, 'success') !== 'yes';
    });
    checks.push(check('each record in its setns SYSCALL event (same serial, success=yes)', unpaired.length === 0, `${unpaired.length} without`, unpaired.map((n) => n.record.line)));
    return checks;
  },
});

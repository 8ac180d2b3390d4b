// audit-nsid: uid 1000 (setpriv --reuid=1000 --regid=1000 --clear-groups): `unshare -n` fails
// with EPERM and logs no NSID record (its SYSCALL record says success=no exit=-1); `unshare -U`
// succeeds and logs one record, op=unshare nsflags=10000000 (CLONE_NEWUSER), user_inum = the new
// user namespace. Without the series: the same results, no NSID record.
import { check, checkEqual, checkNoNsid, CLONE_NEW, note, noteInode, nsids, SYSCALL_NR, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

const AS_USER = 'setpriv --reuid=1000 --regid=1000 --clear-groups';

export default defineScenario({
  name: 'nsid-unprivileged',
  description: 'uid 1000: unshare -n fails (EPERM) and logs nothing; unshare -U logs one NSID record with the user flag (audit-nsid)',
  needs: { config: ['CONFIG_USER_NS=y', 'CONFIG_NET_NS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S unshare -k kph-nsid'],
  script: `
${AS_USER} sh -c 'echo "KPH net_pid=$$"; echo "KPH net_uid=$(id -u)"; exec unshare -n true' 2>/dev/null
echo "KPH net_rc=$?"
${AS_USER} sh -c 'echo "KPH user_pid=$$"; exec unshare -U sh -c "echo KPH user_link=\\$(readlink /proc/self/ns/user)"'
echo "KPH user_rc=$?"
echo "KPH init_user=$(readlink /proc/self/ns/user)"
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const netPid = Number(note(guest.notes, 'net_pid'));
    const userPid = Number(note(guest.notes, 'user_pid'));
    checks.push(checkEqual('uid 1000', note(guest.notes, 'net_uid'), '1000'));
    checks.push(check('unshare -n as uid 1000 failed, unshare -U succeeded', note(guest.notes, 'net_rc') !== '0' && note(guest.notes, 'user_rc') === '0', `net_rc ${note(guest.notes, 'net_rc')}, user_rc ${note(guest.notes, 'user_rc')}`));
    const netSys = syscallRecords(audit.records, SYSCALL_NR.unshare, netPid);
    checks.push(check('audit: the net unshare failed with EPERM (success=no exit=-1)', netSys.length === 1 && field(netSys[0]!, 'success') === 'no' && field(netSys[0]!, 'exit') === '-1', `${netSys.length} record(s)`, netSys.map((r) => r.line)));
    const newUser = noteInode(guest.notes, 'user_link');
    checks.push(check('a new user namespace', Number.isFinite(newUser) && newUser !== noteInode(guest.notes, 'init_user'), `${note(guest.notes, 'user_link')} vs ${note(guest.notes, 'init_user')}`));
    if (!provides.has('audit-nsid')) return [...checks, checkNoNsid(audit.records)];
    const failed = nsids(audit.records, netPid);
    checks.push(checkEqual('no NSID record for the failed unshare', failed.length, 0, failed.map((n) => n.record.line)));
    const ok = nsids(audit.records, userPid);
    checks.push(check('one NSID record for unshare -U: op=unshare nsflags=10000000, user_inum = the new user namespace', ok.length === 1 && ok[0]!.op === 'unshare' && ok[0]!.nsflags === CLONE_NEW.user && ok[0]!.inums.user === newUser, `${ok.length} record(s)`, ok.map((n) => n.record.line)));
    return checks;
  },
});

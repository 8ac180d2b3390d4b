// audit-ns RFC v2 (18/20): a privileged user in a user namespace may create an audit namespace,
// so uid 1000 can after `unshare -U -r`, not without it (EPERM). Inside, audit is unavailable
// (limit 0): a user message is acked but dropped and counted in the namespace's lost; the proc
// file cannot be written from there. Without the series: EINVAL for the plain user,
// ECONNREFUSED from a user namespace (6.12 refuses every audit message from one).
import { checkEqual, note } from '../../harness/assert/helpers.js';
import { AUDIT_NS, checkAnswers, checkWithoutSeries, configChanges, userRecordsWith } from '../../harness/assert/auditns.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'auditns-unprivileged',
  description: 'uid 1000: AUDIT_CREATE_NS is EPERM, allowed after unshare -U -r (limit 0 there, messages lost); EINVAL/ECONNREFUSED without the series',
  needs: { config: ['CONFIG_USER_NS=y'] },
  script: `
setpriv --reuid=1000 --regid=1000 --clear-groups kph-auditns plain=create-ns
setpriv --reuid=1000 --regid=1000 --clear-groups unshare -U -r sh -c '
  echo "KPH userns_pid=$$"
  exec kph-auditns userns=create-ns limit=read:/proc/self/audit_backlog_limit w=write:/proc/self/audit_backlog_limit:64 before=get msg=user-msg:kph-auditns-unprivileged after=get
'
exit 0
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    if (!provides.has(AUDIT_NS)) {
      checks.push(...checkWithoutSeries(ctx, { plain: 'EINVAL', userns: 'ECONNREFUSED', limit: '(none)' }));
      return checks;
    }
    checks.push(checkAnswers(ctx, 'EPERM without a user namespace; created from one, limit 0, proc write EPERM, the message lost', {
      plain: 'EPERM', userns: 'ack', limit: '0', w: 'EPERM', before: 'ok', before_lost: '0', msg: 'ack', after: 'ok', after_lost: '1', after_backlog_limit: '0',
    }));
    const made = configChanges(audit.records, 'create_audit_ns');
    checks.push(checkEqual('one create_audit_ns record on the host, by uid 1000 from the user namespace', made.map((r) => [field(r, 'pid'), field(r, 'uid'), field(r, 'old_audit_ns'), field(r, 'res')]), [[note(guest.notes, 'userns_pid'), '1000', '1', '1']], made.map((r) => r.line)));
    const leaked = userRecordsWith(audit.records, 'kph-auditns-unprivileged');
    checks.push(checkEqual('the message sent inside never reaches the host', leaked.length, 0, leaked.map((r) => r.line)));
    return checks;
  },
});

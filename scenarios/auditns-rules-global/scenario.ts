// audit-ns RFC v2 (cover letter): rules stay global. Inside an audit namespace adding, deleting
// and listing rules is EPERM even for root of the host; the host's rule on sethostname fires
// for a task inside, and its SYSCALL record reaches the host's auditd.
import { check, checkEqual, note, syscallRecords } from '../../harness/assert/helpers.js';
import { AUDIT_NS, checkAnswers, checkWithoutSeries } from '../../harness/assert/auditns.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

const SETHOSTNAME = 170;

export default defineScenario({
  name: 'auditns-rules-global',
  description: 'rules are global: add/del/list rules EPERM inside; the host rule on sethostname fires for a task inside (EINVAL without the series)',
  needs: { config: ['CONFIG_UTS_NS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S sethostname -k kph-auditns'],
  script: `
unshare -u sh -c '
  echo "KPH pid=$$"
  exec kph-auditns c=create-ns add=add-rule del=del-rule list=list-rules host=sethostname:kph-auditns-inside
'
exit 0
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    if (!provides.has(AUDIT_NS)) {
      checks.push(...checkWithoutSeries(ctx, { c: 'EINVAL', add: '(none)', host: '(none)' }));
      return checks;
    }
    checks.push(checkAnswers(ctx, 'rule requests from inside are EPERM', { c: 'ack', add: 'EPERM', del: 'EPERM', list: 'EPERM', host: 'ok' }));
    const pid = Number(note(guest.notes, 'pid'));
    const sys = syscallRecords(audit.records, SETHOSTNAME, pid);
    checks.push(check('the host rule fired for the task inside: one SYSCALL sethostname, success, key kph-auditns', sys.length === 1 && field(sys[0]!, 'success') === 'yes' && field(sys[0]!, 'key') === 'kph-auditns', `${sys.length} record(s)`, sys.map((r) => r.line)));
    return checks;
  },
});

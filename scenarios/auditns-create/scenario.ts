// audit-ns RFC v2 (18/20, 19/20, 20/20): root sends AUDIT_CREATE_NS and is moved, with its later
// children, into a new audit namespace whose backlog limit is 0 (audit unavailable there),
// while pid 1 still shows the host's limit. The creation is logged on the host as
// CONFIG_CHANGE op=create_audit_ns old_audit_ns=1 audit_ns=<new>. Kernels without the series
// answer EINVAL and have no /proc/PID/audit_backlog_limit.
import { check, checkEqual, note } from '../../harness/assert/helpers.js';
import { AUDIT_NS, checkAnswers, checkWithoutSeries, configChanges } from '../../harness/assert/auditns.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'auditns-create',
  description: 'AUDIT_CREATE_NS as root: creator and child read audit_backlog_limit 0, pid 1 the host\'s; logged on the host (EINVAL without the series)',
    script: `
echo "KPH before=$(cat /proc/self/audit_backlog_limit 2>/dev/null || echo absent)"
kph-auditns create=create-ns self=read:/proc/self/audit_backlog_limit get=get exec:sh -c '
  echo "KPH creator=$$"
  kph-auditns child=read:/proc/self/audit_backlog_limit; true
'
echo "KPH init=$(cat /proc/1/audit_backlog_limit 2>/dev/null || echo absent)"
exit 0
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    if (!provides.has(AUDIT_NS)) {
      checks.push(...checkWithoutSeries(ctx, { create: 'EINVAL', self: '(none)', child: '(none)', before: 'absent', init: 'absent' }));
      return checks;
    }
    checks.push(checkAnswers(ctx, 'created; the creator and its child read 0, the host 8192', {
      before: '8192', create: 'ack', self: '0', child: '0', init: '8192', get: 'ok', get_backlog_limit: '0', get_lost: '0', get_pid: '0',
    }));
    const made = configChanges(audit.records, 'create_audit_ns');
    checks.push(checkEqual('one create_audit_ns record on the host', made.length, 1, made.map((r) => r.line)));
    const r = made[0];
    if (r) {
      const id = Number(field(r, 'audit_ns'));
      checks.push(check('it names the creator, old_audit_ns=1 and a new id > 1, res=1',
        field(r, 'pid') === note(guest.notes, 'creator') && field(r, 'old_audit_ns') === '1' && id > 1 && field(r, 'res') === '1' && field(r, 'uid') === '0', r.line, [r.line]));
    }
    return checks;
  },
});

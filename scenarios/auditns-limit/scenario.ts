// audit-ns RFC v2 (19/20, 20/20): inside a new audit namespace the limit is 0: a user message is
// dropped and counted as lost there, and raising the limit through netlink (AUDIT_SET) or the
// proc file is EPERM from inside. The host writes 64 to /proc/PID/audit_backlog_limit (logged
// as CONFIG_CHANGE op=set audit_ns= audit_backlog_limit=64 old=0); the namespace then reads 64.
// Without the series: EINVAL, and the host's write finds no file (ENOENT).
import { checkEqual, note } from '../../harness/assert/helpers.js';
import { AUDIT_NS, checkAnswers, checkWithoutSeries, configChanges, userRecordsWith } from '../../harness/assert/auditns.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'auditns-limit',
  description: 'limit 0 inside: message lost, AUDIT_SET and proc write EPERM; the host raises it to 64 (logged); ENOENT/EINVAL without the series',
    script: `
rm -f /tmp/kph-auditns-limit.*
kph-auditns c=create-ns exec:sh -c '
  kph-auditns before=get msg=user-msg:kph-auditns-dropped after=get raise=set-limit:64 wself=write:/proc/self/audit_backlog_limit:64 ready=touch:/tmp/kph-auditns-limit.ready
  kph-auditns raised=wait:/tmp/kph-auditns-limit.raised:20000 now=read:/proc/self/audit_backlog_limit final=get
' &
P=$!
echo "KPH inner=$P"
i=0; while [ ! -e /tmp/kph-auditns-limit.ready ] && kill -0 $P 2>/dev/null && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
kph-auditns hostw=write:/proc/$P/audit_backlog_limit:64
touch /tmp/kph-auditns-limit.raised
wait $P
rm -f /tmp/kph-auditns-limit.*
exit 0
`,
  timeoutSec: 90,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    if (!provides.has(AUDIT_NS)) {
      checks.push(...checkWithoutSeries(ctx, { c: 'EINVAL', before: '(none)', hostw: 'ENOENT' }));
      return checks;
    }
    checks.push(checkAnswers(ctx, 'inside: limit 0, the message lost, raising it EPERM; the host raises it to 64', {
      c: 'ack', before_backlog_limit: '0', before_lost: '0', msg: 'ack', after_lost: '1', raise: 'EPERM', wself: 'EPERM',
      hostw: 'ok', raised: 'ok', now: '64', final_backlog_limit: '64', final_lost: '1',
    }));
    const made = configChanges(audit.records, 'create_audit_ns');
    const id = made[0] ? field(made[0], 'audit_ns') : undefined;
    const set = configChanges(audit.records, 'set', { audit_backlog_limit: '64' });
    checks.push(checkEqual('the host\'s write is logged: audit_ns=<created> audit_backlog_limit=64 old=0 res=1, by uid 0',
      set.map((r) => [field(r, 'audit_ns'), field(r, 'old'), field(r, 'res'), field(r, 'uid')]), [[id ?? '(no create record)', '0', '1', '0']], [...made, ...set].map((r) => r.line)));
    const leaked = userRecordsWith(audit.records, 'kph-auditns-dropped');
    checks.push(checkEqual('the dropped message never reaches the host', leaked.length, 0, leaked.map((r) => r.line)));
    checks.push(checkEqual('the creator is the inner process', made.map((r) => field(r, 'pid')), [note(guest.notes, 'inner')]));
    return checks;
  },
});

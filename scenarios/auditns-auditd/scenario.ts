// audit-ns RFC v2 (5/20, 7/20, 10/20, 15/20, 16/20): once the host raised the limit, an audit
// daemon inside registers (AUDIT_SET pid) and receives the user messages sent inside; a second
// registration is EEXIST; the host's auditd does not get them (the series' choice: a container's
// user messages are its own; the host audits the container's syscalls through its rules).
// Both registrations are logged on the host (CONFIG_CHANGE op=set audit_ns= audit_pid=).
// Also times N acked user messages inside vs on the host (measure: the cost ratio).
import { check, checkEqual, note } from '../../harness/assert/helpers.js';
import { AUDIT_NS, checkAnswers, checkWithoutSeries, configChanges, userRecordsWith } from '../../harness/assert/auditns.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'auditns-auditd',
  description: 'a namespace auditd registers (second one EEXIST) and receives the messages sent inside, the host\'s does not; cost of N messages inside vs host',
  params: { N: 200 },
    script: `
rm -f /tmp/kph-auditns-d.*
kph-auditns c=create-ns exec:sh -c '
  i=0; while [ "$(cat /proc/self/audit_backlog_limit)" = 0 ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
  kph-auditns reg=set-pid ready=touch:/tmp/kph-auditns-d.reg got=recv:4000:100000 &
  D=$!
  echo "KPH auditd=$D"
  kph-auditns w=wait:/tmp/kph-auditns-d.reg:20000 reg2=set-pid get=get msg=user-msg:kph-auditns-inside-hello loop=user-loop:$N
  wait $D
' &
P=$!
i=0; while kill -0 $P 2>/dev/null && [ "$(cat /proc/$P/audit_backlog_limit 2>/dev/null)" != 0 ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
kph-auditns hostw=write:/proc/$P/audit_backlog_limit:8192
wait $P
kph-auditns host=user-loop:$N
rm -f /tmp/kph-auditns-d.*
exit 0
`,
  timeoutSec: 180,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    const n = String(ctx.params.N ?? 200);
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    checks.push(checkAnswers(ctx, 'N user messages acked on the host', { host: n, host_errors: '0' }));
    const hostLoop = userRecordsWith(audit.records, 'kph-auditns loop ');
    if (!provides.has(AUDIT_NS)) {
      checks.push(...checkWithoutSeries(ctx, { c: 'EINVAL', reg: '(none)', hostw: 'ENOENT' }));
      checks.push(checkEqual('the host\'s auditd logged the N host messages', hostLoop.length, Number(n)));
      return checks;
    }
    checks.push(checkAnswers(ctx, 'the namespace auditd registers, a second is EEXIST, every message acked', {
      c: 'ack', hostw: 'ok', reg: 'ack', w: 'ok', reg2: 'EEXIST', get: 'ok', get_backlog_limit: '8192', msg: 'ack', loop: n, loop_errors: '0',
    }));
    checks.push(checkEqual('AUDIT_GET inside names the namespace auditd', note(guest.notes, 'get_pid'), note(guest.notes, 'auditd')));
    const got = Number(note(guest.notes, 'got') ?? -1);
    const first = note(guest.notes, 'got_1') ?? '';
    checks.push(checkEqual('the namespace auditd received the message and the N loop messages, nothing else', [got, note(guest.notes, 'got_match')], [Number(n) + 1, String(Number(n) + 1)]));
    checks.push(check('the first is the USER record (1005) sent inside, with its text', /^1005 audit\(\d+\.\d+:\d+\): pid=\d+ uid=0 auid=\d+ ses=\d+ msg='kph-auditns-inside-hello'$/.test(first), first));
    const leaked = userRecordsWith(audit.records, 'kph-auditns-inside');
    checks.push(checkEqual('the host\'s auditd did not receive them (only the N host messages)', [leaked.length, hostLoop.length], [0, Number(n)], leaked.slice(0, 3).map((r) => r.line)));
    const made = configChanges(audit.records, 'create_audit_ns');
    const id = made[0] ? field(made[0], 'audit_ns') : '(no create record)';
    const regs = configChanges(audit.records, 'set').filter((r) => field(r, 'audit_pid') !== undefined);
    checks.push(checkEqual('both registrations logged on the host: res=1, then res=0 naming the first',
      regs.map((r) => [field(r, 'audit_ns'), field(r, 'res'), field(r, 'old') === '0' ? 'none' : 'first']), [[id, '1', 'none'], [id, '0', 'first']], regs.map((r) => r.line)));
    return checks;
  },
  measure(ctx) {
    const inside = Number(note(ctx.guest.notes, 'loop_ns_per_msg'));
    const host = Number(note(ctx.guest.notes, 'host_ns_per_msg'));
    const out: Record<string, number> = {};
    if (host > 0) out.host_ns_per_msg = host;
    if (inside > 0) out.inside_ns_per_msg = inside;
    if (host > 0 && inside > 0) out.inside_to_host_ratio = Math.round((inside / host) * 1000) / 1000;
    return out;
  },
});

// ns-serial: a namespace's deletion is logged only when its last reference goes: the task
// exits AND no nsfs fd holds it. The guest holds /proc/PID/ns/net open after the task exits,
// checks that no deletion record came, releases it and polls for the record.
import { check, checkEqual, hexSerial, note, scriptExitedZero, seriesRecords, stepIndex } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';
import type { AuditRecord } from '../../harness/core/types.js';

/** V5: AUDIT_NS_DEL_NET netns=S; v1: NS_INIT type=40000000 old_snum=S snum=0. */
function isDeletion(r: AuditRecord, serial: string): boolean {
  if (r.type === 'AUDIT_NS_DEL_NET') return field(r, 'netns') === serial;
  if (r.type === 'NS_INIT') return field(r, 'type') === '40000000' && field(r, 'old_snum') === serial && field(r, 'snum') === '0';
  return false;
}

export default defineScenario({
  name: 'ns-delete',
  description: 'the netns deletion record comes only after the task exited and the held nsfs fd was closed',
  needs: { config: ['CONFIG_NET_NS=y'] },
  params: { HOLD_SEC: 3, WAIT_SEC: 30 },
  script: `
log=/var/log/audit/audit.log
unshare -n sleep 1000 &
P=$!
kph_wait_own_ns $P net
S=$(kph_snum net $P)
echo "KPH serial=$S"
exec 3</proc/$P/ns/net
kill $P; wait $P 2>/dev/null
echo "KPH task_gone=$([ -d /proc/$P ] && echo no || echo yes)"
sleep "$HOLD_SEC"
auditctl -m "kph-step released $S"
exec 3<&-
# the deletion runs from a workqueue (cleanup_net on netns_wq): poll for it
case "$S" in none) exit 0 ;; esac
i=0
until grep -qE "(netns=$S|old_snum=$S snum=0)( |$)" $log; do
	i=$((i+1)); [ $i -gt $((WAIT_SEC * 10)) ] && { echo "no deletion record for $S after $WAIT_SEC s" >&2; break; }
	sleep 0.1
done
grep -E "(netns=$S|old_snum=$S snum=0)( |$)" $log | grep -v SYSCALL | tail -n 3
`,
  timeoutSec: 120,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    checks.push(checkEqual('the task exited before the fd was released', note(guest.notes, 'task_gone'), 'yes'));
    const serial = hexSerial(note(guest.notes, 'serial'));
    if (!provides.has('ns-serial')) {
      const ours = seriesRecords(audit.records);
      checks.push(check('no namespace records and no net_snum without the series', serial === null && ours.length === 0, `serial ${note(guest.notes, 'serial')}, ${ours.length} records`));
      return checks;
    }
    if (!serial) return [...checks, check('net_snum of the child', false, `read ${note(guest.notes, 'serial')}`)];
    const released = stepIndex(audit.records, 'released');
    const dels = audit.records.map((r, i) => [r, i] as const).filter(([r]) => isDeletion(r, serial));
    checks.push(check('the release marker is in the log', released >= 0, `index ${released}`));
    checks.push(check('no deletion record while the nsfs fd was held', dels.every(([, i]) => i > released), `${dels.filter(([, i]) => i < released).length} before the release`, dels.map(([r]) => r.line)));
    checks.push(check('exactly one deletion record after the release', dels.filter(([, i]) => i > released).length === 1, `${dels.length} deletion record(s)`, dels.map(([r]) => r.line)));
    const del = dels[0]?.[0];
    if (del && provides.has('ns-serial:v5')) {
      checks.push(check('V5: deletion logged by the kernel (pid=0 subj=kernel res=1)', field(del, 'pid') === '0' && field(del, 'subj') === 'kernel' && field(del, 'res') === '1', del.line));
    }
    return checks;
  },
});

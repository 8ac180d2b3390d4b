// ns-serial V5: setns() into another netns logs the change (NS_INFO with the target's serial
// in the setns event) and no INIT record: nothing was created.
import { SYSCALL_NR, check, checkEqual, hexSerial, note, recordsNamed, sameEvent, scriptExitedZero, seriesRecords, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'setns-serial',
  description: 'setns into another netns: NS_INFO with the target serial (V5), no INIT record',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_AUDITSYSCALL=y'] },
  appliesTo: (p) => (p.has('ns-serial') && !p.has('ns-serial:v5') ? 'logging on setns came with V5 (10/13)' : true),
  script: `
unshare -n sleep 1000 &
P=$!
kph_wait_own_ns $P net
echo "KPH target_snum=$(kph_snum net $P)"
auditctl -a always,exit -F arch=b64 -S setns -k kph-setns
nsenter -t $P -n sh -c 'echo "KPH pid=$$"'
auditctl -d always,exit -F arch=b64 -S setns -k kph-setns
kill $P
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    const pid = Number(note(guest.notes, 'pid'));
    const sys = syscallRecords(audit.records, SYSCALL_NR.setns, pid);
    checks.push(checkEqual('one audited setns', sys.length, 1));
    if (!provides.has('ns-serial')) {
      const ours = seriesRecords(audit.records);
      checks.push(check('no namespace records without the series', ours.length === 0, `${ours.length}`, ours.slice(0, 5).map((r) => r.line)));
      return checks;
    }
    const target = hexSerial(note(guest.notes, 'target_snum'));
    const event = sys[0] ? sameEvent(audit.records, sys[0]) : [];
    const shown = event.map((r) => r.line);
    const info = recordsNamed(event, 'NS_INFO');
    checks.push(check('NS_INFO in the setns event carries the target serial', info.length === 1 && field(info[0]!, 'netns') === target, `${info.length} NS_INFO, target ${target}`, shown));
    const inits = event.filter((r) => r.type.startsWith('AUDIT_NS_INIT_'));
    checks.push(check('no INIT record for a setns', inits.length === 0, `${inits.length}`, shown));
    return checks;
  },
});

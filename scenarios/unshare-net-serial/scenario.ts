// ns-serial: `unshare -n` makes a netns whose creation is logged with the parent's serial as
// old and the new serial, which the process's next NS_INFO (V5) or SYSCALL (v1) record carries
// and /proc/self/ns/net_snum shows. Without the series: no _snum file, no namespace records.
import { SYSCALL_NR, check, checkEqual, hexSerial, note, recordsNamed, sameEvent, scriptExitedZero, seriesRecords, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'unshare-net-serial',
  description: 'unshare -n: INIT record old = parent serial, new serial in NS_INFO (V5) / SYSCALL (v1) and in net_snum',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S unshare -k kph-ns'],
  script: `
echo "KPH parent_snum=$(kph_snum net)"
unshare -n sh -c 'echo "KPH pid=$$"; echo "KPH child_snum=$(cat /proc/self/ns/net_snum 2>/dev/null || echo none)"'
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    const parent = hexSerial(note(guest.notes, 'parent_snum'));
    const child = hexSerial(note(guest.notes, 'child_snum'));
    const pid = Number(note(guest.notes, 'pid'));
    const sys = syscallRecords(audit.records, SYSCALL_NR.unshare, pid);
    checks.push(checkEqual('one audited unshare', sys.length, 1));
    if (!provides.has('ns-serial')) {
      checks.push(check('no net_snum file without the series', parent === null && child === null, `parent ${note(guest.notes, 'parent_snum')}, child ${note(guest.notes, 'child_snum')}`));
      const ours = seriesRecords(audit.records);
      checks.push(check('no namespace records without the series', ours.length === 0, `${ours.length}`, ours.slice(0, 5).map((r) => r.line)));
      return checks;
    }
    checks.push(check('net_snum: a new serial, larger than the parent\'s', parent !== null && child !== null && BigInt(`0x${child}`) > BigInt(`0x${parent}`), `parent ${parent}, child ${child}`));
    const event = sys[0] ? sameEvent(audit.records, sys[0]) : [];
    const shown = event.map((r) => r.line);
    if (provides.has('ns-serial:v5')) {
      const init = recordsNamed(event, 'AUDIT_NS_INIT_NET');
      checks.push(check('V5: AUDIT_NS_INIT_NET in the unshare event, old = parent, new = net_snum', init.length === 1 && field(init[0]!, 'old_netns') === parent && field(init[0]!, 'netns') === child && field(init[0]!, 'res') === '1', `${init.length} record(s)`, shown));
      const info = recordsNamed(event, 'NS_INFO');
      checks.push(check('V5: the NS_INFO of that event carries the new serial', info.length === 1 && field(info[0]!, 'netns') === child, `${info.length} NS_INFO`, shown));
      checks.push(check('V5: serials no longer in the SYSCALL record', field(sys[0]!, 'netns') === undefined, sys[0]!.line));
    } else {
      const init = recordsNamed(event, 'NS_INIT');
      // v1: type= is the CLONE_NEW* flag in hex (CLONE_NEWNET = 40000000)
      checks.push(check('v1: NS_INIT type=40000000 old_snum = parent, snum = net_snum', init.length === 1 && field(init[0]!, 'type') === '40000000' && field(init[0]!, 'old_snum') === parent && field(init[0]!, 'snum') === child, `${init.length} record(s)`, shown));
      checks.push(check('v1: the SYSCALL record of the unshare carries netns = new serial', field(sys[0]!, 'netns') === child, sys[0]!.line));
    }
    return checks;
  },
});

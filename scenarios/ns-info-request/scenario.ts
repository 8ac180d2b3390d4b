// ns-serial V5 (7/13): the AUDIT_GET_NS_INFO netlink request logs NS_INFO for a given pid, with
// the same serials as that pid's _snum files; without CAP_AUDIT_CONTROL it is refused with
// EPERM. Kernels without the request answer EINVAL and log nothing.
import { check, checkEqual, hexSerial, note, recordsNamed, sameEvent, scriptExitedZero, seriesRecords, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

const TYPES = ['net', 'uts', 'ipc', 'pid', 'user', 'mnt', 'cgroup', 'time'];

function errnoOf(json: string | undefined): number | null {
  const m = /"errno":(\d+)/.exec(json ?? '');
  return m ? Number(m[1]) : null;
}

export default defineScenario({
  name: 'ns-info-request',
  description: 'AUDIT_GET_NS_INFO for a pid logs its serials (V5); EPERM without CAP_AUDIT_CONTROL; EINVAL without the request',
  appliesTo: (p) => (p.has('ns-serial') && !p.has('audit-ns-info-request') ? 'the NS_INFO request came with V5 (7/13)' : true),
  script: `
unshare -n -u sleep 1000 &
P=$!
kph_wait_own_ns $P net
echo "KPH target=$P"
for t in ${TYPES.join(' ')}; do echo "KPH snum_$t=$(kph_snum $t $P)"; done
echo "KPH root=$(kph-nsinfo $P)"
# the same request without CAP_AUDIT_CONTROL (and without the capability in the bounding set)
echo "KPH unprivileged=$(setpriv --inh-caps=-audit_control --bounding-set=-audit_control kph-nsinfo $P)"
kill $P
exit 0
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    const root = errnoOf(note(guest.notes, 'root'));
    const unpriv = errnoOf(note(guest.notes, 'unprivileged'));
    if (!provides.has('audit-ns-info-request')) {
      checks.push(checkEqual('the request is unknown (EINVAL) as root and refused unprivileged', [root, unpriv === 0 ? 0 : 'error'], [22, 'error']));
      const ours = seriesRecords(audit.records);
      checks.push(check('no namespace records without the series', ours.length === 0, `${ours.length}`, ours.slice(0, 5).map((r) => r.line)));
      return checks;
    }
    checks.push(checkEqual('as root the request is acked with 0', root, 0));
    checks.push(checkEqual('without CAP_AUDIT_CONTROL: EPERM', unpriv, 1));
    const target = note(guest.notes, 'target');
    // The answer is logged in the requester's sendto() event (its SYSCALL record says
    // comm="kph-nsinfo"), beside the requester's own NS_INFO; the target's own unshare event
    // has one too. The refused request must log nothing.
    const requests = syscallRecords(audit.records, 44).filter((r) => field(r, 'comm') === 'kph-nsinfo');
    const infos = requests.flatMap((s) => recordsNamed(sameEvent(audit.records, s), 'NS_INFO')).filter((r) => field(r, 'pid') === target);
    checks.push(checkEqual('exactly one NS_INFO for the target, in a request event', infos.length, 1, requests.flatMap((s) => sameEvent(audit.records, s)).map((r) => r.line)));
    const info = infos[0];
    if (info) {
      const wrong = TYPES.filter((t) => field(info, `${t}ns`) !== undefined || t === 'net').filter((t) => field(info, `${t}ns`) !== hexSerial(note(guest.notes, `snum_${t}`)));
      checks.push(check('its serials are the target\'s _snum files', wrong.length === 0, wrong.length ? `differ: ${wrong.map((t) => `${t}ns=${field(info, `${t}ns`)} vs ${note(guest.notes, `snum_${t}`)}`).join(', ')}` : info.line, [info.line]));
    }
    return checks;
  },
});

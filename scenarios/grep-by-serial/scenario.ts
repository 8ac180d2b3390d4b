// The seed's wish (000): "grep for netns=20 and find both the NS_INIT and the SYSCALL/NS_INFO
// records". For one netns serial, a grep of the log finds its creation, its NS_INFO and its
// deletion records alike (V5).
import { check, checkEqual, hexSerial, note, scriptExitedZero, seriesRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

export default defineScenario({
  name: 'grep-by-serial',
  description: 'grep netns=<serial> finds INIT, NS_INFO and DEL records of one namespace (V5)',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_AUDITSYSCALL=y'] },
  appliesTo: (p) => (p.has('ns-serial') && !p.has('ns-serial:v5') ? 'NS_INFO and per-type records came with V5' : true),
  auditRules: ['-a always,exit -F arch=b64 -S unshare -k kph-ns'],
  params: { WAIT_SEC: 30 },
  script: `
log=/var/log/audit/audit.log
S=$(unshare -n cat /proc/self/ns/net_snum 2>/dev/null || echo none)
echo "KPH serial=$S"
case "$S" in none) exit 0 ;; esac
i=0
# the deletion is logged by the kernel from netns_wq: pid=0 ... subj=kernel netns=S res=1
until grep -q " subj=kernel netns=$S res=1" $log; do i=$((i+1)); [ $i -gt $((WAIT_SEC * 10)) ] && break; sleep 0.1; done
# what a person would type:
grep -E "[ _]netns=$S( |$)" $log | sed 's/^/GREP /'
`,
  timeoutSec: 120,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, provides, series } = ctx;
    checks.push(scriptExitedZero(guest));
    const serial = hexSerial(note(guest.notes, 'serial'));
    if (!provides.has('ns-serial')) {
      checks.push(check('no serial without the series', serial === null, `read ${note(guest.notes, 'serial')}`));
      const ours = seriesRecords(ctx.audit.records);
      checks.push(checkEqual('no namespace records without the series', ours.length, 0));
      return checks;
    }
    const grep = guest.stdout.split('\n').filter((l) => l.startsWith('GREP ')).map((l) => l.slice(5));
    // auditd 3.0.9 logs the series' types as UNKNOWN[n]: name them through series.json
    const typeOf = (l: string) => {
      const m = /^type=(?:UNKNOWN\[(\d+)\]|(\S+)) /.exec(l);
      return m ? (m[1] ? (series.meta.records[m[1]] ?? `UNKNOWN[${m[1]}]`) : m[2]!) : '?';
    };
    const types = new Set(grep.map(typeOf));
    for (const t of ['AUDIT_NS_INIT_NET', 'NS_INFO', 'AUDIT_NS_DEL_NET']) checks.push(check(`grep netns=${serial} finds ${t}`, types.has(t), [...types].join(' '), grep));
    return checks;
  },
});

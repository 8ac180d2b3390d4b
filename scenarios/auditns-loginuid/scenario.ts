// audit-ns RFC v2 (cover letter): once set, /proc/PID/loginuid is immutable without
// CAP_AUDIT_CONTROL (6.12, every kernel); in a new audit namespace a task may reset it once,
// without the capability check, and the second change is EPERM even for root. LOGIN records
// show old-auid/auid for each attempt. (auditctl --loginuid-immutable on the host wins; not
// exercised here: it cannot be undone before the next boot.)
import { check, checkEqual } from '../../harness/assert/helpers.js';
import { AUDIT_NS, checkAnswers, checkWithoutSeries } from '../../harness/assert/auditns.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export default defineScenario({
  name: 'auditns-loginuid',
  description: 'loginuid: immutable without CAP_AUDIT_CONTROL on the host; reset once inside a new audit namespace, the second change EPERM; LOGIN records',
    script: `
kph-auditns set=loginuid:1000 exec:sh -c '
  setpriv --inh-caps=-audit_control --bounding-set=-audit_control kph-auditns nocap=loginuid:1001
  kph-auditns c=create-ns reset=loginuid:2000 second=loginuid:2001 now=read:/proc/self/loginuid
'
exit 0
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const logins = audit.records.filter((r) => r.type === 'LOGIN').map((r) => `${field(r, 'old-auid')}->${field(r, 'auid')} res=${field(r, 'res')}`);
    const shown = audit.records.filter((r) => r.type === 'LOGIN').map((r) => r.line);
    checks.push(checkAnswers(ctx, 'root sets the loginuid; without CAP_AUDIT_CONTROL a change is EPERM', { set: 'ok', nocap: 'EPERM' }));
    const setIdx = logins.findIndex((l) => l.endsWith('->1000 res=1'));
    checks.push(check('a LOGIN record for the set to 1000', setIdx >= 0, logins.join(', '), shown));
    const after = logins.slice(setIdx + 1);
    if (!provides.has(AUDIT_NS)) {
      checks.push(...checkWithoutSeries(ctx, { c: 'EINVAL', reset: '(none)' }));
      checks.push(checkEqual('then LOGIN records: the refused change', after, ['1000->1001 res=0'], shown));
      return checks;
    }
    checks.push(checkAnswers(ctx, 'inside: one reset, then EPERM', { c: 'ack', reset: 'ok', second: 'EPERM', now: '2000' }));
    checks.push(checkEqual('then LOGIN records: the refused change on the host, the reset, the refused second change', after, ['1000->1001 res=0', '1000->2000 res=1', '2000->2001 res=0'], shown));
    return checks;
  },
});

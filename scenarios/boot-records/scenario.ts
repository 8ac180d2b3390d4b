// ns-serial V5: the initial namespaces are logged at boot, before any daemon runs (audit=1
// keeps them in the hold queue): one AUDIT_NS_INIT_<TYPE> per initial namespace, as pid=1
// subj=kernel with old_<t>ns=0. Kernels without ns-serial log none of the series' records.
import { check, seriesRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';
import { field } from '../../harness/parse/audit.js';

export const INITIAL_TYPES = ['MNT', 'UTS', 'IPC', 'USER', 'PID', 'NET', 'CGROUP', 'TIME'];

export default defineScenario({
  name: 'boot-records',
  description: 'V5: one INIT record per initial namespace at boot (pid=1, subj=kernel, old=0); none without the series',
  appliesTo: (p) => (p.has('ns-serial') && !p.has('ns-serial:v5') ? 'boot-time records are a V5 feature (v1 logs creation after boot only)' : true),
  script: `
auditctl -s | grep -E '^(lost|backlog) '
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const boot = ctx.audit.bootRecords;
    const lines = (rs: typeof boot) => rs.map((r) => r.line);
    checks.push(check('audit lost nothing since boot', ctx.audit.before?.lost === 0, `lost=${ctx.audit.before?.lost}`));
    if (!ctx.provides.has('ns-serial:v5')) {
      const ours = seriesRecords(boot);
      checks.push(check('no namespace records at boot without the series', ours.length === 0, `${ours.length} record(s)`, lines(ours).slice(0, 5)));
      return checks;
    }
    for (const t of INITIAL_TYPES) {
      const lower = t.toLowerCase();
      const inits = boot.filter((r) => r.type === `AUDIT_NS_INIT_${t}` && field(r, `old_${lower}ns`) === '0');
      const r = inits[0];
      const ok = inits.length === 1 && !!r && field(r, 'pid') === '1' && field(r, 'subj') === 'kernel' && /^[0-9a-f]+$/.test(field(r, `${lower}ns`) ?? '');
      checks.push(check(`AUDIT_NS_INIT_${t}: one initial record, pid=1 subj=kernel old_${lower}ns=0`, ok, `${inits.length} record(s)${r ? `: ${r.line.replace(/^type=\S+ msg=audit\([^)]*\): /, '')}` : ''}`, lines(boot.filter((x) => x.type === `AUDIT_NS_INIT_${t}`))));
    }
    const serials = INITIAL_TYPES.map((t) => boot.find((r) => r.type === `AUDIT_NS_INIT_${t}` && field(r, `old_${t.toLowerCase()}ns`) === '0')).map((r, i) => (r ? field(r, `${INITIAL_TYPES[i]!.toLowerCase()}ns`) : undefined));
    checks.push(check('initial serials are distinct', new Set(serials).size === serials.length && !serials.includes(undefined), serials.join(' ')));
    return checks;
  },
});

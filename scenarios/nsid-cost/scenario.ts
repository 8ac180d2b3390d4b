// audit-nsid: what the record costs. No audit rule (so no SYSCALL records: what is measured is
// the NSID record and the id), N calls each of unshare(CLONE_NEWUTS) (kph-unshare-loop),
// setns() between two uts namespaces (kph-setns-loop) and clone(CLONE_NEWUTS) + wait
// (kph-clone-loop), plus plain fork + wait as a reference; measure() reports calls/s of each,
// to compare with baseline in one run. Checks: every loop ran N calls; with the series one
// NSID record per namespace call (setns-loop: its unshare too), none for the plain forks;
// without it, none.
import { check, checkEqual, checkNoNsid, nsids } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

interface Loop {
  pid: number;
  calls: number;
  per_sec: number;
}

const LOOPS = ['unshare', 'setns', 'clone', 'fork'] as const;

function loops(stdout: string): Partial<Record<(typeof LOOPS)[number], Loop>> {
  const out: Partial<Record<(typeof LOOPS)[number], Loop>> = {};
  for (const l of stdout.split('\n')) {
    const m = /^KPH loop_(\w+)=(\{.*\})$/.exec(l);
    if (m && (LOOPS as readonly string[]).includes(m[1]!)) out[m[1] as (typeof LOOPS)[number]] = JSON.parse(m[2]!) as Loop;
  }
  return out;
}

export default defineScenario({
  name: 'nsid-cost',
  description: 'calls/s of unshare, setns and clone with CLONE_NEWUTS (and plain fork), no audit rule: the cost of the NSID record (audit-nsid)',
  needs: { config: ['CONFIG_UTS_NS=y'] },
  params: { N: 1000 },
  script: `
echo "KPH loop_unshare=$(kph-unshare-loop -n "$N" -t uts)"
echo "KPH loop_setns=$(kph-setns-loop -n "$N" -t uts)"
echo "KPH loop_clone=$(kph-clone-loop -n "$N" -f 0x04000000)"
echo "KPH loop_fork=$(kph-clone-loop -n "$N" -f 0)"
`,
  timeoutSec: 600,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    const n = Number(ctx.params.N);
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const l = loops(guest.stdout);
    checks.push(checkEqual('every loop made N calls', LOOPS.map((k) => l[k]?.calls ?? null), LOOPS.map(() => n)));
    if (!provides.has('audit-nsid')) return [...checks, checkNoNsid(audit.records)];
    const count = (k: (typeof LOOPS)[number]) => (l[k] ? nsids(audit.records, l[k]!.pid).length : -1);
    checks.push(checkEqual('NSID records per loop: unshare N, setns N+1 (its unshare), clone N, fork 0', LOOPS.map(count), [n, n + 1, n, 0]));
    const clones = l.clone ? nsids(audit.records, l.clone.pid) : [];
    checks.push(check('clone records: op=clone with new_pid, the parent id the same in all', clones.length > 0 && clones.every((c) => c.op === 'clone' && c.newPid !== null && c.auditnsid === clones[0]!.auditnsid), `${clones.length} records`, clones.slice(0, 2).map((c) => c.record.line)));
    return checks;
  },
  measure(ctx): Record<string, number> {
    const l = loops(ctx.guest.stdout);
    const out: Record<string, number> = {};
    for (const k of LOOPS) if (l[k]) out[`${k}PerSec`] = Math.round(l[k]!.per_sec);
    return out;
  },
});

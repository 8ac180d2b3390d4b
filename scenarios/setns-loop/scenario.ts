// N setns() calls alternating between two network namespaces (images/guest-tools/kph-setns-loop).
// Every call must be audited under the rule and, on kernels with namespace events, reported
// once with inodes alternating; nothing may be lost (ENOBUFS, sequence gaps, audit `lost`).
import { NO_LISTENER_OUTPUT, SYSCALL_NR, check, checkEqual, describeEvent, nsEvents, num, scriptExitedZero, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

interface LoopOutput {
  pid: number;
  a: number;
  b: number;
  calls: number;
  end: number;
  per_sec: number;
}

function loopOutput(stdout: string): LoopOutput | null {
  const line = stdout.split('\n').find((l) => l.startsWith('{"pid"'));
  return line ? (JSON.parse(line) as LoopOutput) : null;
}

export default defineScenario({
  name: 'setns-loop',
  description: 'N back-and-forth setns() calls between two network namespaces',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_PROC_EVENTS=y', 'CONFIG_AUDITSYSCALL=y'] },
  params: { N: 1000 },
  auditRules: ['-a always,exit -F arch=b64 -S unshare,setns -k kph-ns'],
  listener: { args: [] },
  script: `
kph-setns-loop -n "$N" -t net
`,
  timeoutSec: 600,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, cn, audit, provides, params } = ctx;
    const n = Number(params.N);
    checks.push(scriptExitedZero(guest));
    const out = loopOutput(guest.stdout);
    if (!out) return [...checks, check('kph-setns-loop output', false, 'no JSON line on stdout')];
    checks.push(checkEqual('setns calls made', out.calls, n));
    checks.push(check('ended in the namespace of the last call', out.end === (n % 2 === 0 ? out.b : out.a), `end ${out.end}, a ${out.a}, b ${out.b}`));

    const setns = syscallRecords(audit.records, SYSCALL_NR.setns, out.pid);
    const failedCalls = setns.filter((r) => !/success=yes/.test(r.line));
    checks.push(check(`audit: ${n} setns SYSCALL records`, setns.length === n && failedCalls.length === 0, `${setns.length} records, ${failedCalls.length} unsuccessful`));
    checks.push(checkEqual('audit: one unshare SYSCALL record', syscallRecords(audit.records, SYSCALL_NR.unshare, out.pid).length, 1));

    if (!cn) return [...checks, NO_LISTENER_OUTPUT];
    const ns = nsEvents(cn.events).filter((e) => num(e.data.pid) === out.pid);
    const all = nsEvents(cn.events);
    // Inodes the i-th setns call (0-based) must report: it alternates a, b, a, ... starting in b.
    const expectPair = (i: number) => (i % 2 === 0 ? [out.b, out.a] : [out.a, out.b]);
    if (provides.has('cn-ns-events:v1') || provides.has('cn-ns-events:v2')) {
      const v2 = provides.has('cn-ns-events:v2');
      checks.push(checkEqual('namespace events: unshare + one per setns', ns.length, n + 1, all.slice(0, 5).map(describeEvent)));
      const first = ns[0];
      if (first) {
        const pair = v2 ? ((first.data.items as { old_inum: number; inum: number }[])[0] ?? { old_inum: -1, inum: -1 }) : first.data;
        checks.push(checkEqual('first event: the unshare, a → b', [first.data.reason, num(pair.old_inum), num(pair.inum)], [v2 ? 'unshare' : 'set', out.a, out.b]));
      }
      const wrong: string[] = [];
      ns.slice(1).forEach((e, i) => {
        const item = v2 ? ((e.data.items as { type: string; old_inum: number; inum: number }[])?.[0] ?? null) : (e.data as { type: string; old_inum: number; inum: number });
        const reason = e.data.reason;
        const ok = item && item.type === 'net' && reason === (v2 ? 'setns' : 'set') && (!v2 || e.data.count === 1) && JSON.stringify([num(item.old_inum), num(item.inum)]) === JSON.stringify(expectPair(i));
        if (!ok && wrong.length < 5) wrong.push(`call ${i}: ${describeEvent(e)}`);
      });
      checks.push(check('setns events alternate between the two inodes', wrong.length === 0, wrong.length ? `${wrong.length}+ wrong` : `${Math.max(ns.length - 1, 0)} events`, wrong));
    } else {
      checks.push(check('no namespace events without the capability', all.length === 0, `${all.length} namespace event(s)`, all.slice(0, 5).map(describeEvent)));
    }
    return checks;
  },
  measure(ctx): Record<string, number> {
    const out = loopOutput(ctx.guest.stdout);
    if (!out) return {};
    return {
      setnsPerSec: Math.round(out.per_sec),
      auditSetnsRecords: syscallRecords(ctx.audit.records, SYSCALL_NR.setns, out.pid).length,
      nsEvents: ctx.cn ? nsEvents(ctx.cn.events).length : 0,
    };
  },
});

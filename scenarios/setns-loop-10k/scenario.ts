// setns-loop at N = 10000, a scenario of its own so that `kph run --all` covers it. The same
// expectations as setns-loop: N setns SYSCALL records; with namespace events N + 1 of them (the
// unshare and every setns) with inodes alternating, without them none; and, stated here as
// checks as well as in the verdict, zero ENOBUFS and zero sequence gaps at the listener.
// It runs on every kernel, not only on those providing cn-ns-events: the baseline shows the
// absence at this scale and gives the rate the connector series are compared with (report:
// "Relative to baseline"). measure() adds the rate of namespace events received, counted only
// when nothing was lost.
import { check } from '../../harness/assert/helpers.js';
import { defineScenario } from '../../harness/core/scenario.js';
import setnsLoop from '../setns-loop/scenario.js';

export default defineScenario({
  ...setnsLoop,
  name: 'setns-loop-10k',
  description: 'setns-loop with N = 10000: every event, nothing lost',
  params: { N: 10000 },
  timeoutSec: 1800,
  expect(ctx) {
    const checks = setnsLoop.expect(ctx);
    const s = ctx.cn?.summary ?? null;
    checks.push(check('listener: zero ENOBUFS', s !== null && s.enobufs === 0, s ? `${s.enobufs} ENOBUFS` : 'no listener summary'));
    checks.push(check('listener: zero sequence gaps', s !== null && s.seqGaps === 0, s ? `${s.seqGaps} gap(s)` : 'no listener summary'));
    return checks;
  },
  measure(ctx) {
    const base = setnsLoop.measure?.(ctx) ?? {};
    const line = ctx.guest.stdout.split('\n').find((l) => l.startsWith('{"pid"'));
    const out = line ? (JSON.parse(line) as { elapsed_ns: number; calls: number }) : null;
    const lost = (ctx.cn?.summary?.enobufs ?? 1) + (ctx.cn?.summary?.seqGaps ?? 1);
    // Events per second of the loop, counted only when none was lost.
    return out && out.elapsed_ns > 0 && lost === 0 ? { ...base, nsEventsPerSecLossless: Math.round((base.nsEvents ?? 0) * 1e9 / out.elapsed_ns) } : base;
  },
});

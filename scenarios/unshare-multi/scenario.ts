// `unshare -n -i -u -m -f` (one unshare() call changing four namespaces), then a timed loop of
// unshare(CLONE_NEWUTS) calls (images/guest-tools/kph-unshare-loop) for the cost of unshare.
// rfc-v1: one event per namespace (mnt, uts, ipc, net), reason set; rfc-v2: one event, reason
// unshare, count 4, items in order; without the capability: no namespace event. Every inode
// must equal readlink(/proc/PID/ns/TYPE) before and after. The loop: one event per call on
// kernels with the capability, each from the previous namespace to the next.
import { NO_LISTENER_OUTPUT, changesFromNotes, check, checkEqual, checkNsEvents, note, nsChanges, nsEventView, nsEvents, nsLayout, num, scriptExitedZero } from '../../harness/assert/helpers.js';
import { defineScenario, type Check, type ScenarioContext } from '../../harness/core/scenario.js';

const TYPES = ['mnt', 'uts', 'ipc', 'net'];

interface LoopOutput {
  pid: number;
  type: string;
  calls: number;
  first: number;
  last: number;
  elapsed_ns: number;
  per_sec: number;
}

function loopOutput(stdout: string): LoopOutput | null {
  const line = stdout.split('\n').find((l) => l.startsWith('{"pid"'));
  return line ? (JSON.parse(line) as LoopOutput) : null;
}

function unsharePid(ctx: ScenarioContext): number {
  return Number(note(ctx.guest.notes, 'unshare_pid') ?? Number.NaN);
}

export default defineScenario({
  name: 'unshare-multi',
  description: 'unshare -n -i -u -m -f: one call, four namespaces; then N unshare(CLONE_NEWUTS) calls timed',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_IPC_NS=y', 'CONFIG_UTS_NS=y', 'CONFIG_PROC_EVENTS=y'] },
  params: { UNSHARES: 1000 },
  listener: { args: [] },
  script: `
echo "KPH shell_pid=$$"
for t in mnt uts ipc net; do echo "KPH before_$t=$(readlink /proc/$$/ns/$t)"; done
# The child (-f) reads the namespaces of unshare, its parent, after the call.
unshare -n -i -u -m -f sh -c 'echo "KPH unshare_pid=$PPID"; for t in mnt uts ipc net; do echo "KPH after_$t=$(readlink /proc/$PPID/ns/$t)"; done' || exit 1
kph-unshare-loop -n "$UNSHARES" -t uts
`,
  timeoutSec: 300,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, cn, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    if (!cn) return [...checks, NO_LISTENER_OUTPUT];
    const pid = unsharePid(ctx);
    const loop = loopOutput(guest.stdout);
    const all = nsEvents(cn.events);
    const loopEvents = loop ? all.filter((e) => num(e.data.pid) === loop.pid) : [];
    const others = all.filter((e) => !loopEvents.includes(e));
    checks.push(...checkNsEvents(others, [{ pid, reason: 'unshare', changes: changesFromNotes(guest.notes, TYPES, 'before', 'after') }], provides, 'unshare -n -i -u -m'));

    if (!loop) return [...checks, check('kph-unshare-loop output', false, 'no JSON line on stdout')];
    const n = Number(ctx.params.UNSHARES);
    checks.push(checkEqual('unshare loop: calls made', loop.calls, n));
    const layout = nsLayout(provides);
    if (!layout) {
      checks.push(check('unshare loop: no namespace events without the capability', loopEvents.length === 0, `${loopEvents.length} event(s)`, loopEvents.slice(0, 5).map(nsEventView)));
      return checks;
    }
    checks.push(checkEqual('unshare loop: one event per call', loopEvents.length, n, loopEvents.slice(0, 5).map(nsEventView)));
    // Each event: uts only, from the namespace the previous call made to a new one; the first
    // starts where the loop started, the last ends where it ended (stat of /proc/self/ns/uts).
    const wrong: string[] = [];
    let prev = loop.first;
    for (const [i, e] of loopEvents.entries()) {
      const ch = nsChanges(e);
      const reasonOk = layout === 'v2' ? e.data.reason === 'unshare' && num(e.data.count) === 1 : e.data.reason === 'set';
      const ok = reasonOk && ch.length === 1 && ch[0]!.type === 'uts' && ch[0]!.old === prev && ch[0]!.new !== prev;
      if (!ok && wrong.length < 5) wrong.push(`call ${i}: ${nsEventView(e)} (expected uts from ${prev})`);
      prev = ch[0]?.new ?? Number.NaN;
    }
    checks.push(check('unshare loop: events chain from the first namespace to the last', wrong.length === 0 && prev === loop.last, wrong.length ? `${wrong.length}+ wrong` : `ends at ${prev}, the loop ended in ${loop.last}`, wrong));
    return checks;
  },
  measure(ctx): Record<string, number> {
    const loop = loopOutput(ctx.guest.stdout);
    if (!loop) return {};
    return {
      unsharePerSec: Math.round(loop.per_sec),
      nsEvents: ctx.cn ? nsEvents(ctx.cn.events).length : 0,
    };
  },
});

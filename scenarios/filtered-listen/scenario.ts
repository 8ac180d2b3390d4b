// A listener subscribed with struct proc_input {LISTEN, event_type 0x400} (--filter 0x400)
// while the script makes one namespace change and plain processes (fork/exec/exit, a non-zero
// exit). rfc-v1/v2 (0x400 in PROC_EVENT_ALL, so valid_event() keeps it): the namespace event
// and nothing else, not even the subscription's ack. Baseline: 0x400 is not a 6.12 event, so
// valid_event() strips it, the mask is empty, and 6.12 treats an empty mask as PROC_EVENT_ALL:
// the listener gets every event but no namespace event; that is what it must show.
import { NO_LISTENER_OUTPUT, check, checkNsEvents, describeEvent, note, noteInode, nsEvents, nsLayout, scriptExitedZero } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

export default defineScenario({
  name: 'filtered-listen',
  description: 'listen with --filter 0x400: namespace events only (v1/v2); baseline falls back to all events, none of them namespace events',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_PROC_EVENTS=y'] },
  listener: { args: ['--filter', '0x400'] },
  script: `
echo "KPH before_net=$(readlink /proc/$$/ns/net)"
unshare -n sh -c 'echo "KPH unshare_pid=$$"; echo "KPH after_net=$(readlink /proc/$$/ns/net)"'
/bin/true
sh -c 'exit 3'
exit 0
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, cn, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    if (!cn) return [...checks, NO_LISTENER_OUTPUT];
    const pid = Number(note(guest.notes, 'unshare_pid') ?? Number.NaN);
    const ns = nsEvents(cn.events);
    const other = cn.events.filter((e) => !ns.includes(e));
    const kinds = [...new Set(other.map((e) => e.kind))].sort();
    checks.push(...checkNsEvents(ns, [{ pid, reason: 'unshare', changes: [{ type: 'net', old: noteInode(guest.notes, 'before_net'), new: noteInode(guest.notes, 'after_net') }] }], provides, 'filtered listener'));
    if (nsLayout(provides)) {
      checks.push(check('nothing but namespace events reached the filtered listener', other.length === 0, `${other.length} other event(s)${kinds.length ? `: ${kinds.join(', ')}` : ''}`, other.slice(0, 10).map(describeEvent)));
    } else {
      // The unknown bit falls back to everything: fork, exec and exit of the script's processes.
      checks.push(check('unknown mask 0x400 falls back to all events (fork, exec, exit arrive)', ['exec', 'exit', 'fork'].every((k) => kinds.includes(k)), `kinds seen: ${kinds.join(', ') || 'none'}`));
    }
    return checks;
  },
});

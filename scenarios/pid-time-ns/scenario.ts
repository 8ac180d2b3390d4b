// `unshare -p -T -f`: unshare(CLONE_NEWPID|CLONE_NEWTIME) changes pid_for_children and
// time_for_children of the caller, never its own pid or time namespace (pid_namespaces(7),
// time_namespaces(7)); the fork after it (-f) puts the child into both, and a later fork by
// the child changes nothing. rfc-v1: two events from unshare, reason set, types pid then time
// (the for_children namespaces); rfc-v2: one event reason unshare with the pid and time items;
// neither fork adds an event; without the capability: none.
import { NO_LISTENER_OUTPUT, changesFromNotes, check, checkEqual, checkNsEvents, childrenOf, note, nsEvents, scriptExitedZero } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

export default defineScenario({
  name: 'pid-time-ns',
  description: 'unshare -p -T -f and forks after it: events follow pid_for_children and time_for_children',
  needs: { config: ['CONFIG_PID_NS=y', 'CONFIG_TIME_NS=y', 'CONFIG_PROC_EVENTS=y'] },
  listener: { args: [] },
  script: `
echo "KPH shell_pid=$$"
for t in pid pid_for_children time time_for_children; do echo "KPH before_$t=$(readlink /proc/$$/ns/$t)"; done
rm -f go && mkfifo go
# The child of unshare (pid 1 of the new pid namespace) waits, then forks once more.
unshare -p -T -f sh -c 'read x < go; /bin/true' &
u=$!
i=0
while :; do
	c=$(pgrep -P $u)
	[ -n "$c" ] && [ "$(readlink /proc/$u/ns/pid_for_children)" != "$(readlink /proc/$$/ns/pid_for_children)" ] && break
	i=$((i + 1))
	if [ $i -gt 400 ]; then echo "unshare never forked" >&2; exit 1; fi
	sleep 0.05
done
echo "KPH unshare=$u"
echo "KPH child=$c"
for t in pid pid_for_children time time_for_children; do
	echo "KPH unshare_$t=$(readlink /proc/$u/ns/$t)"
	echo "KPH child_$t=$(readlink /proc/$c/ns/$t)"
done
echo go >go
wait $u
echo "KPH unshare_status=$?"
`,
  timeoutSec: 120,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, cn, provides } = ctx;
    const n = (k: string) => note(guest.notes, k);
    checks.push(scriptExitedZero(guest));
    checks.push(checkEqual('unshare -p -T -f exited 0', n('unshare_status'), '0'));
    // pid_namespaces(7) / time_namespaces(7), as the guest saw them.
    checks.push(checkEqual("unshare's own pid and time namespaces did not change", [n('unshare_pid'), n('unshare_time')], [n('before_pid'), n('before_time')]));
    checks.push(check('its pid_for_children and time_for_children did', n('unshare_pid_for_children') !== n('before_pid_for_children') && n('unshare_time_for_children') !== n('before_time_for_children'), `pid ${n('before_pid_for_children')} → ${n('unshare_pid_for_children')}, time ${n('before_time_for_children')} → ${n('unshare_time_for_children')}`));
    checks.push(checkEqual('the child of the fork is in both', [n('child_pid'), n('child_time'), n('child_pid_for_children'), n('child_time_for_children')], [n('unshare_pid_for_children'), n('unshare_time_for_children'), n('unshare_pid_for_children'), n('unshare_time_for_children')]));
    if (!cn) return [...checks, NO_LISTENER_OUTPUT];
    const u = Number(n('unshare') ?? Number.NaN);
    const child = Number(n('child') ?? Number.NaN);
    // The forks happened while the listener listened: unshare → child, child → /bin/true.
    const forks = [childrenOf(cn.events, u), childrenOf(cn.events, child)];
    checks.push(check('fork events: unshare → child, and a fork by the child', forks[0]!.includes(child) && forks[1]!.length >= 1, `children of ${u}: ${forks[0]!.join(',') || 'none'}; of ${child}: ${forks[1]!.join(',') || 'none'}`));
    const changes = changesFromNotes(guest.notes, ['pid', 'time'], 'before', 'unshare', (t) => `${t}_for_children`);
    checks.push(...checkNsEvents(nsEvents(cn.events), [{ pid: u, reason: 'unshare', changes }], provides, 'unshare -p -T, then two forks'));
    return checks;
  },
});

// clone(CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWNET) by
// images/guest-tools/kph-clone-ns, which prints the child's pid and the namespace links of
// parent (before) and child (after). rfc-v1: one event per namespace but user (mnt, uts, ipc,
// net, pid), reason clone, all with the child's pid; rfc-v2: one event with the child's pid,
// reason clone, count 6 (mnt, uts, ipc, net, pid, user); without the capability: none. The fork
// event of the child comes before its namespace events. Pid is pid_for_children: the parent's
// before, the child's after (the child's own pid namespace, which it is pid 1 of).
import { NO_LISTENER_OUTPUT, changesFromNotes, check, checkEqual, checkNsEvents, note, nsEvents, num, scriptExitedZero } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

const TYPES = ['mnt', 'uts', 'ipc', 'net', 'pid', 'user'];

export default defineScenario({
  name: 'clone-flags',
  description: 'clone() with six CLONE_NEW* flags (kph-clone-ns): one namespace event per namespace (v1) or one with count 6 (v2)',
  needs: { config: ['CONFIG_USER_NS=y', 'CONFIG_PID_NS=y', 'CONFIG_NET_NS=y', 'CONFIG_IPC_NS=y', 'CONFIG_UTS_NS=y', 'CONFIG_PROC_EVENTS=y'] },
  listener: { args: [] },
  script: `
kph-clone-ns
`,
  timeoutSec: 120,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, cn, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    const child = Number(note(guest.notes, 'child') ?? Number.NaN);
    const parent = Number(note(guest.notes, 'parent') ?? Number.NaN);
    checks.push(checkEqual('child exited 0', note(guest.notes, 'child_status'), '0'));
    // pid_namespaces(7): the child is in the namespace its parent's clone made for it.
    checks.push(checkEqual("child's own pid namespace = its pid_for_children", note(guest.notes, 'child_pid'), note(guest.notes, 'child_pid_for_children')));
    if (!cn) return [...checks, NO_LISTENER_OUTPUT];
    const changes = changesFromNotes(guest.notes, TYPES, 'parent', 'child', (t) => (t === 'pid' ? 'pid_for_children' : t));
    checks.push(...checkNsEvents(nsEvents(cn.events), [{ pid: child, reason: 'clone', changes }], provides, 'clone'));
    const fork = cn.events.findIndex((e) => e.kind === 'fork' && num(e.data.child_pid) === child && num(e.data.parent_pid) === parent);
    checks.push(check('fork event of the child', fork >= 0, fork >= 0 ? `at ${fork}` : `no fork ${parent} → ${child}`));
    const firstNs = cn.events.findIndex((e) => e.what === 0x400);
    if (firstNs >= 0) checks.push(check('the fork event comes before the namespace events', fork >= 0 && fork < firstNs, `fork at ${fork}, first namespace event at ${firstNs}`));
    return checks;
  },
});

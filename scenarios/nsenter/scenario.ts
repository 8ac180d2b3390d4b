// `nsenter -t PID -i -n` into a process prepared with `unshare -i -n sleep 60 &`. nsenter (util-
// linux) calls setns() once per namespace (ipc, then net). rfc-v1: the target's unshare gives two
// events reason set (ipc, net), nsenter two more reason set; rfc-v2: the target's unshare one
// event reason unshare count 2, nsenter two events reason setns count 1 each; without the
// capability: none. Inodes: the shell's before, the target's after (readlink), and what the
// command nsenter ran saw is the target's namespaces.
import { NO_LISTENER_OUTPUT, SYSCALL_NR, changesFromNotes, check, checkEqual, checkNsEvents, note, noteInode, nsEvents, scriptExitedZero, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

export default defineScenario({
  name: 'nsenter',
  description: 'nsenter -t PID -i -n into an unshare -i -n process: one setns event per namespace',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_IPC_NS=y', 'CONFIG_PROC_EVENTS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S unshare,setns -k kph-ns'],
  listener: { args: [] },
  script: `
echo "KPH shell_pid=$$"
kph_ns_notes before $$ ipc net
unshare -i -n sleep 60 &
target=$!
KPH_WAIT_TRIES=400 kph_wait_own_ns "$target" net ipc || { echo "the target never unshared" >&2; kill $target; exit 1; }
echo "KPH target_pid=$target"
kph_ns_notes target "$target" ipc net
nsenter -t "$target" -i -n sh -c 'echo "KPH nsenter_pid=$$"; for t in ipc net; do echo "KPH entered_$t=$(readlink /proc/$$/ns/$t)"; done'
rc=$?
kill $target
wait $target 2>/dev/null
exit $rc
`,
  timeoutSec: 120,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, cn, provides, audit } = ctx;
    checks.push(scriptExitedZero(guest));
    const target = Number(note(guest.notes, 'target_pid') ?? Number.NaN);
    const nsenter = Number(note(guest.notes, 'nsenter_pid') ?? Number.NaN);
    checks.push(checkEqual('nsenter entered the target\'s namespaces', ['ipc', 'net'].map((t) => noteInode(guest.notes, `entered_${t}`)), ['ipc', 'net'].map((t) => noteInode(guest.notes, `target_${t}`))));
    // The same calls, seen by audit: one unshare by the target, one setns per namespace by nsenter.
    const setns = syscallRecords(audit.records, SYSCALL_NR.setns, nsenter);
    checks.push(check('audit: two successful setns calls by nsenter', setns.length === 2 && setns.every((r) => /success=yes/.test(r.line)), `${setns.length} setns record(s)`, setns.map((r) => r.line.slice(0, 160))));
    checks.push(checkEqual('audit: one unshare call by the target', syscallRecords(audit.records, SYSCALL_NR.unshare, target).length, 1));
    if (!cn) return [...checks, NO_LISTENER_OUTPUT];
    const calls = [
      { pid: target, reason: 'unshare' as const, changes: changesFromNotes(guest.notes, ['ipc', 'net'], 'before', 'target') },
      { pid: nsenter, reason: 'setns' as const, changes: changesFromNotes(guest.notes, ['ipc'], 'before', 'entered') },
      { pid: nsenter, reason: 'setns' as const, changes: changesFromNotes(guest.notes, ['net'], 'before', 'entered') },
    ];
    checks.push(...checkNsEvents(nsEvents(cn.events), calls, provides, 'unshare -i -n, then nsenter -i -n'));
    return checks;
  },
});

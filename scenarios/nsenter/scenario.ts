// `nsenter -t PID -i -n` into a process prepared with `unshare -i -n sleep 60 &`. nsenter (util-
// linux) calls setns() once per namespace (ipc, then net). rfc-v1: the target's unshare gives two
// events reason set (ipc, net), nsenter two more reason set; rfc-v2: the target's unshare one
// event reason unshare count 2, nsenter two events reason setns count 1 each; without the
// capability: none. Inodes: the shell's before, the target's after (readlink), and what the
// command nsenter ran saw is the target's namespaces.
import { check, checkEqual, checkNsEvents, changesFromNotes, nsEvents, note, noteInode, SYSCALL_NR, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

export default defineScenario({
  name: 'nsenter',
  description: 'nsenter -t PID -i -n into an unshare -i -n process: one setns event per namespace',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_IPC_NS=y', 'CONFIG_PROC_EVENTS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S unshare,setns -k kph-ns'],
  listener: { args: [] },
  script: `
echo "KPH shell_pid=$$"
for t in ipc net; do echo "KPH before_$t=$(readlink /proc/$$/ns/$t)"; done
unshare -i -n sleep 60 &
target=$!
i=0
until [ "$(readlink /proc/$target/ns/net)" != "$(readlink /proc/$$/ns/net)" ] && [ "$(readlink /proc/$target/ns/ipc)" != "$(readlink /proc/$$/ns/ipc)" ]; do
	i=$((i + 1))
	if [ $i -gt 400 ]; then echo "the target never unshared" >&2; kill $target; exit 1; fi
	sleep 0.05
done
echo "KPH target_pid=$target"
for t in ipc net; do echo "KPH target_$t=$(readlink /proc/$target/ns/$t)"; done
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
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const target = Number(note(guest.notes, 'target_pid') ?? Number.NaN);
    const nsenter = Number(note(guest.notes, 'nsenter_pid') ?? Number.NaN);
    checks.push(checkEqual('nsenter entered the target\'s namespaces', ['ipc', 'net'].map((t) => noteInode(guest.notes, `entered_${t}`)), ['ipc', 'net'].map((t) => noteInode(guest.notes, `target_${t}`))));
    // The same calls, seen by audit: one unshare by the target, one setns per namespace by nsenter.
    const setns = syscallRecords(audit.records, SYSCALL_NR.setns, nsenter);
    checks.push(check('audit: two successful setns calls by nsenter', setns.length === 2 && setns.every((r) => /success=yes/.test(r.line)), `${setns.length} setns record(s)`, setns.map((r) => r.line.slice(0, 160))));
    checks.push(checkEqual('audit: one unshare call by the target', syscallRecords(audit.records, SYSCALL_NR.unshare, target).length, 1));
    if (!cn) return [...checks, check('listener output', false, 'no listener output')];
    const calls = [
      { pid: target, reason: 'unshare' as const, changes: changesFromNotes(guest.notes, ['ipc', 'net'], 'before', 'target') },
      { pid: nsenter, reason: 'setns' as const, changes: changesFromNotes(guest.notes, ['ipc'], 'before', 'entered') },
      { pid: nsenter, reason: 'setns' as const, changes: changesFromNotes(guest.notes, ['net'], 'before', 'entered') },
    ];
    checks.push(...checkNsEvents(nsEvents(cn.events), calls, provides, 'unshare -i -n, then nsenter -i -n'));
    return checks;
  },
});

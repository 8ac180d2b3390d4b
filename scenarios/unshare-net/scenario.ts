// The seed's example (002): `unshare -n -f ls -l /proc/self/ns/net`. Every kernel must show the
// fork/exec/exit events of unshare and ls with consistent pids and an audit SYSCALL record for
// unshare; kernels with namespace events must report the change from the init netns to the
// inode ls printed, in their revision's layout; kernels without them must report none.
import { NO_LISTENER_OUTPUT, PROC_EVENT_SIZE_6_12, SYSCALL_NR, check, checkEqual, childrenOf, describeEvent, note, nsEvents, nsInode, num, scriptExitedZero, syscallRecords } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

export default defineScenario({
  name: 'unshare-net',
  description: 'unshare -n -f ls -l /proc/self/ns/net (seed 002): connector events, audit SYSCALL, namespace event',
  needs: { config: ['CONFIG_NET_NS=y', 'CONFIG_PROC_EVENTS=y', 'CONFIG_AUDITSYSCALL=y'] },
  auditRules: ['-a always,exit -F arch=b64 -S unshare,setns,clone,clone3 -k kph-ns'],
  listener: { args: [] },
  script: `
echo "KPH shell_pid=$$"
echo "KPH init_net=$(readlink /proc/self/ns/net)"
unshare -n -f ls -l /proc/self/ns/net >ls.out
rc=$?
cat ls.out
echo "KPH ls=$(cat ls.out)"
exit $rc
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, cn, audit, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    const shell = Number(note(guest.notes, 'shell_pid'));
    const initNet = nsInode(note(guest.notes, 'init_net'));
    const newNet = nsInode(note(guest.notes, 'ls'));
    checks.push(check('ls printed a new netns inode', newNet !== null && initNet !== null && newNet !== initNet, `init ${initNet}, ls ${newNet}`));
    if (!cn) return [...checks, NO_LISTENER_OUTPUT];
    checks.push(check('listener subscribed', cn.ready, cn.ready ? 'acked' : 'the listener never became ready'));
    const events = cn.events;

    // unshare is the child of the script shell that forks again (-f) to run ls.
    const unsharePid = childrenOf(events, shell).find((p) => childrenOf(events, p).length > 0);
    checks.push(check('fork of unshare by the script shell', unsharePid !== undefined, unsharePid ? `pid ${unsharePid}` : `no child of ${shell} forked again`));
    if (unsharePid === undefined) return checks;
    const lsPid = childrenOf(events, unsharePid)[0]!;
    const idx = (pred: (e: (typeof events)[number]) => boolean) => events.findIndex(pred);
    const order = [
      ['fork shell→unshare', idx((e) => e.kind === 'fork' && num(e.data.child_pid) === unsharePid)],
      ['exec unshare', idx((e) => e.kind === 'exec' && num(e.data.pid) === unsharePid)],
      ['fork unshare→ls', idx((e) => e.kind === 'fork' && num(e.data.child_pid) === lsPid)],
      ['exec ls', idx((e) => e.kind === 'exec' && num(e.data.pid) === lsPid)],
      ['exit ls', idx((e) => e.kind === 'exit' && num(e.data.pid) === lsPid)],
      ['exit unshare', idx((e) => e.kind === 'exit' && num(e.data.pid) === unsharePid)],
    ] as const;
    const missing = order.filter(([, i]) => i < 0).map(([n]) => n);
    const inOrder = order.every(([, i], k) => k === 0 || i > order[k - 1]![1]);
    checks.push(check('fork/exec/exit events of unshare and ls, in order', missing.length === 0 && inOrder, missing.length ? `missing: ${missing.join(', ')}` : inOrder ? `pids ${unsharePid}, ${lsPid}` : `out of order: ${order.map(([n, i]) => `${n}@${i}`).join(' ')}`));

    // Payload sizes: rfc-v1 grows the union and so every event (an ABI change it documents).
    const fixed = events.filter((e) => ['fork', 'exec', 'exit'].includes(e.kind));
    const wantLen = provides.has('cn-ns-events:v1') ? PROC_EVENT_SIZE_6_12 + 8 : PROC_EVENT_SIZE_6_12;
    const badLen = fixed.filter((e) => e.len !== wantLen);
    checks.push(check(`fork/exec/exit payload length ${wantLen}`, badLen.length === 0, badLen.length ? `${badLen.length} events of another length, e.g. ${describeEvent(badLen[0]!)}` : `${fixed.length} events`));

    const sys = syscallRecords(audit.records, SYSCALL_NR.unshare, unsharePid);
    checks.push(check('audit SYSCALL record for unshare', sys.length === 1 && /success=yes/.test(sys[0]!.line) && /key="kph-ns"/.test(sys[0]!.line), `${sys.length} record(s)${sys[0] ? `: ${sys[0].line.slice(0, 160)}` : ''}`));

    const ns = nsEvents(events);
    const nsLines = ns.map(describeEvent);
    if (provides.has('cn-ns-events:v1')) {
      const mine = ns.filter((e) => num(e.data.pid) === unsharePid);
      const e = mine[0];
      checks.push(check('v1: one namespace event, from unshare', mine.length === 1 && ns.length === 1, `${ns.length} namespace event(s)`, nsLines));
      if (e) {
        checks.push(checkEqual('v1: event layout, type and reason', [e.data.layout, e.data.type, e.data.reason], ['v1', 'net', 'set'], nsLines));
        checks.push(checkEqual('v1: old and new inode = init netns and what ls printed', [num(e.data.old_inum), num(e.data.inum)], [initNet, newNet], nsLines));
      }
    } else if (provides.has('cn-ns-events:v2')) {
      const mine = ns.filter((e) => num(e.data.pid) === unsharePid);
      const e = mine[0];
      checks.push(check('v2: one namespace event, from unshare', mine.length === 1 && ns.length === 1, `${ns.length} namespace event(s)`, nsLines));
      if (e) {
        const items = (e.data.items as { type: string; old_inum: number; inum: number }[] | undefined) ?? [];
        checks.push(checkEqual('v2: layout, reason and count', [e.data.layout, e.data.reason, e.data.count], ['v2', 'unshare', 1], nsLines));
        checks.push(checkEqual('v2: item = net, init netns → what ls printed', items.map((i) => [i.type, i.old_inum, i.inum]), [['net', initNet, newNet]], nsLines));
      }
    } else {
      checks.push(check('no namespace events without the capability', ns.length === 0, `${ns.length} namespace event(s)`, nsLines));
    }
    return checks;
  },
});

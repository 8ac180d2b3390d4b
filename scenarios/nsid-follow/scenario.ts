// audit-nsid, the strawman's daemon: a "container" (a process tree started by
// `unshare -u -n`, whose processes unshare further and clone with CLONE_NEWUTS) runs while
// processes outside it make the same kinds of calls. Starting from the NSID record of the
// container's first process (its new_auditnsid) and adding every record whose auditnsid is
// followed (its new_auditnsid, its pid and new_pid), in log order, must find exactly the
// container's pids (those that changed namespaces, and the cloned child) and none outside.
// Without the series: no NSID record.
import { check, checkEqual, checkNoNsid, note, nsids } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

/** The pids following ids from the record that started `init`'s container, in log order. */
export function follow(all: ReturnType<typeof nsids>, init: number): { pids: number[]; ids: string[]; records: number } | null {
  const start = all.findIndex((n) => n.pid === init);
  if (start < 0) return null;
  const ids = new Set([all[start]!.newAuditnsid]);
  const pids = new Set([init]);
  let records = 1;
  for (const n of all.slice(start + 1)) {
    if (!ids.has(n.auditnsid)) continue;
    records++;
    ids.add(n.newAuditnsid);
    pids.add(n.pid);
    if (n.newPid !== null) pids.add(n.newPid);
  }
  return { pids: [...pids].sort((a, b) => a - b), ids: [...ids], records };
}

export default defineScenario({
  name: 'nsid-follow',
  description: "following auditnsids from a container's first record finds exactly its pids, none outside (audit-nsid)",
  needs: { config: ['CONFIG_UTS_NS=y', 'CONFIG_IPC_NS=y', 'CONFIG_NET_NS=y'] },
  script: `
cat > /tmp/kph-nsid-container.sh <<'EOF'
echo "KPH init=$$"
echo "KPH member=$$"
unshare -i sh -c 'echo "KPH member=$$"; unshare -m sh -c "echo KPH member=\\$\\$"'
kph-clone-ns -f 0x04000000 | sed -n 's/^KPH parent=/KPH member=/p; s/^KPH child=/KPH member=/p'
EOF
# outside the container, at the same time: the same kinds of calls
(
	unshare -i sh -c 'echo "KPH outside=$$"; unshare -n sh -c "echo KPH outside=\\$\\$"'
	kph-clone-ns -f 0x04000000 | sed -n 's/^KPH parent=/KPH outside=/p; s/^KPH child=/KPH outside=/p'
) &
unshare -u -n sh /tmp/kph-nsid-container.sh
wait
`,
  timeoutSec: 120,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const members = [...new Set((guest.notes.member ?? []).map(Number))].sort((a, b) => a - b);
    const outside = (guest.notes.outside ?? []).map(Number);
    checks.push(checkEqual('the container printed 5 pids, the outside 4', [members.length, outside.length], [5, 4]));
    if (!provides.has('audit-nsid')) return [...checks, checkNoNsid(audit.records)];
    const all = nsids(audit.records);
    const init = Number(note(guest.notes, 'init'));
    const found = follow(all, init);
    if (!found) return [...checks, check("the container's first NSID record", false, `no record with pid=${init}`)];
    checks.push(checkEqual("following ids from the container's first record finds exactly its pids", found.pids, members, all.map((n) => n.record.line)));
    checks.push(checkEqual('records followed: the first, two unshares, one clone', found.records, 4));
    const leaked = found.pids.filter((p) => outside.includes(p));
    checks.push(check('no pid from outside the container', leaked.length === 0, leaked.length ? `found ${leaked.join(', ')}` : `${outside.length} outside pids, none found`));
    const outsideRecs = all.filter((n) => outside.includes(n.pid));
    checks.push(check('the outside calls were logged too (so the follow had something to leave out)', outsideRecs.length === 3, `${outsideRecs.length} outside records`));
    return checks;
  },
});

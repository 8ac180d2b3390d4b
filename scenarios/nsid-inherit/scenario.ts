// audit-nsid: `unshare -u sh -c 'unshare -i sh'`: the outer unshare gives its process a new id;
// the inner unshare runs in a child forked from it (fork copies the id, logs nothing), so the
// second NSID record's auditnsid is the first's new_auditnsid. Without the series: no NSID.
import { check, checkEqual, checkNoNsid, CLONE_NEW, note, nsids, nsidValue } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

export default defineScenario({
  name: 'nsid-inherit',
  description: "unshare -u, then unshare -i in a forked child: the second record's auditnsid = the first's new_auditnsid (audit-nsid)",
  needs: { config: ['CONFIG_UTS_NS=y', 'CONFIG_IPC_NS=y'] },
  script: `
unshare -u sh -c 'echo "KPH outer=$$"; unshare -i sh -c "echo KPH inner=\\$\\$"'
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, audit, provides } = ctx;
    checks.push(checkEqual('guest script exit code', guest.exitCode, 0, guest.stderr.split('\n')));
    const outer = Number(note(guest.notes, 'outer'));
    const inner = Number(note(guest.notes, 'inner'));
    checks.push(check('two processes (the inner a forked child)', outer > 0 && inner > 0 && outer !== inner, `outer ${outer}, inner ${inner}`));
    if (!provides.has('audit-nsid')) return [...checks, checkNoNsid(audit.records)];
    const a = nsids(audit.records, outer);
    const b = nsids(audit.records, inner);
    const lines = [...a, ...b].map((n) => n.record.line);
    checks.push(checkEqual('one NSID record each', [a.length, b.length], [1, 1], lines));
    if (!a[0] || !b[0]) return checks;
    checks.push(check('first: op=unshare nsflags=04000000 (uts); second: op=unshare nsflags=08000000 (ipc)', a[0].op === 'unshare' && a[0].nsflags === CLONE_NEW.uts && b[0].op === 'unshare' && b[0].nsflags === CLONE_NEW.ipc, `${a[0].op} ${a[0].nsflags.toString(16)}, ${b[0].op} ${b[0].nsflags.toString(16)}`, lines));
    checks.push(checkEqual("second record's auditnsid = first record's new_auditnsid (inherited on fork)", b[0].auditnsid, a[0].newAuditnsid, lines));
    checks.push(check('ids increase along the chain', nsidValue(a[0].auditnsid) < nsidValue(a[0].newAuditnsid) && nsidValue(a[0].newAuditnsid) < nsidValue(b[0].newAuditnsid), `${a[0].auditnsid} → ${a[0].newAuditnsid} → ${b[0].newAuditnsid}`));
    checks.push(checkEqual('the inner record lists the outer uts namespace', b[0].inums.uts, a[0].inums.uts, lines));
    return checks;
  },
});

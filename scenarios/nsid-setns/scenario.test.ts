import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { dropRecords, editNsid, NSID_META, nsidPid } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
const nsid = () => loadCapture(fx(NSID_FIXTURE), 'nsid-setns', NSID_META);

describe('nsid-setns on real captures', () => {
  it('passes on baseline: every setns succeeds, no NSID record', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-setns')))).toEqual([]);
  });
  it('passes on audit-nsid@strawman', () => {
    expect(failed(scenario.expect(nsid()))).toEqual([]);
  });
  it('fails the audit-nsid capture judged without the series', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-setns')))).toEqual(['no NSID records without the series']);
  });
  it('fails the baseline capture judged as audit-nsid', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-setns', NSID_META)))).toEqual([
      'pidfd: one NSID record for the one setns(pidfd, uts|ipc|net)',
      'one NSID record per setns, in call order (op=setns, nsflags = the type)',
      "each record: the joined link's inode = the target's",
      "each record's auditnsid = the previous one's new_auditnsid, and ids grow",
    ]);
  });
  it('fails on a wrong joined inode, a broken chain, a pidfd call logged twice, a record outside its event', () => {
    let ctx = nsid();
    const caller = Number(ctx.guest.notes.setns_caller![0]);
    editNsid(ctx, 'pid_for_children_inum', '4026531836', (r) => nsidPid(r) === caller);
    expect(failed(scenario.expect(ctx))).toEqual(["each record: the joined link's inode = the target's"]);
    ctx = nsid();
    editNsid(ctx, 'auditnsid', '00000001', (r, i) => nsidPid(r) === caller && i > 3);
    expect(failed(scenario.expect(ctx))).toContain("each record's auditnsid = the previous one's new_auditnsid, and ids grow");
    ctx = nsid();
    const pidfd = Number(ctx.guest.notes.pidfd_caller![0]);
    const rec = ctx.audit.records.find((r) => r.typeNumber === 1357 && nsidPid(r) === pidfd)!;
    ctx.audit.records = [...ctx.audit.records, rec];
    expect(failed(scenario.expect(ctx))).toEqual(['pidfd: one NSID record for the one setns(pidfd, uts|ipc|net)']);
    ctx = nsid();
    dropRecords(ctx, (r) => r.type === 'SYSCALL');
    expect(failed(scenario.expect(ctx))).toEqual(['audit: one setns SYSCALL per type', 'each record in its setns SYSCALL event (same serial, success=yes)']);
  });
});

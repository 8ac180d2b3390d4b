import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { dropRecords, editNsid, NSID_META } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
const nsid = () => loadCapture(fx(NSID_FIXTURE), 'nsid-unshare', NSID_META);

describe('nsid-unshare on real captures', () => {
  it('passes on baseline: no NSID record, no /proc/<pid>/auditnsid', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-unshare')))).toEqual([]);
  });
  it('passes on audit-nsid@strawman', () => {
    expect(failed(scenario.expect(nsid()))).toEqual([]);
  });
  it('fails the audit-nsid capture judged as a kernel without the series', () => {
    const ctx = loadCapture(fx(NSID_FIXTURE), 'nsid-unshare');
    expect(failed(scenario.expect(ctx))).toEqual(['no NSID records without the series', 'no /proc/<pid>/auditnsid without the series']);
  });
  it('fails the baseline capture judged as audit-nsid (no record)', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-unshare', NSID_META)))).toEqual(["pid 1 has the initial task's id 00000001 (forked from it, no namespace change)", 'one NSID record for the unsharing pid']);
  });
  it('fails on a wrong net_inum, new_auditnsid, flag or a record outside the syscall event', () => {
    let ctx = nsid();
    editNsid(ctx, 'net_inum', '4026531840');
    expect(failed(scenario.expect(ctx))).toEqual(['net_inum = what readlink printed', "every <link>_inum = the caller's link after the unshare"]);
    ctx = nsid();
    editNsid(ctx, 'new_auditnsid', '00000001');
    expect(failed(scenario.expect(ctx))).toEqual(['new_auditnsid = /proc/<pid>/auditnsid after', 'the new id is larger than the old']);
    ctx = nsid();
    editNsid(ctx, 'nsflags', '4000000');
    expect(failed(scenario.expect(ctx))).toEqual(['op=unshare nsflags=40000000 (CLONE_NEWNET), no new_pid, res=1']);
    ctx = nsid();
    dropRecords(ctx, (r) => r.type === 'SYSCALL');
    expect(failed(scenario.expect(ctx))).toEqual(['one audited unshare', 'same serial as the unshare SYSCALL record (success=yes)']);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { editNsid, NSID_META } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
const nsid = () => loadCapture(fx(NSID_FIXTURE), 'nsid-clone', NSID_META);

describe('nsid-clone on real captures', () => {
  it('passes on baseline', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-clone')))).toEqual([]);
  });
  it('passes on audit-nsid@strawman', () => {
    expect(failed(scenario.expect(nsid()))).toEqual([]);
  });
  it('fails the audit-nsid capture judged without the series', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-clone')))).toEqual(['no NSID records without the series', 'no /proc/<pid>/auditnsid without the series']);
  });
  it('fails the baseline capture judged as audit-nsid', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-clone', NSID_META)))).toEqual(['one NSID record with pid = the parent']);
  });
  it('fails when new_pid is not the child, the parent id moved, or an inode is the parent\'s', () => {
    let ctx = nsid();
    editNsid(ctx, 'new_pid', '1');
    expect(failed(scenario.expect(ctx))).toEqual(['op=clone nsflags=40020000 new_pid=<child> res=1']);
    ctx = nsid();
    ctx.guest.notes.parent_auditnsid_after = ctx.guest.notes.child_auditnsid!;
    expect(failed(scenario.expect(ctx))).toEqual(["the parent's own id is unchanged by the clone"]);
    ctx = nsid();
    editNsid(ctx, 'mnt_inum', String(ctx.guest.notes.parent_mnt![0]!.replace(/\D/g, '')));
    expect(failed(scenario.expect(ctx))).toEqual(["every <link>_inum = the child's link"]);
  });
});

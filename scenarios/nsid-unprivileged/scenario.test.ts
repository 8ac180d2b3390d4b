import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { editNsid, NSID_META, nsidPid } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
const nsid = () => loadCapture(fx(NSID_FIXTURE), 'nsid-unprivileged', NSID_META);

describe('nsid-unprivileged on real captures', () => {
  it('passes on baseline', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-unprivileged')))).toEqual([]);
  });
  it('passes on audit-nsid@strawman', () => {
    expect(failed(scenario.expect(nsid()))).toEqual([]);
  });
  it('fails the audit-nsid capture judged without the series', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-unprivileged')))).toEqual(['no NSID records without the series']);
  });
  it('fails when the failed unshare logged a record, or the user record has the wrong flag', () => {
    let ctx = nsid();
    const userPid = Number(ctx.guest.notes.user_pid![0]);
    const netPid = Number(ctx.guest.notes.net_pid![0]);
    editNsid(ctx, 'pid', String(netPid), (r) => nsidPid(r) === userPid);
    expect(failed(scenario.expect(ctx))).toEqual(['no NSID record for the failed unshare', 'one NSID record for unshare -U: op=unshare nsflags=10000000, user_inum = the new user namespace']);
    ctx = nsid();
    editNsid(ctx, 'nsflags', '40000000', (r) => nsidPid(r) === userPid);
    expect(failed(scenario.expect(ctx))).toEqual(['one NSID record for unshare -U: op=unshare nsflags=10000000, user_inum = the new user namespace']);
  });
});

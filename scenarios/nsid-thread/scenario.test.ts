import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { editNsid, NSID_META } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
const nsid = () => loadCapture(fx(NSID_FIXTURE), 'nsid-thread', NSID_META);

describe('nsid-thread on real captures', () => {
  it('passes on baseline', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-thread')))).toEqual([]);
  });
  it('passes on audit-nsid@strawman', () => {
    expect(failed(scenario.expect(nsid()))).toEqual([]);
  });
  it('fails the audit-nsid capture judged without the series, and the baseline judged with it', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-thread')))).toEqual(['no NSID records without the series']);
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-thread', NSID_META)))).toEqual(['two NSID records with pid = the tgid']);
  });
  it('fails when the thread record names the tgid, or the clone moved the main thread\'s id', () => {
    let ctx = nsid();
    editNsid(ctx, 'new_pid', ctx.guest.notes.tgid![0]!, (_r, i) => i === 0);
    expect(failed(scenario.expect(ctx))).toEqual(["thread: op=clone nsflags=40000000 new_pid = the tid, new_auditnsid = the thread's own id, net_inum = its net"]);
    ctx = nsid();
    ctx.guest.notes.main_auditnsid_after = ctx.guest.notes.thread_auditnsid!;
    expect(failed(scenario.expect(ctx))).toEqual(["the main thread's id: in both records, and unchanged after each clone"]);
  });
});

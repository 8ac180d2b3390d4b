import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { editNsid, NSID_META, nsidPid } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
const nsid = () => loadCapture(fx(NSID_FIXTURE), 'nsid-follow', NSID_META);

describe('nsid-follow on real captures', () => {
  it('passes on baseline', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-follow')))).toEqual([]);
  });
  it('passes on audit-nsid@strawman: the follow finds exactly the container', () => {
    expect(failed(scenario.expect(nsid()))).toEqual([]);
  });
  it('fails the audit-nsid capture judged without the series', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-follow')))).toEqual(['no NSID records without the series']);
  });
  it('fails when an outside record carries a container id (the follow leaks)', () => {
    const ctx = nsid();
    const outside = (ctx.guest.notes.outside ?? []).map(Number);
    const init = Number(ctx.guest.notes.init![0]);
    const first = ctx.audit.records.find((r) => r.typeNumber === 1357 && nsidPid(r) === init)!;
    const id = first.fields.find((f) => f.name === 'new_auditnsid')!.raw;
    // the outside record logged last (after the container's first one, whatever the interleaving)
    const last = ctx.audit.records.filter((r) => r.typeNumber === 1357 && outside.includes(nsidPid(r))).at(-1)!;
    editNsid(ctx, 'auditnsid', id, (r) => r.serial === last.serial);
    expect(failed(scenario.expect(ctx))).toEqual(["following ids from the container's first record finds exactly its pids", 'records followed: the first, two unshares, one clone', 'no pid from outside the container']);
  });
  it('fails when a container record breaks the chain (the follow misses pids)', () => {
    const ctx = nsid();
    const members = (ctx.guest.notes.member ?? []).map(Number);
    editNsid(ctx, 'auditnsid', '00000001', (r) => nsidPid(r) === members[1]);
    expect(failed(scenario.expect(ctx))).toContain("following ids from the container's first record finds exactly its pids");
  });
});

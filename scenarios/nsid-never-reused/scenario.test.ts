import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { editNsid, NSID_META } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
const P = { N: 1000 };
const nsid = () => loadCapture(fx(NSID_FIXTURE), 'nsid-never-reused', NSID_META, P);

describe('nsid-never-reused on real captures (N=1000; ns-serial@v5: N=50)', () => {
  it('passes on baseline', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-never-reused', {}, P)))).toEqual([]);
  });
  it('passes on audit-nsid@strawman: ids grow while net_inum values repeat', () => {
    const ctx = nsid();
    expect(failed(scenario.expect(ctx))).toEqual([]);
    expect(scenario.measure!(ctx).nsidRecords).toBe(1000);
  });
  it('fails the audit-nsid capture judged without the series', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-never-reused', {}, P)))).toEqual(['no NSID records without the series']);
  });
  // Real: ns-serial@v5 logs its namespace records inside unshare, so audit logs each unshare
  // (N=50: the N=1000 capture is 2.7 MB; kph run --all found the old check wrong on it).
  it('passes on ns-serial@v5, whose own records make each unshare logged', () => {
    const ctx = loadCapture(fx('ns-serial@v5'), 'nsid-never-reused', bundledMeta('ns-serial@v5'), { N: 50 });
    const checks = scenario.expect(ctx);
    expect(failed(checks)).toEqual([]);
    expect(checks.find((c) => c.name.startsWith('no audit rule'))!.message).toBe('50 unshare SYSCALL records, 0 alone');
  });
  it('fails when an unshare is logged with no record of the kernel\'s own in its event', () => {
    const ctx = loadCapture(fx('ns-serial@v5'), 'nsid-never-reused', bundledMeta('ns-serial@v5'), { N: 50 });
    const serial = ctx.audit.records.find((r) => r.type === 'SYSCALL')!.serial;
    ctx.audit.records = ctx.audit.records.filter((r) => r.serial !== serial || r.type === 'SYSCALL' || r.type === 'PROCTITLE');
    expect(failed(scenario.expect(ctx))).toEqual(['no audit rule: no unshare SYSCALL record without a record the kernel logged inside that unshare']);
  });
  it('fails audit-nsid when an NSID record has no SYSCALL record of its own', () => {
    const ctx = loadCapture(fx(NSID_FIXTURE), 'nsid-never-reused', NSID_META, P);
    const drop = ctx.audit.records.findIndex((r) => r.type === 'SYSCALL');
    ctx.audit.records.splice(drop, 1);
    expect(failed(scenario.expect(ctx))).toEqual(['each NSID record shares its serial with its unshare SYSCALL record (logged although no rule is loaded)']);
  });
  it('fails when an id comes back, or the chain breaks', () => {
    let ctx = nsid();
    editNsid(ctx, 'new_auditnsid', '00000002', (_r, i) => i === 500);
    expect(failed(scenario.expect(ctx))).toEqual(['new ids strictly increase (so never repeat)', "each record's auditnsid = the previous record's new_auditnsid"]);
    ctx = nsid();
    editNsid(ctx, 'auditnsid', '00000001', (_r, i) => i === 10);
    expect(failed(scenario.expect(ctx))).toEqual(["each record's auditnsid = the previous record's new_auditnsid"]);
  });
  it('fails when a record is missing', () => {
    const ctx = nsid();
    const i = ctx.audit.records.findIndex((r) => r.typeNumber === 1357);
    ctx.audit.records.splice(i, 1);
    expect(failed(scenario.expect(ctx))).toEqual(['1000 NSID records (logged without any rule), op=unshare nsflags=40000000']);
  });
});

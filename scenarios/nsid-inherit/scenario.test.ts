import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { editNsid, NSID_META, nsidPid } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
const nsid = () => loadCapture(fx(NSID_FIXTURE), 'nsid-inherit', NSID_META);

describe('nsid-inherit on real captures', () => {
  it('passes on baseline', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-inherit')))).toEqual([]);
  });
  it('passes on audit-nsid@strawman', () => {
    expect(failed(scenario.expect(nsid()))).toEqual([]);
  });
  it('fails the audit-nsid capture judged without the series', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-inherit')))).toEqual(['no NSID records without the series']);
  });
  it('fails the baseline capture judged as audit-nsid', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-inherit', NSID_META)))).toEqual(['one NSID record each']);
  });
  it('fails when the inner record does not carry the outer new id', () => {
    const ctx = nsid();
    const inner = Number(ctx.guest.notes.inner![0]);
    editNsid(ctx, 'auditnsid', '00000001', (r) => nsidPid(r) === inner);
    expect(failed(scenario.expect(ctx))).toEqual(["second record's auditnsid = first record's new_auditnsid (inherited on fork)"]);
  });
});

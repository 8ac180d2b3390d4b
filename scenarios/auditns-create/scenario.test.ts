import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// HAND-MADE captures (fixtures/*/HANDMADE) until audit-ns@rfc-v2 has run: replace them with
// `kph fixture RUN auditns-create -s SERIES` from a real run.
const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const AUDIT_NS = { name: 'audit-ns', revision: 'rfc-v2', provides: ['audit-ns'] };
const load = (series: string, meta = {}) => loadCapture(fx(series), 'auditns-create', meta, scenario.params ?? {});

describe('auditns-create on real captures', () => {
  it('passes on baseline (no audit namespaces)', () => {
    expect(failedChecks(scenario.expect(load('baseline')))).toEqual([]);
  });
  it('fails the baseline capture judged as audit-ns', () => {
    expect(failedChecks(scenario.expect(load('baseline', AUDIT_NS))).length).toBeGreaterThan(0);
  });
  it('passes on audit-ns@rfc-v2', () => {
    expect(failedChecks(scenario.expect(load('audit-ns@rfc-v2', AUDIT_NS)))).toEqual([]);
  });
  it('fails the audit-ns capture judged as a kernel without the series', () => {
    expect(failedChecks(scenario.expect(load('audit-ns@rfc-v2'))).length).toBeGreaterThan(0);
  });
  it("fails audit-ns with the creator reading the host's limit", () => {
    const ctx = load('audit-ns@rfc-v2', AUDIT_NS);
    ctx.guest.notes.self = ['8192'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['created; the creator and its child read 0, the host 8192']);
  });
  it("fails audit-ns with no creation record on the host", () => {
    const ctx = load('audit-ns@rfc-v2', AUDIT_NS);
    ctx.audit.records = ctx.audit.records.filter((r) => r.type !== 'CONFIG_CHANGE');
    expect(failedChecks(scenario.expect(ctx))).toEqual(['one create_audit_ns record on the host']);
  });
});

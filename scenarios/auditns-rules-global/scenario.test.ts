import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// HAND-MADE captures (fixtures/*/HANDMADE) until audit-ns@rfc-v2 has run: replace them with
// `kph fixture RUN auditns-rules-global -s SERIES` from a real run.
const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const AUDIT_NS = { name: 'audit-ns', revision: 'rfc-v2', provides: ['audit-ns'] };
const load = (series: string, meta = {}) => loadCapture(fx(series), 'auditns-rules-global', meta, scenario.params ?? {});

describe('auditns-rules-global on real captures', () => {
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
  it("fails audit-ns with a rule added from inside", () => {
    const ctx = load('audit-ns@rfc-v2', AUDIT_NS);
    ctx.guest.notes.add = ['ack'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['rule requests from inside are EPERM']);
  });
  it("fails audit-ns with the host rule not firing inside", () => {
    const ctx = load('audit-ns@rfc-v2', AUDIT_NS);
    ctx.audit.records = ctx.audit.records.filter((r) => r.type !== 'SYSCALL');
    expect(failedChecks(scenario.expect(ctx))).toEqual(['the host rule fired for the task inside: one SYSCALL sethostname, success, key kph-auditns']);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// HAND-MADE captures (fixtures/*/HANDMADE) until audit-ns@rfc-v2 has run: replace them with
// `kph fixture RUN auditns-unprivileged -s SERIES` from a real run.
const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const AUDIT_NS = { name: 'audit-ns', revision: 'rfc-v2', provides: ['audit-ns'] };
const load = (series: string, meta = {}) => loadCapture(fx(series), 'auditns-unprivileged', meta, scenario.params ?? {});

describe('auditns-unprivileged on real captures', () => {
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
  it("fails audit-ns with uid 1000 allowed without a user namespace", () => {
    const ctx = load('audit-ns@rfc-v2', AUDIT_NS);
    ctx.guest.notes.plain = ['ack'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['EPERM without a user namespace; created from one, limit 0, proc write EPERM, the message lost']);
  });
  it("fails audit-ns with the message leaking to the host", () => {
    const ctx = load('audit-ns@rfc-v2', AUDIT_NS);
    ctx.audit.records.push({ ...ctx.audit.records[0]!, type: 'USER', typeNumber: 1005, line: "type=USER msg=audit(1.0:1): msg='kph-auditns-unprivileged'" });
    expect(failedChecks(scenario.expect(ctx))).toEqual(['the message sent inside never reaches the host']);
  });
});

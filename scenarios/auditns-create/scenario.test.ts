import { describe, expect, it } from 'vitest';
import { capabilityCases, failedChecks } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// Real captures of kph run -s audit-ns@rfc-v2 -s baseline (kph fixture RUN auditns-create -s SERIES).
describe('auditns-create on real captures', () => {
  const load = capabilityCases(scenario, import.meta.dirname, 'audit-ns@rfc-v2', { it, expect });
  it("fails audit-ns with the creator reading the host's limit", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.guest.notes.self = ['8192'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['created; the creator and its child read 0, the host 8192']);
  });
  it("fails audit-ns with no creation record on the host", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.audit.records = ctx.audit.records.filter((r) => r.type !== 'CONFIG_CHANGE');
    expect(failedChecks(scenario.expect(ctx))).toEqual(['one create_audit_ns record on the host']);
  });
});

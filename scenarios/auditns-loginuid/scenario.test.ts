import { describe, expect, it } from 'vitest';
import { capabilityCases, failedChecks } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// Real captures of kph run -s audit-ns@rfc-v2 -s baseline (kph fixture RUN auditns-loginuid -s SERIES).
describe('auditns-loginuid on real captures', () => {
  const load = capabilityCases(scenario, import.meta.dirname, 'audit-ns@rfc-v2', { it, expect });
  it("fails audit-ns with a second reset allowed", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.guest.notes.second = ['ok'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['inside: one reset, then EPERM']);
  });
  it("fails audit-ns with the reset's LOGIN record missing", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.audit.records = ctx.audit.records.filter((r) => !(r.type === 'LOGIN' && r.line.includes('auid=2000 ') && r.line.includes('res=1')));
    expect(failedChecks(scenario.expect(ctx))).toEqual(['then LOGIN records: the refused change on the host, the reset, the refused second change']);
  });
});

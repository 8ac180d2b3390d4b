import { describe, expect, it } from 'vitest';
import { capabilityCases, failedChecks } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// Real captures of kph run -s audit-ns@rfc-v2 -s baseline (kph fixture RUN auditns-rules-global -s SERIES).
describe('auditns-rules-global on real captures', () => {
  const load = capabilityCases(scenario, import.meta.dirname, 'audit-ns@rfc-v2', { it, expect });
  it("fails audit-ns with a rule added from inside", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.guest.notes.add = ['ack'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['rule requests from inside are EPERM']);
  });
  it("fails audit-ns with the host rule not firing inside", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.audit.records = ctx.audit.records.filter((r) => r.type !== 'SYSCALL');
    expect(failedChecks(scenario.expect(ctx))).toEqual(['the host rule fired for the task inside: one SYSCALL sethostname, success, key kph-auditns']);
  });
});

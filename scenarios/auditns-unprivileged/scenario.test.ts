import { describe, expect, it } from 'vitest';
import { capabilityCases, failedChecks } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// Real captures of kph run -s audit-ns@rfc-v2 -s baseline (kph fixture RUN auditns-unprivileged -s SERIES).
describe('auditns-unprivileged on real captures', () => {
  const load = capabilityCases(scenario, import.meta.dirname, 'audit-ns@rfc-v2', { it, expect });
  it("fails audit-ns with uid 1000 allowed without a user namespace", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.guest.notes.plain = ['ack'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['EPERM without a user namespace; created from one, limit 0, proc write EPERM, the message lost']);
  });
  it("fails audit-ns with the message leaking to the host", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.audit.records.push({ ...ctx.audit.records[0]!, type: 'USER', typeNumber: 1005, line: "type=USER msg=audit(1.0:1): msg='kph-auditns-unprivileged'" });
    expect(failedChecks(scenario.expect(ctx))).toEqual(['the message sent inside never reaches the host']);
  });
});

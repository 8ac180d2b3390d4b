import { describe, expect, it } from 'vitest';
import { capabilityCases, failedChecks } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// Real captures of kph run -s audit-ns@rfc-v2 -s baseline (kph fixture RUN auditns-auditd -s SERIES).
describe('auditns-auditd on real captures', () => {
  const load = capabilityCases(scenario, import.meta.dirname, 'audit-ns@rfc-v2', { it, expect });
  it("fails audit-ns with a second registration accepted", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.guest.notes.reg2 = ['ack'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['the namespace auditd registers, a second is EEXIST, every message acked']);
  });
  it("fails audit-ns with the host's auditd receiving the inside message", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.audit.records.push({ ...ctx.audit.records[0]!, type: 'USER', typeNumber: 1005, line: "type=USER msg=audit(1.0:1): msg='kph-auditns-inside-hello'" });
    expect(failedChecks(scenario.expect(ctx))).toEqual(["the host's auditd did not receive them (only the N host messages)"]);
  });
});

import { describe, expect, it } from 'vitest';
import { capabilityCases, failedChecks } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

// Real captures of kph run -s audit-ns@rfc-v2 -s baseline (kph fixture RUN auditns-limit -s SERIES).
describe('auditns-limit on real captures', () => {
  const load = capabilityCases(scenario, import.meta.dirname, 'audit-ns@rfc-v2', { it, expect });
  it("fails audit-ns with the limit raised from inside", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.guest.notes.raise = ['ack'];
    expect(failedChecks(scenario.expect(ctx))).toEqual(['inside: limit 0, the message lost, raising it EPERM; the host raises it to 64']);
  });
  it("fails audit-ns with the host's write not logged", () => {
    const ctx = load('audit-ns@rfc-v2');
    ctx.audit.records = ctx.audit.records.filter((r) => !(r.type === 'CONFIG_CHANGE' && r.line.includes('audit_backlog_limit=64')));
    expect(failedChecks(scenario.expect(ctx))).toEqual(["the host's write is logged: audit_ns=<created> audit_backlog_limit=64 old=0 res=1, by uid 0"]);
  });
});

// The expectations of unshare-net on real captures (fixtures/<series>/: what the guest wrote).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;

describe('unshare-net on the baseline capture', () => {
  it('passes every check: events in order, the SYSCALL record, no namespace events', () => {
    const ctx = loadCapture(fixture('baseline'), 'unshare-net');
    const checks = scenario.expect(ctx);
    expect(failed(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toContain('no namespace events without the capability');
  });

  it('fails a series that promises v1 namespace events when none came', () => {
    const ctx = loadCapture(fixture('baseline'), 'unshare-net', { provides: ['cn-ns-events', 'cn-ns-events:v1'] });
    expect(failed(scenario.expect(ctx))).toEqual(['fork/exec/exit payload length 48', 'v1: one namespace event, from unshare']);
  });

  it('fails when the unshare SYSCALL record is missing from the log', () => {
    const ctx = loadCapture(fixture('baseline'), 'unshare-net');
    ctx.audit.records = ctx.audit.records.filter((r) => !/syscall=272/.test(r.line));
    expect(failed(scenario.expect(ctx))).toEqual(['audit SYSCALL record for unshare']);
  });
});

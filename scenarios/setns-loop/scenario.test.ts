// The expectations of setns-loop on real captures.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;

describe('setns-loop on the baseline capture (N=1000)', () => {
  it('passes: 1000 setns SYSCALL records, one unshare, no namespace events', () => {
    const ctx = loadCapture(fixture('baseline'), 'setns-loop', {}, { N: 1000 });
    expect(failed(scenario.expect(ctx))).toEqual([]);
    expect(scenario.measure!(ctx)).toMatchObject({ auditSetnsRecords: 1000, nsEvents: 0 });
  });

  it('fails when the count asked for does not match what ran', () => {
    const ctx = loadCapture(fixture('baseline'), 'setns-loop', {}, { N: 1001 });
    expect(failed(scenario.expect(ctx))).toEqual(['setns calls made', 'ended in the namespace of the last call', 'audit: 1001 setns SYSCALL records']);
  });

  it('fails a series that promises namespace events when none came', () => {
    const ctx = loadCapture(fixture('baseline'), 'setns-loop', { provides: ['cn-ns-events', 'cn-ns-events:v2'] }, { N: 1000 });
    expect(failed(scenario.expect(ctx))).toEqual(['namespace events: unshare + one per setns']);
  });
});

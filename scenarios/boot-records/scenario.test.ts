import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const V5 = bundledMeta('ns-serial@v5');
const failed = failedChecks;

describe('boot-records on real captures', () => {
  it('passes on baseline: nothing of the series', () => {
    expect(failed(scenario.expect(loadCapture(fx('baseline'), 'boot-records')))).toEqual([]);
  });
  it('fails the baseline capture judged as V5', () => {
    const ctx = loadCapture(fx('baseline'), 'boot-records', { provides: ['ns-serial', 'ns-serial:v5', 'audit-ns-info-request'] });
    expect(failed(scenario.expect(ctx)).length).toBeGreaterThan(0);
  });

  it('passes on V5: one INIT per initial namespace at boot', () => {
    const checks = scenario.expect(loadCapture(fx('ns-serial@v5'), 'boot-records', V5));
    expect(failed(checks)).toEqual([]);
    expect(checks.filter((c) => c.name.startsWith('AUDIT_NS_INIT_')).length).toBe(8);
  });
  it('fails V5 when an initial record is missing', () => {
    const ctx = loadCapture(fx('ns-serial@v5'), 'boot-records', V5);
    ctx.audit.bootRecords = ctx.audit.bootRecords.filter((r) => r.type !== 'AUDIT_NS_INIT_TIME');
    expect(failed(scenario.expect(ctx))).toEqual(['AUDIT_NS_INIT_TIME: one initial record, pid=1 subj=kernel old_timens=0', 'initial serials are distinct']);
  });
});

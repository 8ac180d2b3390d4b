import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const V5 = bundledMeta('ns-serial@v5');
const failed = failedChecks;

describe('setns-serial on real captures', () => {
  it('passes on baseline: nothing of the series', () => {
    expect(failed(scenario.expect(loadCapture(fx('baseline'), 'setns-serial')))).toEqual([]);
  });
  it('fails the baseline capture judged as V5', () => {
    const ctx = loadCapture(fx('baseline'), 'setns-serial', { provides: ['ns-serial', 'ns-serial:v5', 'audit-ns-info-request'] });
    expect(failed(scenario.expect(ctx)).length).toBeGreaterThan(0);
  });

  it('passes on V5: NS_INFO with the target serial in the setns event, no INIT', () => {
    expect(failed(scenario.expect(loadCapture(fx('ns-serial@v5'), 'setns-serial', V5)))).toEqual([]);
  });
  it('fails V5 when the setns event carries an INIT record', () => {
    const ctx = loadCapture(fx('ns-serial@v5'), 'setns-serial', V5);
    const info = ctx.audit.records.find((r) => r.type === 'NS_INFO' && ctx.audit.records.some((s) => s.type === 'SYSCALL' && s.serial === r.serial && /syscall=308/.test(s.line)))!;
    ctx.audit.records.push({ ...info, type: 'AUDIT_NS_INIT_NET', typeNumber: 1346 });
    expect(failed(scenario.expect(ctx))).toEqual(['no INIT record for a setns']);
  });
});

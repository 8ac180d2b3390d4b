import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const V5 = bundledMeta('ns-serial@v5');
const failed = failedChecks;
const v1 = { provides: ['ns-serial', 'ns-serial:v1'], records: { '1340': 'NS_INIT' } };

describe('ns-delete on real captures', () => {
  it('passes on baseline and on v1 (deletion only after the fd was closed)', () => {
    expect(failed(scenario.expect(loadCapture(fx('baseline'), 'ns-delete')))).toEqual([]);
    expect(failed(scenario.expect(loadCapture(fx('ns-serial@v1'), 'ns-delete', v1)))).toEqual([]);
  });
  it('fails when the deletion record came while the fd was still held', () => {
    const ctx = loadCapture(fx('ns-serial@v1'), 'ns-delete', v1);
    const release = ctx.audit.records.findIndex((r) => /kph-step released/.test(r.line));
    const del = ctx.audit.records.findIndex((r) => r.type === 'NS_INIT' && /snum=0 /.test(r.line));
    expect(release).toBeGreaterThan(-1);
    expect(del).toBeGreaterThan(release);
    const [d] = ctx.audit.records.splice(del, 1);
    ctx.audit.records.splice(release, 0, d!);
    expect(failed(scenario.expect(ctx))).toEqual(['no deletion record while the nsfs fd was held', 'exactly one deletion record after the release']);
  });

  it('passes on V5: AUDIT_NS_DEL_NET only after the release, logged by the kernel', () => {
    expect(failed(scenario.expect(loadCapture(fx('ns-serial@v5'), 'ns-delete', V5)))).toEqual([]);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const V5 = bundledMeta('ns-serial@v5');
const failed = failedChecks;

describe('ns-info-request on real captures', () => {
  it('passes on baseline: nothing of the series', () => {
    expect(failed(scenario.expect(loadCapture(fx('baseline'), 'ns-info-request')))).toEqual([]);
  });
  it('fails the baseline capture judged as V5', () => {
    const ctx = loadCapture(fx('baseline'), 'ns-info-request', { provides: ['ns-serial', 'ns-serial:v5', 'audit-ns-info-request'] });
    expect(failed(scenario.expect(ctx)).length).toBeGreaterThan(0);
  });

  it('passes on V5: the request logs the target serials, EPERM unprivileged', () => {
    expect(failed(scenario.expect(loadCapture(fx('ns-serial@v5'), 'ns-info-request', V5)))).toEqual([]);
  });
  it('fails V5 when the serials differ from the _snum files', () => {
    const ctx = loadCapture(fx('ns-serial@v5'), 'ns-info-request', V5);
    ctx.guest.notes.snum_net = ['ffff'];
    expect(failed(scenario.expect(ctx))).toEqual(["its serials are the target's _snum files"]);
  });
});

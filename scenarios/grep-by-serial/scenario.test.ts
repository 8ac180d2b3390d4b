import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const V5 = bundledMeta('ns-serial@v5');
const failed = failedChecks;

describe('grep-by-serial on real captures', () => {
  it('passes on baseline: nothing of the series', () => {
    expect(failed(scenario.expect(loadCapture(fx('baseline'), 'grep-by-serial')))).toEqual([]);
  });
  it('fails the baseline capture judged as V5', () => {
    const ctx = loadCapture(fx('baseline'), 'grep-by-serial', { provides: ['ns-serial', 'ns-serial:v5', 'audit-ns-info-request'] });
    expect(failed(scenario.expect(ctx)).length).toBeGreaterThan(0);
  });

  it('passes on V5: grep finds INIT, NS_INFO and DEL of one netns', () => {
    expect(failed(scenario.expect(loadCapture(fx('ns-serial@v5'), 'grep-by-serial', V5)))).toEqual([]);
  });
});

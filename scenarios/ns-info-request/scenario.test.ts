import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const failed = (c: { ok: boolean; name: string }[]) => c.filter((x) => !x.ok).map((x) => x.name);

describe('ns-info-request on real captures', () => {
  it('passes on baseline: nothing of the series', () => {
    expect(failed(scenario.expect(loadCapture(fx('baseline'), 'ns-info-request')))).toEqual([]);
  });
  it('fails the baseline capture judged as V5', () => {
    const ctx = loadCapture(fx('baseline'), 'ns-info-request', { provides: ['ns-serial', 'ns-serial:v5', 'audit-ns-info-request'] });
    expect(failed(scenario.expect(ctx)).length).toBeGreaterThan(0);
  });
});

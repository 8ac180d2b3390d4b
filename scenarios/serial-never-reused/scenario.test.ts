import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const V5 = bundledMeta('ns-serial@v5');
const failed = failedChecks;

describe('serial-never-reused on real captures (N=1000)', () => {
  it('baseline: inode numbers repeat and there are no serials', () => {
    const ctx = loadCapture(fx('baseline'), 'serial-never-reused', {}, { N: 1000 });
    expect(failed(scenario.expect(ctx))).toEqual([]);
    expect(scenario.measure!(ctx).distinctInodes).toBeLessThan(1000);
  });
  it('v1: serials strictly increase while inodes repeat', () => {
    expect(failed(scenario.expect(loadCapture(fx('ns-serial@v1'), 'serial-never-reused', { provides: ['ns-serial'] }, { N: 1000 })))).toEqual([]);
  });
  it('fails when a serial comes back', () => {
    const ctx = loadCapture(fx('ns-serial@v1'), 'serial-never-reused', { provides: ['ns-serial'] }, { N: 1000 });
    const lines = ctx.guest.stdout.split('\n');
    lines[500] = lines[10]!;
    ctx.guest.stdout = lines.join('\n');
    expect(failed(scenario.expect(ctx))).toEqual(['serials strictly increase (and so never repeat)']);
  });

  it('passes on V5', () => {
    expect(failed(scenario.expect(loadCapture(fx('ns-serial@v5'), 'serial-never-reused', V5, { N: 1000 })))).toEqual([]);
  });
});

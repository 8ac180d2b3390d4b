// The expectations of cn-selftest on real captures of the three kinds of kernel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;

describe('cn-selftest', () => {
  it('passes on each kernel (the same expectations for all)', () => {
    for (const dir of ['baseline', 'rfc-v1', 'rfc-v2']) expect(failed(scenario.expect(loadCapture(fixture(dir), 'cn-selftest'))), dir).toEqual([]);
  });

  it('fails when proc_filter -f counted an event the filter should have dropped', () => {
    const ctx = loadCapture(fixture('rfc-v2'), 'cn-selftest');
    ctx.guest.notes.filtered_count = ['4'];
    expect(failed(scenario.expect(ctx))).toEqual(['proc_filter -f: only the three non-zero exits']);
  });

  it('fails when the binary did not build against the series headers', () => {
    const ctx = loadCapture(fixture('baseline'), 'cn-selftest');
    ctx.guest = { ...ctx.guest, exitCode: 1, stdout: 'KPH built=no\n', notes: { built: ['no'] }, stderr: 'proc_filter was not built or not uploaded:\nerror: ...' };
    expect(failed(scenario.expect(ctx))).toEqual([
      'guest script exit code',
      'proc_filter built against the series headers and uploaded',
      'proc_filter (no filter): exit status',
      'proc_filter (no filter): counted the fork, exec and exit events (>= 15)',
      'proc_filter -f: exit status',
      'proc_filter -f: only the three non-zero exits',
    ]);
  });
});

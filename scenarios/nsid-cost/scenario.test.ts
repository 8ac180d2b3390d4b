import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedChecks as failed, loadCapture } from '../../harness/test/capture-fixture.js';
import { NSID_META } from '../../harness/test/nsid-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
// Real captures of a run (adopted with harness/test/nsid-handmade/adopt.sh).
const BASE_FIXTURE = 'baseline';
const NSID_FIXTURE = 'audit-nsid@strawman';
// N as the capture was made (the first loop's calls): 100 hand-made, the run's N when real.
const N = Number(/"calls":(\d+)/.exec(readFileSync(join(fx(BASE_FIXTURE), 'stdout.txt'), 'utf8'))![1]);
const P = { N };

describe('nsid-cost on real captures', () => {
  it('passes on baseline and reports four rates', () => {
    const ctx = loadCapture(fx(BASE_FIXTURE), 'nsid-cost', {}, P);
    expect(failed(scenario.expect(ctx))).toEqual([]);
    expect(Object.keys(scenario.measure!(ctx)).sort()).toEqual(['clonePerSec', 'forkPerSec', 'setnsPerSec', 'unsharePerSec']);
  });
  it('passes on audit-nsid@strawman: one record per namespace call', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-cost', NSID_META, P)))).toEqual([]);
  });
  it('fails the audit-nsid capture judged without the series, and the baseline judged with it', () => {
    expect(failed(scenario.expect(loadCapture(fx(NSID_FIXTURE), 'nsid-cost', {}, P)))).toEqual(['no NSID records without the series']);
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-cost', NSID_META, P)))).toEqual([
      'NSID records per loop: unshare N, setns N+1 (its unshare), clone N, fork 0',
      'clone records: op=clone with new_pid, the parent id the same in all',
    ]);
  });
  it('fails when a loop made fewer calls', () => {
    expect(failed(scenario.expect(loadCapture(fx(BASE_FIXTURE), 'nsid-cost', {}, { N: N - 1 })))).toEqual(['every loop made N calls']);
  });
});

// The expectations of filtered-listen on real captures of the three kinds of kernel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;
const V1 = bundledMeta('proc-connector-ns@rfc-v1');
const V2 = bundledMeta('proc-connector-ns@rfc-v2');

describe('filtered-listen', () => {
  it('passes on each kernel with its own promises', () => {
    for (const [dir, meta] of [['baseline', {}], ['rfc-v1', V1], ['rfc-v2', V2]] as const) {
      expect(failed(scenario.expect(loadCapture(fixture(dir), 'filtered-listen', meta))), dir).toEqual([]);
    }
  });

  it('v1 and v2 listeners got exactly one event, the namespace event', () => {
    for (const [dir, meta] of [['rfc-v1', V1], ['rfc-v2', V2]] as const) {
      expect(loadCapture(fixture(dir), 'filtered-listen', meta).cn!.events.map((e) => e.kind), dir).toEqual(['ns']);
    }
  });

  it('fails when another event gets through the filter', () => {
    const ctx = loadCapture(fixture('rfc-v2'), 'filtered-listen', V2);
    const fork = loadCapture(fixture('baseline'), 'filtered-listen').cn!.events.find((e) => e.kind === 'fork')!;
    ctx.cn!.events.push(fork);
    expect(failed(scenario.expect(ctx))).toEqual(['nothing but namespace events reached the filtered listener']);
  });

  it('fails the baseline capture judged as v1 (everything arrived, no namespace event)', () => {
    expect(failed(scenario.expect(loadCapture(fixture('baseline'), 'filtered-listen', V1)))).toEqual(['filtered listener: v1 events (pid, reason, count, types, old → new inode)', 'nothing but namespace events reached the filtered listener']);
  });
});

// The expectations of feature-query on real captures of the three kinds of kernel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;
const V1 = bundledMeta('proc-connector-ns@rfc-v1');
const V2 = bundledMeta('proc-connector-ns@rfc-v2');

describe('feature-query', () => {
  it('passes on each kernel with its own promises', () => {
    for (const [dir, meta] of [['baseline', {}], ['rfc-v1', V1], ['rfc-v2', V2]] as const) {
      expect(failed(scenario.expect(loadCapture(fixture(dir), 'feature-query', meta))), dir).toEqual([]);
    }
  });

  it('fails a kernel that promises the query but answers EINVAL', () => {
    expect(failed(scenario.expect(loadCapture(fixture('rfc-v1'), 'feature-query', { provides: [...V1.provides, 'cn-features'] })))).toEqual([
      "listener's query: supported",
      'standalone query: supported, mask 0x1 (namespace events)',
      'the answers are unicast: the listening socket saw none',
    ]);
  });

  it('fails the v2 capture judged as a kernel without the query', () => {
    expect(failed(scenario.expect(loadCapture(fixture('rfc-v2'), 'feature-query', V1)))).toEqual(["listener's query: unsupported", 'standalone query: unsupported, EINVAL in the ack']);
  });
});

// The expectations of unshare-multi on real captures of the three kinds of kernel
// (fixtures/<series>/, captured with UNSHARES=50).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;
const V1 = bundledMeta('proc-connector-ns@rfc-v1');
const V2 = bundledMeta('proc-connector-ns@rfc-v2');
const P = { UNSHARES: 50 };

describe('unshare-multi', () => {
  it('passes on each kernel with its own promises', () => {
    for (const [dir, meta] of [['baseline', {}], ['rfc-v1', V1], ['rfc-v2', V2]] as const) {
      const ctx = loadCapture(fixture(dir), 'unshare-multi', meta, P);
      expect(failed(scenario.expect(ctx)), dir).toEqual([]);
      expect(scenario.measure!(ctx).unsharePerSec, dir).toBeGreaterThan(0);
    }
  });

  it('v1 sends four events (reason set) and v2 one (reason unshare, count 4) for the one call', () => {
    const v1 = loadCapture(fixture('rfc-v1'), 'unshare-multi', V1, P);
    const v2 = loadCapture(fixture('rfc-v2'), 'unshare-multi', V2, P);
    expect(scenario.measure!(v1).nsEvents).toBe(4 + 50);
    expect(scenario.measure!(v2).nsEvents).toBe(1 + 50);
  });

  it('fails a kernel judged by the wrong revision, or promising events it did not send', () => {
    expect(failed(scenario.expect(loadCapture(fixture('rfc-v1'), 'unshare-multi', V2, P)))).toEqual(['unshare -n -i -u -m: v2 events (pid, reason, count, types, old → new inode)', 'unshare loop: events chain from the first namespace to the last']);
    expect(failed(scenario.expect(loadCapture(fixture('baseline'), 'unshare-multi', V1, P)))).toEqual(['unshare -n -i -u -m: v1 events (pid, reason, count, types, old → new inode)', 'unshare loop: one event per call', 'unshare loop: events chain from the first namespace to the last']);
    expect(failed(scenario.expect(loadCapture(fixture('rfc-v2'), 'unshare-multi', {}, P)))).toEqual(['unshare -n -i -u -m: no namespace events without the capability', 'unshare loop: no namespace events without the capability']);
  });

  it('fails when an inode in an event is not what readlink showed', () => {
    const ctx = loadCapture(fixture('rfc-v2'), 'unshare-multi', V2, P);
    const e = ctx.cn!.events.find((x) => x.kind === 'ns')!;
    (e.data.items as { inum: number }[])[3]!.inum += 1;
    expect(failed(scenario.expect(ctx))).toEqual(['unshare -n -i -u -m: v2 events (pid, reason, count, types, old → new inode)']);
  });
});

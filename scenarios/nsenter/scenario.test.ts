// The expectations of nsenter on real captures of the three kinds of kernel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;
const V1 = bundledMeta('proc-connector-ns@rfc-v1');
const V2 = bundledMeta('proc-connector-ns@rfc-v2');
const EVENTS = 'unshare -i -n, then nsenter -i -n: ';

describe('nsenter', () => {
  it('passes on each kernel with its own promises', () => {
    for (const [dir, meta] of [['baseline', {}], ['rfc-v1', V1], ['rfc-v2', V2]] as const) {
      expect(failed(scenario.expect(loadCapture(fixture(dir), 'nsenter', meta))), dir).toEqual([]);
    }
  });

  it('v2: the unshare (count 2), then two setns events of one namespace each', () => {
    const ns = loadCapture(fixture('rfc-v2'), 'nsenter', V2).cn!.events.filter((e) => e.kind === 'ns');
    expect(ns.map((e) => [e.data.reason, e.data.count])).toEqual([['unshare', 2], ['setns', 1], ['setns', 1]]);
  });

  it('fails a v2 kernel that merged the two setns calls into one event', () => {
    const ctx = loadCapture(fixture('rfc-v2'), 'nsenter', V2);
    const ns = ctx.cn!.events.filter((e) => e.kind === 'ns');
    ns[1]!.data.items = [...(ns[1]!.data.items as unknown[]), ...(ns[2]!.data.items as unknown[])];
    ns[1]!.data.count = 2;
    ctx.cn!.events = ctx.cn!.events.filter((e) => e !== ns[2]);
    expect(failed(scenario.expect(ctx))).toEqual([`${EVENTS}v2 events (pid, reason, count, types, old → new inode)`]);
  });

  it('fails the v1 capture judged as v2, and the v2 capture judged as a kernel without events', () => {
    expect(failed(scenario.expect(loadCapture(fixture('rfc-v1'), 'nsenter', V2)))).toEqual([`${EVENTS}v2 events (pid, reason, count, types, old → new inode)`]);
    expect(failed(scenario.expect(loadCapture(fixture('rfc-v2'), 'nsenter', {})))).toEqual([`${EVENTS}no namespace events without the capability`]);
  });
});

// The expectations of setns-loop-10k on real captures of the three kernels (captured with
// --param setns-loop-10k.N=200 to keep the fixtures small; the expectations take N from the
// parameters, the run uses 10000).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;
const V1 = bundledMeta('proc-connector-ns@rfc-v1');
const V2 = bundledMeta('proc-connector-ns@rfc-v2');

describe('setns-loop-10k', () => {
  it('runs on every kernel with N = 10000', () => {
    expect(scenario.needs?.capabilities).toBeUndefined();
    expect(scenario.params).toEqual({ N: 10000 });
  });

  it('passes the baseline capture: no namespace events, nothing lost', () => {
    const ctx = loadCapture(fixture('baseline'), 'setns-loop-10k', {}, { N: 200 });
    expect(failed(scenario.expect(ctx))).toEqual([]);
    expect(scenario.measure!(ctx)).toMatchObject({ nsEvents: 0, auditSetnsRecords: 200 });
  });

  it('passes on v1 and v2 captures and measures the lossless event rate', () => {
    for (const [dir, meta] of [['rfc-v1', V1], ['rfc-v2', V2]] as const) {
      const ctx = loadCapture(fixture(dir), 'setns-loop-10k', meta, { N: 200 });
      expect(failed(scenario.expect(ctx)), dir).toEqual([]);
      const m = scenario.measure!(ctx);
      expect(m.nsEvents, dir).toBe(201);
      expect(m.nsEventsPerSecLossless, dir).toBeGreaterThan(0);
    }
  });

  it('fails when the listener overran, and then reports no lossless rate', () => {
    const ctx = loadCapture(fixture('rfc-v2'), 'setns-loop-10k', V2, { N: 200 });
    ctx.cn!.summary = { ...ctx.cn!.summary!, enobufs: 2, seqGaps: 5 };
    expect(failed(scenario.expect(ctx))).toEqual(['listener: zero ENOBUFS', 'listener: zero sequence gaps']);
    expect(scenario.measure!(ctx).nsEventsPerSecLossless).toBeUndefined();
  });

  it('fails when events are missing', () => {
    const ctx = loadCapture(fixture('rfc-v1'), 'setns-loop-10k', V1, { N: 200 });
    const ns = ctx.cn!.events.filter((e) => e.kind === 'ns');
    ctx.cn!.events = ctx.cn!.events.filter((e) => e !== ns[100]);
    expect(failed(scenario.expect(ctx))).toEqual(['namespace events: unshare + one per setns', 'setns events alternate between the two inodes']);
  });
});

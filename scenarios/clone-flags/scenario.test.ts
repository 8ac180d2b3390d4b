// The expectations of clone-flags on real captures of the three kinds of kernel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;
const V1 = bundledMeta('proc-connector-ns@rfc-v1');
const V2 = bundledMeta('proc-connector-ns@rfc-v2');

describe('clone-flags', () => {
  it('passes on each kernel with its own promises', () => {
    for (const [dir, meta] of [['baseline', {}], ['rfc-v1', V1], ['rfc-v2', V2]] as const) {
      expect(failed(scenario.expect(loadCapture(fixture(dir), 'clone-flags', meta))), dir).toEqual([]);
    }
  });

  it('v1: five events with the child pid, no user; v2: one event, count 6, user last', () => {
    const v1 = loadCapture(fixture('rfc-v1'), 'clone-flags', V1).cn!.events.filter((e) => e.kind === 'ns');
    expect(v1.map((e) => [e.data.type, e.data.reason])).toEqual([['mnt', 'clone'], ['uts', 'clone'], ['ipc', 'clone'], ['net', 'clone'], ['pid', 'clone']]);
    const v2 = loadCapture(fixture('rfc-v2'), 'clone-flags', V2).cn!.events.filter((e) => e.kind === 'ns');
    expect(v2.map((e) => [e.data.reason, e.data.count, (e.data.items as { type: string }[]).map((i) => i.type)])).toEqual([['clone', 6, ['mnt', 'uts', 'ipc', 'net', 'pid', 'user']]]);
  });

  it('fails when the events carry another pid than the child', () => {
    const ctx = loadCapture(fixture('rfc-v2'), 'clone-flags', V2);
    ctx.cn!.events.find((e) => e.kind === 'ns')!.data.pid = 1;
    expect(failed(scenario.expect(ctx))).toEqual(['clone: v2 events (pid, reason, count, types, old → new inode)']);
  });

  it('fails the baseline capture when judged as v1', () => {
    expect(failed(scenario.expect(loadCapture(fixture('baseline'), 'clone-flags', V1)))).toEqual(['clone: v1 events (pid, reason, count, types, old → new inode)']);
  });
});

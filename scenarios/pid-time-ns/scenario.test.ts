// The expectations of pid-time-ns on real captures of the three kinds of kernel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fixture = (series: string) => join(import.meta.dirname, 'fixtures', series);
const failed = failedChecks;
const V1 = bundledMeta('proc-connector-ns@rfc-v1');
const V2 = bundledMeta('proc-connector-ns@rfc-v2');
const EVENTS = 'unshare -p -T, then two forks: ';

describe('pid-time-ns', () => {
  it('passes on each kernel with its own promises', () => {
    for (const [dir, meta] of [['baseline', {}], ['rfc-v1', V1], ['rfc-v2', V2]] as const) {
      expect(failed(scenario.expect(loadCapture(fixture(dir), 'pid-time-ns', meta))), dir).toEqual([]);
    }
  });

  it('v1: pid then time, reason set; v2: one event with both items', () => {
    const v1 = loadCapture(fixture('rfc-v1'), 'pid-time-ns', V1).cn!.events.filter((e) => e.kind === 'ns');
    expect(v1.map((e) => [e.data.type, e.data.reason])).toEqual([['pid', 'set'], ['time', 'set']]);
    const v2 = loadCapture(fixture('rfc-v2'), 'pid-time-ns', V2).cn!.events.filter((e) => e.kind === 'ns');
    expect(v2.map((e) => [e.data.reason, (e.data.items as { type: string }[]).map((i) => i.type)])).toEqual([['unshare', ['pid', 'time']]]);
  });

  it('fails when the fork after the unshare also reports a namespace change', () => {
    const ctx = loadCapture(fixture('rfc-v2'), 'pid-time-ns', V2);
    const e = ctx.cn!.events.find((x) => x.kind === 'ns')!;
    const child = Number(ctx.guest.notes.child!.at(-1));
    ctx.cn!.events.push({ ...e, data: { ...e.data, pid: child, tgid: child, reason: 'clone', count: 1, items: [(e.data.items as unknown[])[1]] } });
    expect(failed(scenario.expect(ctx))).toEqual([`${EVENTS}v2 events (pid, reason, count, types, old → new inode)`]);
  });

  it('fails an event that reports the own pid namespace instead of pid_for_children', () => {
    const ctx = loadCapture(fixture('rfc-v1'), 'pid-time-ns', V1);
    const e = ctx.cn!.events.find((x) => x.kind === 'ns' && x.data.type === 'pid')!;
    e.data.inum = e.data.old_inum;
    expect(failed(scenario.expect(ctx))).toEqual([`${EVENTS}v1 events (pid, reason, count, types, old → new inode)`]);
  });
});

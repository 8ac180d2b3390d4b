import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledMeta, failedChecks, loadCapture } from '../../harness/test/capture-fixture.js';
import scenario from './scenario.js';

const fx = (s: string) => join(import.meta.dirname, 'fixtures', s);
const V5 = bundledMeta('ns-serial@v5');
const failed = failedChecks;
const v1 = bundledMeta('ns-serial@v1');

describe('unshare-net-serial on real captures', () => {
  it('passes on baseline: no net_snum, no namespace records', () => {
    expect(failed(scenario.expect(loadCapture(fx('baseline'), 'unshare-net-serial')))).toEqual([]);
  });
  it('passes on v1: NS_INIT old_snum = parent, serials in the SYSCALL record', () => {
    const ctx = loadCapture(fx('ns-serial@v1'), 'unshare-net-serial', v1);
    const checks = scenario.expect(ctx);
    expect(failed(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toContain('v1: the SYSCALL record of the unshare carries netns = new serial');
  });
  it('fails the v1 capture judged as V5 (no NS_INFO, no per-type record)', () => {
    const ctx = loadCapture(fx('ns-serial@v1'), 'unshare-net-serial', { ...v1, provides: ['ns-serial', 'ns-serial:v5'] });
    expect(failed(scenario.expect(ctx))).toEqual([
      'V5: AUDIT_NS_INIT_NET in the unshare event, old = parent, new = net_snum',
      'V5: the NS_INFO of that event carries the new serial',
      'V5: serials no longer in the SYSCALL record',
    ]);
  });
  it('fails the v1 capture when the NS_INIT old_snum is not the parent serial', () => {
    const ctx = loadCapture(fx('ns-serial@v1'), 'unshare-net-serial', v1);
    ctx.guest.notes.parent_snum = ['1'];
    expect(failed(scenario.expect(ctx))).toContain('v1: NS_INIT type=40000000 old_snum = parent, snum = net_snum');
  });

  it('passes on V5: INIT_NET old = parent, NS_INFO with the new serial, none in SYSCALL', () => {
    expect(failed(scenario.expect(loadCapture(fx('ns-serial@v5'), 'unshare-net-serial', V5)))).toEqual([]);
  });
});

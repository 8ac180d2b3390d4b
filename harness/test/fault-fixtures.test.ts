// The fault fixture series and their trigger scenarios fit together: each series resolves,
// touches the file its trigger reaches, and provides the capability its trigger needs (so
// on any other kernel the trigger is skipped, never run against a kernel without the fault).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../core/load-scenarios.js';
import { touchedFiles } from '../parse/patch.js';
import { resolveSeries } from '../patch/series.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const FAULTS = [
  { series: 'hang-in-unshare', scenario: 'hang-trigger', file: 'kernel/fork.c', needs: 'kph-test-hang', comm: 'kph-hang', code: 'kph_hang_interruptible' },
  { series: 'hang-d-state', scenario: 'hang-d-trigger', file: 'kernel/fork.c', needs: 'kph-test-hang-d', comm: 'kph-hang-d', code: 'kph_hang_uninterruptible' },
  { series: 'loses-audit-records', scenario: 'lose-trigger', file: 'kernel/audit.c', needs: 'kph-test-lose', comm: 'kph-lose', code: 'audit_log_lost' },
  { series: 'warn-on-setns', scenario: 'warn-trigger', file: 'kernel/nsproxy.c', needs: 'kph-test-warn', comm: 'kph-warn', code: 'WARN_ON_ONCE' },
];

describe('fault fixtures', () => {
  for (const f of FAULTS) {
    it(`${f.series} is triggered by ${f.scenario}`, async () => {
      const s = resolveSeries(join(fixtures, 'series', f.series));
      expect(s.patches.length).toBe(1);
      expect(touchedFiles(s.patches[0]!.text)).toEqual([f.file]);
      expect(s.patches[0]!.text).toContain(`"${f.comm}"`);
      expect(s.patches[0]!.text).toContain(f.code);
      expect(s.patches[0]!.text).toMatch(/^Signed-off-by: /m);
      expect(s.meta.provides).toEqual([f.needs]);
      const sc = await loadScenario(f.scenario, join(fixtures, 'scenarios'));
      expect(sc.needs?.capabilities).toEqual([f.needs]);
      // The trigger runs a copy of a binary under the magic name (comm is the file's name).
      expect(sc.script).toContain(`/tmp/${f.comm} `);
    });
  }
  it('after-hang needs nothing and checks for leftovers of a hang', async () => {
    const sc = await loadScenario('after-hang', join(fixtures, 'scenarios'));
    expect(sc.needs).toBeUndefined();
    expect(sc.script).toContain('/proc/[0-9]*/comm');
  });
});

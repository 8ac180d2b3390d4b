// `--suite kselftests` for real, kept short (about a minute under TCG): every binary but
// pidfd_test (114 s alone under TCG; the full set is in the README's figures), built from the
// baseline's and proc-connector-ns@rfc-v2's trees against their own headers, each on a boot of
// its own: every binary and every KTAP test passes on both, rows named as the README says.
// Run again, baseline's results come from kph's cache (suite/baseline-cache.ts), with no boot.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { summarySchema } from '../../core/summary.js';
import { KSELFTESTS } from '../../suite/kselftests-list.js';
import { kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const out = resultsFolders('kph-e2e-kselftests-');
const TESTS = KSELFTESTS.map((k) => k.name).filter((n) => n !== 'pidfd_test');

afterEach(async () => {
  expect(await out.leftoverQemus()).toEqual([]);
});

describe('kph run --suite kselftests', () => {
  it('builds the namespace selftests from each series\' tree and runs them: a passing row per binary and per KTAP test', async () => {
    const dir = out.make();
    // --no-suite-cache: baseline boots for its suite whatever an earlier run left in the cache.
    const r = await kph(['run', '-s', 'baseline', '-s', 'proc-connector-ns@rfc-v2', '--suite-only', '--suite', 'kselftests', '--no-suite-cache', '--out', dir], 20 * 60_000, { KPH_SUITE_KSELFTESTS_TESTS: TESTS.join(' ') });
    const s = summarySchema.parse(summaryOf(dir));
    expect(s.complete).toBe(true);
    for (const series of ['baseline', 'proc-connector-ns']) {
      const rows = s.runs.filter((x) => x.series === series);
      const bad = rows.filter((x) => x.verdict !== 'pass').map((x) => `${series} ${x.scenario}: ${x.verdict}: ${x.failures.map((f) => f.message).join('; ')}`);
      expect(bad, r.all.slice(-3000)).toEqual([]);
      expect(rows.filter((x) => !x.scenario.includes(':')).map((x) => x.scenario)).toEqual(['kselftests/runtests', ...TESTS.map((t) => `kselftests/${t}`)]);
      expect(rows.map((x) => x.scenario)).toContain('kselftests/pidfd_setns_test:8:current_nsset.no_foul_play');
      // 1 + 19 + 1 + 29 + 2 + 3 + 8 KTAP tests; owner and pidns print none (judged by exit status).
      expect(rows[0]!.metrics).toMatchObject({ tests: TESTS.length, testsPassed: TESTS.length, checks: 63, checksPassed: 63 });
      expect(readFileSync(join(dir, rows[0]!.dir, 'output.txt'), 'utf8')).toContain('kph-kselftest-exit: pidfd_setns_test 0 ');
      expect(readFileSync(join(dir, rows[0]!.dir, 'console.log'), 'utf8')).toMatch(/Run \/sbin\/kph-init as init process/);
      expect((rows[0]!.notes ?? []).join(' ')).not.toMatch(/cache/);
    }
    expect(r.code, r.all.slice(-3000)).toBe(0);

    // Again, with nothing changed: baseline's results come from the cache, said on the row, with no boot.
    const again = out.make();
    const r2 = await kph(['run', '-s', 'baseline', '--suite-only', '--suite', 'kselftests', '--out', again], 10 * 60_000, { KPH_SUITE_KSELFTESTS_TESTS: TESTS.join(' ') });
    expect(r2.code, r2.all.slice(-3000)).toBe(0);
    const s2 = summarySchema.parse(summaryOf(again));
    const first = s.runs.filter((x) => x.series === 'baseline').map((x) => `${x.scenario} ${x.verdict}`);
    expect(s2.runs.map((x) => `${x.scenario} ${x.verdict}`)).toEqual(first);
    expect(s2.runs[0]!.notes).toContainEqual(expect.stringMatching(/^baseline's kselftests results from kph's cache \(run at \S+, \d+ s\): same kernel, guest image, accelerator and suite/));
    expect(readFileSync(join(again, s2.runs[0]!.dir, 'console.log'), 'utf8')).toMatch(/^kph: not booted: baseline's kselftests results from kph's cache/);
    expect(r2.all).toContain("baseline · kselftests: from kph's cache");
  });
});

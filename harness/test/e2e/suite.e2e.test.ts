// Peer suites for real: the audit-testsuite's first wave (../shared/peers/audit-testsuite, or
// KPH_SUITE_AUDIT_TESTSUITE) on baseline and on a patched series, each on a boot of its own,
// with a row per test that earned its verdict from the suite's own TAP: every planned check ran
// and held. Skipped, saying so, when no copy of the suite is at hand.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../core/paths.js';
import { summarySchema } from '../../core/summary.js';
import { AUDIT_TESTSUITE_FIRST_WAVE } from '../../suite/suite.js';
import { kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const SUITE = process.env.KPH_SUITE_AUDIT_TESTSUITE ?? join(repoRoot, '..', 'shared', 'peers', 'audit-testsuite');
const have = existsSync(join(SUITE, 'tests', 'runtests.pl'));
const out = resultsFolders('kph-e2e-suite-');

/** The checks each first-wave test plans (`plan tests => N` in the suite's copy). */
function plannedChecks(test: string): number {
  const m = /plan tests => (\d+)/.exec(readFileSync(join(SUITE, 'tests', test, 'test'), 'utf8'));
  return Number(m![1]);
}

afterEach(async () => {
  expect(await out.leftoverQemus()).toEqual([]);
});

describe.skipIf(!have)(`kph run --suite audit-testsuite=${SUITE}`, () => {
  it('runs the first wave on baseline and proc-connector-ns@rfc-v2: a passing row per test, every planned check run', async () => {
    const dir = out.make();
    // --no-suite-cache: baseline really runs the suite (a run before may have stored its results).
    // --jobs 2: the two guests side by side (one TCG vCPU each), about half the wall time.
    const r = await kph(['run', '-s', 'baseline', '-s', 'proc-connector-ns@rfc-v2', '--suite-only', '--suite', `audit-testsuite=${SUITE}`, '--no-suite-cache', '--jobs', '2', '--out', dir]);
    const s = summarySchema.parse(summaryOf(dir));
    expect(s.complete).toBe(true);
    for (const series of ['baseline', 'proc-connector-ns']) {
      const rows = s.runs.filter((x) => x.series === series);
      expect(rows.map((x) => x.scenario)).toEqual(['audit-testsuite/runtests', ...AUDIT_TESTSUITE_FIRST_WAVE.map((t) => `audit-testsuite/${t}`)]);
      const bad = rows.filter((x) => x.verdict !== 'pass').map((x) => `${series} ${x.scenario}: ${x.verdict}: ${x.failures.map((f) => `${f.message}\n${(f.excerpt ?? []).join('\n')}`).join('\n')}`);
      expect(bad, r.all.slice(-3000)).toEqual([]);
      for (const t of AUDIT_TESTSUITE_FIRST_WAVE) {
        const row = rows.find((x) => x.scenario === `audit-testsuite/${t}`)!;
        const n = plannedChecks(t);
        expect(row.metrics, `${series} ${t}`).toEqual({ checks: n, passed: n });
        expect(readFileSync(join(dir, row.dir, 'output.txt'), 'utf8')).toContain(`ok ${n}\n`);
      }
      const run = rows[0]!;
      const total = AUDIT_TESTSUITE_FIRST_WAVE.reduce((sum, t) => sum + plannedChecks(t), 0);
      expect(run.metrics).toMatchObject({ tests: AUDIT_TESTSUITE_FIRST_WAVE.length, testsPassed: AUDIT_TESTSUITE_FIRST_WAVE.length, checks: total, checksPassed: total });
      expect(run.durationsMs.boot).toBeGreaterThan(0);
      expect(readFileSync(join(dir, run.dir, 'output.txt'), 'utf8')).toMatch(/^Result: PASS$/m);
      expect(existsSync(join(dir, run.dir, 'console.log'))).toBe(true);
    }
    expect(r.code, r.all.slice(-3000)).toBe(0);
    // The one-screen summary has the suite's rows as the matrix's rows.
    expect(r.stdout).toMatch(/audit-testsuite\/field_compare\s+ok\s+ok/);
  });
});

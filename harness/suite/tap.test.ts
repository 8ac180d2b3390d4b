// The runner's output parsed per test and per check, on what a real guest printed: the first
// wave on the baseline kernel (harness/test/fixtures/suite/, from `kph run -s baseline
// --suite-only --suite audit-testsuite=../shared/peers/audit-testsuite`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_TESTSUITE_FIRST_WAVE } from './suite.js';
import { parseHarnessOutput, tallyTest } from './tap.js';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'suite');
const read = (f: string) => readFileSync(join(fixtures, f), 'utf8');

describe('parseHarnessOutput on the first wave, baseline (real)', () => {
  const out = parseHarnessOutput(read('audit-testsuite-first-wave-baseline.txt'));

  it('finds every test of the wave, in order, and the runner\'s summary', () => {
    expect(out.tests.map((t) => t.name)).toEqual([...AUDIT_TESTSUITE_FIRST_WAVE]);
    expect(out).toMatchObject({ files: 12, totalChecks: 121, result: 'PASS', finished: true });
    expect(out.header[0]).toBe('Running as   user    root');
  });

  it('reads each test\'s plan, checks and closing line', () => {
    const byName = Object.fromEntries(out.tests.map((t) => [t.name, t]));
    expect(byName.exec_name).toMatchObject({ planned: 29, status: 'ok', durationMs: 28541, startedAt: '19:36:36', endedAt: '19:37:05' });
    expect(byName.exec_name!.checks).toHaveLength(29);
    expect(byName.field_compare).toMatchObject({ planned: 50, status: 'ok', durationMs: 85237 });
    // What a test prints itself (the init script, via service auditd restart) stays with its last check.
    expect(byName.filter_saddr_fam!.checks.at(-1)!.output).toContain('Restarting audit daemon: auditd.');
    for (const t of out.tests) {
      const tally = tallyTest(t);
      expect(tally.failed, t.name).toEqual([]);
      expect(tally.run).toBe(t.planned);
    }
    expect(out.tests.reduce((n, t) => n + t.checks.length, 0)).toBe(121);
  });
});

describe('parseHarnessOutput: how Test::Harness closes a test', () => {
  // The shapes Test::Harness 3.44 (perl 5.36, as in the guest) printed on the host for small
  // Test.pm scripts: a failing check with its diagnostics merged in (the runner's module), a
  // test that died, a skipped check, a skipped test. Real failures: judge.test.ts.
  const text = [
    'Running as   user    root',
    '[10:00:05] a/test .. ',
    '1..3',
    '# Current time local: Sat Nov 28 10:00:01 2026',
    'ok 1',
    'not ok 2',
    '# Failed test 2 in a/test at line 3 fail #2',
    'not ok 3',
    '# Test 3 got: "x" (a/test at line 3 fail #3)',
    '#   Expected: "y"',
    'Failed 2/3 subtests ',
    '[10:00:06] b/test .. ',
    '1..2',
    'ok 1',
    'ok 2 # skip no reason',
    'ok       66 ms ( 0.00 usr  0.00 sys +  0.01 cusr  0.01 csys =  0.02 CPU)',
    '[10:00:07] c/test .. ',
    '1..3',
    'ok 1',
    'boom at c/test line 3.',
    'Dubious, test returned 255 (wstat 65280, 0xff00)',
    'Failed 2/3 subtests ',
    '[10:00:08] d/test .. skipped: no SELinux',
    '[10:00:08]',
    '',
    'Test Summary Report',
    '-------------------',
    'a/test (Wstat: 0 Tests: 3 Failed: 2)',
    'Files=4, Tests=6,  3 wallclock secs ( 0.04 usr  0.01 sys +  0.05 cusr  0.01 csys =  0.11 CPU)',
    'Result: FAIL',
  ].join('\n');
  const out = parseHarnessOutput(text);
  const [a, b, c, d] = out.tests;

  it('a failing check keeps the diagnostics that follow it', () => {
    expect(a).toMatchObject({ name: 'a', status: 'failed', durationMs: 4000 });
    expect(tallyTest(a!).failed).toEqual([
      { n: 2, why: 'not ok', output: ['# Failed test 2 in a/test at line 3 fail #2'] },
      { n: 3, why: 'not ok', output: ['# Test 3 got: "x" (a/test at line 3 fail #3)', '#   Expected: "y"'] },
    ]);
  });

  it('a skipped check counts as held; a test that died has its missing checks failed', () => {
    expect(tallyTest(b!)).toMatchObject({ passed: 1, skipped: 1, failed: [] });
    expect(c).toMatchObject({ status: 'dubious', exitStatus: 255 });
    expect(tallyTest(c!).failed.map((f) => [f.n, f.why])).toEqual([
      [2, 'planned but never run'],
      [3, 'planned but never run'],
    ]);
    expect(c!.checks[0]!.output).toEqual(['boom at c/test line 3.']);
  });

  it('a test that skips itself (1..0 # SKIP) is said on its header line', () => {
    expect(d).toMatchObject({ name: 'd', status: 'skipped', skipAll: 'no SELinux', checks: [] });
  });

  it('the summary, and a cut-off run', () => {
    expect(out).toMatchObject({ files: 4, totalChecks: 6, wallclockSec: 3, result: 'FAIL', finished: true });
    const cut = parseHarnessOutput(text.split('\n').slice(0, 9).join('\n'));
    expect(cut.finished).toBe(false);
    expect(cut.tests[0]).toMatchObject({ status: 'none' });
  });
});

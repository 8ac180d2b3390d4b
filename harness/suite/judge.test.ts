// Suite rows from what real guests printed (harness/test/fixtures/suite/): the first wave on
// baseline (every check holds), and the suite's other tests on baseline (run by hand with
// KPH_SUITE_AUDIT_TESTSUITE_TESTS: real failures — kernel options the base config lacks, no
// SELinux, no pty, no iptables, a Perl module bookworm does not package); then the comparison
// with baseline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../core/types.js';
import { judgeSuiteRun, ranges, reconcileWithBaseline, type SuiteJudgeInput } from './judge.js';
import { AUDIT_TESTSUITE_FIRST_WAVE } from './suite.js';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures');
const read = (f: string) => readFileSync(join(fixtures, f), 'utf8');
const OTHERS = ['file_permission', 'time_change', 'login_tty', 'bpf', 'fanotify', 'io_uring', 'filter_exclude', 'syscall_socketcall', 'syscall_module', 'netfilter_pkt', 'amcast_joinpart', 'lost_reset', 'backlog_wait_time_actual_reset'];

function input(over: Partial<SuiteJudgeInput>): SuiteJudgeInput {
  return { suite: 'audit-testsuite', tests: [...AUDIT_TESTSUITE_FIRST_WAVE], output: read('suite/audit-testsuite-first-wave-baseline.txt'), exitCode: 0, timedOut: false, error: null, consoleLines: read('suite/audit-testsuite-first-wave-baseline.console.log').split('\n'), guestAlive: true, wallMs: 323_431, ...over };
}
const verdicts = (rows: { scenario: string; verdict: string }[]) => Object.fromEntries(rows.map((r) => [r.scenario.split('/')[1], r.verdict]));

describe('judgeSuiteRun', () => {
  it('the first wave on baseline: a pass per test, and the run row with the totals (its console full of audit printk is no splat)', () => {
    const { rows } = judgeSuiteRun(input({}));
    expect(rows.map((r) => r.scenario)).toEqual(['audit-testsuite/runtests', ...AUDIT_TESTSUITE_FIRST_WAVE.map((t) => `audit-testsuite/${t}`)]);
    expect(new Set(rows.map((r) => r.verdict))).toEqual(new Set(['pass']));
    expect(rows[0]!.metrics).toEqual({ tests: 12, testsPassed: 12, checks: 121, checksPassed: 121, wallSec: 323.4 });
    expect(rows.find((r) => r.scenario === 'audit-testsuite/field_compare')).toMatchObject({ durationMs: 85237, metrics: { checks: 50, passed: 50 } });
  });

  it('the other tests on baseline: each failing check with the output that followed it; a test that died says why first', () => {
    const { rows } = judgeSuiteRun(input({ tests: OTHERS, output: read('suite/audit-testsuite-other-tests-baseline.txt'), exitCode: 1, consoleLines: [] }));
    expect(verdicts(rows)).toEqual({
      runtests: 'pass',
      file_permission: 'pass',
      time_change: 'pass',
      login_tty: 'fail',
      bpf: 'fail',
      fanotify: 'fail',
      io_uring: 'fail',
      filter_exclude: 'fail',
      syscall_socketcall: 'fail',
      syscall_module: 'fail',
      netfilter_pkt: 'fail',
      amcast_joinpart: 'fail',
      lost_reset: 'pass',
      backlog_wait_time_actual_reset: 'pass',
    });
    // As the runner's own summary says: Files=13, Tests=154 (checks that ran), 38 failed.
    expect(rows[0]!.metrics).toMatchObject({ tests: 13, testsPassed: 4, checks: 154, checksPassed: 116 });
    const bpf = rows.find((r) => r.scenario === 'audit-testsuite/bpf')!;
    expect(bpf.failures.map((f) => f.message)).toEqual(['check 1 of 3 failed', 'check 2 of 3 failed', 'check 3 of 3 failed']);
    expect(bpf.failures[0]!.excerpt).toEqual(['not ok 1', '# Test 1 got: "256" (bpf/test at line 68)', '#   Expected: "0"', '#  bpf/test line 68 is: ok( $result, 0 );']);
    const filterExclude = rows.find((r) => r.scenario === 'audit-testsuite/filter_exclude')!;
    expect(filterExclude.failures).toHaveLength(11);
    expect(filterExclude.metrics).toEqual({ checks: 21, passed: 10 });
    const amcast = rows.find((r) => r.scenario === 'audit-testsuite/amcast_joinpart')!;
    expect(amcast.failures.map((f) => f.message)).toEqual(['the test exited with status 2', 'checks 1-7 of 7 planned but never ran']);
    expect(amcast.failures[0]!.excerpt!.join('\n')).toContain("Can't locate Socket/Netlink.pm");
  });

  it('a kernel splat while the suite ran is the run row\'s crash; a runner cut off leaves the unreached tests with its verdict', () => {
    const oops = read('console/oops-bug-in-unshare.log').split('\n');
    const crashed = judgeSuiteRun(input({ consoleLines: oops }));
    expect(crashed.rows[0]!.verdict).toBe('crash');
    expect(crashed.rows[0]!.failures[0]).toMatchObject({ code: 'E_SPLAT', message: expect.stringContaining('kernel BUG at ../src/kernel/fork.c:3331!') });
    expect(crashed.rows[1]!.verdict).toBe('pass');

    const text = read('suite/audit-testsuite-first-wave-baseline.txt');
    const cut = text.slice(0, text.indexOf('[19:37:12] file_create/test'));
    const timedOut = judgeSuiteRun(input({ output: cut, exitCode: 124, timedOut: true, consoleLines: [] }));
    expect(verdicts(timedOut.rows)).toMatchObject({ runtests: 'timeout', exec_execve: 'pass', exec_name: 'pass', file_create: 'timeout', signal: 'timeout' });
    expect(timedOut.rows.find((r) => r.scenario === 'audit-testsuite/signal')!.failures[0]!.message).toContain('never reported signal');

    const died = judgeSuiteRun(input({ output: cut, exitCode: null, guestAlive: false, consoleLines: [] }));
    expect(died.rows[0]).toMatchObject({ verdict: 'crash', failures: [{ code: 'E_GUEST_DIED' }] });

    const noRunner = judgeSuiteRun(input({ output: '', exitCode: null, error: { verdict: 'infra-error', code: 'E_INFRA', message: 'Uploading the audit-testsuite to the guest failed' }, consoleLines: [] }));
    expect(new Set(noRunner.rows.map((r) => r.verdict))).toEqual(new Set(['infra-error']));
  });

  it('ranges', () => {
    expect(ranges([1, 2, 3, 5, 7, 8])).toBe('1-3, 5, 7-8');
  });
});

describe('reconcileWithBaseline', () => {
  const row = (series: string, test: string, verdict: RunResult['verdict']): RunResult => ({ series, revision: series === 'baseline' ? null : 'v1', scenario: `audit-testsuite/${test}`, verdict, failures: verdict === 'fail' ? [{ code: 'E_CHECK', message: 'check 2 of 4 failed', excerpt: ['not ok 2'] }] : [], durationsMs: { build: 0, boot: 0, scenario: 1 }, dir: `${series}/audit-testsuite/${test}` });

  it('fails on both: a known failure (skip, E_KNOWN_FAIL, the series\' own checks kept); fails on the series only: the series\' fail', () => {
    const runs = [row('s', 'fanotify', 'fail'), row('s', 'exec_name', 'fail'), row('s', 'user_msg', 'pass'), row('baseline', 'fanotify', 'fail'), row('baseline', 'exec_name', 'pass'), row('baseline', 'user_msg', 'fail'), { ...row('s', 'unshare-net', 'fail'), scenario: 'unshare-net' }];
    const changed = reconcileWithBaseline(runs);
    expect(changed.map((c) => [c.index, c.row.verdict])).toEqual([[0, 'skip']]);
    expect(changed[0]!.row.failures.map((f) => f.code)).toEqual(['E_KNOWN_FAIL', 'E_CHECK']);
    expect(changed[0]!.row.failures[0]!.message).toBe("known failure: fails on baseline too (check 2 of 4 failed); not this series' regression");
  });

  it('no baseline in the run: the fail stays, with a note saying so', () => {
    const changed = reconcileWithBaseline([row('s', 'fanotify', 'fail')]);
    expect(changed[0]!.row).toMatchObject({ verdict: 'fail', notes: [expect.stringContaining('no baseline result')] });
  });
});

describe('reconcileWithBaseline across shards (kph merge)', () => {
  const row = (series: string, verdict: RunResult['verdict'], notes?: string[]): RunResult => ({ series, revision: series === 'baseline' ? null : 'v1', scenario: 'audit-testsuite/fanotify', verdict, failures: verdict === 'fail' ? [{ code: 'E_CHECK', message: 'check 2 of 4 failed' }] : [], durationsMs: { build: 0, boot: 0, scenario: 1 }, ...(notes ? { notes } : {}), dir: `${series}/audit-testsuite/fanotify` });

  it('a shard\'s "no baseline" note goes once the baseline\'s shard is merged in; judging again changes nothing', () => {
    const [alone] = reconcileWithBaseline([row('s', 'fail')]);
    const noted = alone!.row;
    const regression = reconcileWithBaseline([noted, row('baseline', 'pass')]);
    expect(regression[0]!.row).toMatchObject({ verdict: 'fail' });
    expect(regression[0]!.row.notes).toBeUndefined();
    const known = reconcileWithBaseline([noted, row('baseline', 'fail')]);
    expect(known[0]!.row.verdict).toBe('skip');
    expect(known[0]!.row.notes).toEqual(['known failure: the test fails on the unpatched baseline kernel as well']);
    expect(reconcileWithBaseline([known[0]!.row, row('baseline', 'fail')])).toEqual([]);
  });
});

// --suite kselftests judged on what real guests printed (harness/test/fixtures/suite/):
// kselftests-baseline.txt, the ten binaries as root on the baseline kernel (every test passes);
// kselftests-baseline-uid65534.txt, the same binaries on the same kernel run unprivileged
// (KPH_KSELFTESTS_AS_UID=65534): real skips (`ok N # SKIP why`) and a binary that stopped
// before its plan was done. Then the comparison with baseline, on rows from those two runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../core/types.js';
import { reconcileWithBaseline, type SuiteJudgeInput } from './judge.js';
import { caseRowTest, judgeKselftests, KSELFTESTS, kselftestsRunnerScript, parseKselftestsOutput } from './kselftests.js';
import { parseSuiteSpecs } from './suite.js';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'suite');
const read = (f: string) => readFileSync(join(fixtures, f), 'utf8');
const NAMES = KSELFTESTS.map((k) => k.name);

function input(over: Partial<SuiteJudgeInput> = {}): SuiteJudgeInput {
  return { suite: 'kselftests', tests: NAMES, output: read('kselftests-baseline.txt'), exitCode: 0, timedOut: false, error: null, consoleLines: read('kselftests-baseline.console.log').split('\n'), guestAlive: true, wallMs: 117_988, ...over };
}
const byName = <T extends { scenario: string }>(rows: T[], name: string): T => rows.find((r) => r.scenario === `kselftests/${name}`)!;

describe('--suite kselftests', () => {
  it('takes no path; KPH_SUITE_KSELFTESTS_TESTS picks binaries; a path or an unknown binary is a usage error', () => {
    expect(parseSuiteSpecs(['kselftests'], {})).toEqual([{ name: 'kselftests', path: '', tests: NAMES }]);
    expect(parseSuiteSpecs(['kselftests'], { KPH_SUITE_KSELFTESTS_TESTS: 'pidfd_setns_test owner' })[0]!.tests).toEqual(['pidfd_setns_test', 'owner']);
    const refuse = (v: string[], env: NodeJS.ProcessEnv, msg: string) => expect(() => parseSuiteSpecs(v, env)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining(msg) }));
    refuse(['kselftests=/tmp'], {}, 'kselftests takes no path');
    refuse(['kselftests', 'kselftests'], {}, 'given twice');
    refuse(['kselftests'], { KPH_SUITE_KSELFTESTS_TESTS: 'pidfd_wait' }, 'pidfd_wait is not one of');
  });

  it('the runner frames each binary and bounds it; unprivileged only when asked', () => {
    const script = kselftestsRunnerScript(['owner', 'pidns']);
    expect(script).toContain('for t in owner pidns; do');
    expect(script).toContain('timeout -k 10 300 ./$t </dev/null 2>&1');
    expect(script).not.toContain('setpriv');
    expect(kselftestsRunnerScript(['owner'], 65534)).toContain('setpriv --reuid=65534 --regid=65534 --clear-groups ./$t');
    expect(() => kselftestsRunnerScript(['owner; reboot'])).toThrow();
  });
});

describe('parseKselftestsOutput', () => {
  it('splits the real output per binary: plan, cases (diagnostics before their line), exit status and time', () => {
    const p = parseKselftestsOutput(read('kselftests-baseline.txt'));
    expect(p.finished).toBe(true);
    expect(p.binaries.map((b) => b.name)).toEqual(NAMES);
    const owner = p.binaries[0]!;
    expect(owner).toMatchObject({ planned: null, cases: [], exitStatus: 0, durationMs: 209 });
    const setns = p.binaries.find((b) => b.name === 'pidfd_setns_test')!;
    expect(setns.planned).toBe(8);
    expect(setns.totals).toEqual({ pass: 8, fail: 0, xfail: 0, xpass: 0, skip: 0, error: 0 });
    expect(setns.cases[1]).toMatchObject({ n: 2, ok: true, description: 'current_nsset.invalid_flags', output: ['#  RUN           current_nsset.invalid_flags ...', '#            OK  current_nsset.invalid_flags'] });
    const pidfd = p.binaries.find((b) => b.name === 'pidfd_test')!;
    // Two cases with the same words: rows are told apart by number.
    expect(pidfd.cases[0]!.description).toBe(pidfd.cases[1]!.description);
    expect(pidfd.durationMs).toBe(113_911);
  });

  it('real skips: `ok N # SKIP why` with and without words before the directive', () => {
    const p = parseKselftestsOutput(read('kselftests-baseline-uid65534.txt'));
    const clone3 = p.binaries.find((b) => b.name === 'clone3')!;
    expect(clone3.cases.filter((c) => c.skip).map((c) => [c.n, c.skip])).toEqual([
      [2, 'clone3() in a new PID_NS'],
      [14, 'CLONE_ARGS_SIZE_VER0 in a new PID NS'],
      [16, 'sizeof(struct clone_args) + 8 in a new PID NS'],
      [18, 'New time NS'],
    ]);
    const setTid = p.binaries.find((b) => b.name === 'clone3_set_tid')!;
    expect(setTid).toMatchObject({ planned: 29, exitStatus: 0 });
    expect(setTid.cases).toHaveLength(18);
  });
});

describe('judgeKselftests', () => {
  it('baseline as root: every binary and every KTAP test passes; the run row has the totals', () => {
    const { rows } = judgeKselftests(input());
    expect(rows[0]).toMatchObject({ scenario: 'kselftests/runtests', verdict: 'pass', metrics: { tests: 10, testsPassed: 10, checks: 71, checksPassed: 71, checksFailed: 0, checksSkipped: 0, wallSec: 118 } });
    expect(rows.filter((r) => r.verdict !== 'pass')).toEqual([]);
    expect(rows).toHaveLength(1 + 10 + 71);
    // The binary's row first, then its tests; kselftest_harness tests carry their name.
    const i = rows.findIndex((r) => r.scenario === 'kselftests/pidfd_setns_test');
    expect(rows[i + 2]!.scenario).toBe('kselftests/pidfd_setns_test:2:current_nsset.invalid_flags');
    expect(byName(rows, 'pidfd_test:5')).toMatchObject({ notes: ['pidfd_send_signal check for support test: pidfd_send_signal() syscall is supported. Tests can be executed'] });
    expect(byName(rows, 'pidfd_test')).toMatchObject({ durationMs: 113_911, metrics: { planned: 8, tests: 8, passed: 8, exit: 0 } });
    expect(byName(rows, 'owner')).toMatchObject({ verdict: 'pass', metrics: { tests: 0, passed: 0, exit: 0 } });
  });

  it('unprivileged: skips with their reason; a binary that stopped short of its plan fails, and so does each test it never ran', () => {
    const { rows } = judgeKselftests(input({ output: read('kselftests-baseline-uid65534.txt'), consoleLines: [] }));
    expect(byName(rows, 'clone3:2')).toMatchObject({ verdict: 'skip', failures: [{ code: 'E_SKIP', message: 'the test skipped itself: clone3() in a new PID_NS' }] });
    expect(byName(rows, 'clone3')).toMatchObject({ verdict: 'pass', metrics: { planned: 19, tests: 19, passed: 15, skipped: 4 } });
    expect(byName(rows, 'pidfd_test:8').failures[0]!.message).toBe('the test skipped itself: pidfd_send_signal signal recycled pid test: Unsharing pid namespace not permitted');
    expect(byName(rows, 'clone3_set_tid').verdict).toBe('fail');
    expect(byName(rows, 'clone3_set_tid').failures[0]!.message).toBe('clone3_set_tid: exited 0, but 11 of 29 planned never ran');
    expect(byName(rows, 'clone3_set_tid:19')).toMatchObject({ verdict: 'fail', failures: [{ code: 'E_CHECK', message: 'test 19 of 29 planned but never ran' }] });
    expect(rows[0]).toMatchObject({ verdict: 'pass', metrics: { tests: 10, testsPassed: 9, checksSkipped: 9, checksFailed: 11 } });
  });

  it('a binary that did not compile against the series fails with the compiler\'s words; a runner cut off leaves the rest with its verdict', () => {
    const text = read('kselftests-baseline.txt');
    const cut = text.slice(0, text.indexOf('kph-kselftest: pidfd_test'));
    const { rows } = judgeKselftests(input({ output: cut, exitCode: null, timedOut: true, consoleLines: [], buildErrors: { pidfd_fdinfo_test: 'pidfd_fdinfo_test does not compile against the series\' tree and headers (gcc exit 1):\nerror: x' } }));
    expect(rows[0]!.verdict).toBe('timeout');
    expect(byName(rows, 'clone3_set_tid').verdict).toBe('pass');
    expect(byName(rows, 'pidfd_test')).toMatchObject({ verdict: 'timeout', failures: [{ message: expect.stringContaining('never ran pidfd_test') }] });
    expect(byName(rows, 'pidfd_fdinfo_test')).toMatchObject({ verdict: 'fail', failures: [{ code: 'E_CHECK', message: 'pidfd_fdinfo_test did not build against this series' }] });
  });

  it('case row names: a kselftest_harness name is kept; free words are not (numbers are stable, words may hold pids)', () => {
    expect(caseRowTest('pidfd_setns_test', { n: 1, description: 'global.setns_einval' })).toBe('pidfd_setns_test:1:global.setns_einval');
    expect(caseRowTest('clone3', { n: 2, description: 'clone3() in a new PID_NS' })).toBe('clone3:2');
  });
});

describe('regressions against baseline (reconcileWithBaseline, unchanged)', () => {
  // Rows of the two real runs, the unprivileged one standing for a series that lost what baseline has.
  const asRuns = (series: string, output: string): RunResult[] =>
    judgeKselftests(input({ output, consoleLines: [] })).rows.map((r) => ({ series, revision: series === 'baseline' ? null : 'v1', scenario: r.scenario, verdict: r.verdict, failures: r.failures, durationsMs: { build: 0, boot: 0, scenario: r.durationMs }, dir: `${series}/${r.scenario}` }));

  it('passes on baseline, fails on the series: the series\' regression; fails on both: a known failure', () => {
    const good = read('kselftests-baseline.txt');
    const short = read('kselftests-baseline-uid65534.txt');
    const runs = [...asRuns('baseline', good), ...asRuns('s', short)];
    expect(runs.find((r) => r.series === 's' && r.scenario === 'kselftests/clone3_set_tid:19')!.verdict).toBe('fail');
    expect(reconcileWithBaseline(runs)).toEqual([]); // nothing rewritten: the series' fails stay fails (its regressions)
    const known = reconcileWithBaseline([...asRuns('baseline', short), ...asRuns('s', short)]);
    expect(known.map((k) => k.row.scenario)).toContain('kselftests/clone3_set_tid');
    expect(new Set(known.map((k) => k.row.verdict))).toEqual(new Set(['skip']));
    expect(known[0]!.row.failures[0]!.code).toBe('E_KNOWN_FAIL');
  });
});

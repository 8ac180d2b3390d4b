// The run loop with fake stages: no kernel, no QEMU. What it decides — boots and reboots,
// verdicts for stage failures, summary.json after every result, reporters that throw — is
// checked against what a real run would see.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeCapture, STATUS } from '../test/run-fakes.js';
import { describe, expect, it } from 'vitest';
import { BootError, BuildError } from '../core/errors.js';
import { defineScenario, type Scenario } from '../core/scenario.js';
import type { BaseTree, RunResult, Series, Summary } from '../core/types.js';
import type { ScenarioCapture } from '../guest/guest.js';
import type { Kernel } from '../kernel/kernel.js';
import { matchScenarios, type RunPlan } from '../plan/plan.js';
import { silentProgress } from '../report/progress.js';
import { createReporters, type Reporter } from '../report/reporter.js';
import { RunLoop, type GuestLike, type RunStages } from './run.js';
import type { SuiteSpec } from '../suite/suite.js';

const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-x', contentId: 'x' };
const series = (name: string, revision: string | null = null): Series => ({ name, revision, id: revision ? `${name}@${revision}` : name, contentHash: name, patches: [], meta: { title: name, origin: '', config: [], records: {}, provides: [] }, source: null });

const ok = (name: string): Scenario => defineScenario({ name, description: name, script: 'true', expect: (ctx) => [{ name: 'exit 0', ok: ctx.guest.exitCode === 0, message: String(ctx.guest.exitCode) }] });
const throws = defineScenario({ name: 'throws', description: '', script: 'true', expect: () => { throw new TypeError("Cannot read properties of undefined (reading 'items')"); } });

const capture = fakeCapture;

interface FakeOpts {
  outcomes?: Record<string, ScenarioCapture>;
  /** Per call: the scenario's n-th run gets the n-th capture (then the default). */
  sequence?: Record<string, ScenarioCapture[]>;
  kernelError?: Error;
  bootErrors?: Error[];
  /** The failed boots' consoles end with the guest's ready line. */
  bootsSayReady?: boolean;
  control?: 'boots' | 'fails' | 'unknown';
  /** --check-formats: what the committed baseline says. */
  formatBaseline?: ReturnType<NonNullable<RunStages['formatBaseline']>>;
  config?: Map<string, string>;
  /** What the suite's boot printed, by series name (--suite). */
  suiteOutput?: Record<string, string>;
}

function fake(o: FakeOpts = {}) {
  const log: string[] = [];
  /** The kernel each guestEnvironment call was given (the KVM probe boots it). */
  const envKernels: (string | undefined)[] = [];
  const bootErrors = [...(o.bootErrors ?? [])];
  const stages: RunStages = {
    prepareBase: async () => base,
    async kernel(_b, plan) {
      log.push(`kernel ${plan.label}`);
      if (o.kernelError) throw o.kernelError;
      return { base, series: plan.series, bzImage: '/k/bzImage', buildDir: '/k', configPath: '/k/.config', config: o.config ?? new Map([['CONFIG_NET_NS', 'y']]), offsets: [], cached: true, buildMs: 1 } satisfies Kernel;
    },
    async guestEnvironment(kernel) {
      envKernels.push(kernel?.series.id);
      return { accel: 'tcg', reason: 'fake' };
    },
    async boot(kernel, opts) {
      log.push(`boot ${opts.consoleLog.split('/').pop()}`);
      const e = bootErrors.shift();
      if (e) {
        writeFileSync(opts.consoleLog, `[    0.000000] Linux version 6.12.117 (kph@kph)\n[    1.500000] Run /sbin/init as init process\n${o.bootsSayReady ? 'kph: guest ready\n' : ''}`);
        throw e;
      }
      let alive = true;
      const g: GuestLike = {
        bootMs: 7,
        alive: () => alive,
        async runScenario(s) {
          log.push(`run ${s.name}`);
          const c = o.sequence?.[s.name]?.shift() ?? o.outcomes?.[s.name] ?? capture();
          alive = c.guestAlive;
          return c;
        },
        async stop() {
          log.push('stop');
        },
      };
      return g;
    },
    controlBoot: async () => o.control ?? 'unknown',
    ...(o.formatBaseline ? { formatBaseline: () => o.formatBaseline! } : {}),
    async runSuite(kernel, suite) {
      log.push(`suite ${suite.name} ${kernel.series.name}`);
      return { output: o.suiteOutput?.[kernel.series.name] ?? '', exitCode: 1, timedOut: false, error: null, consoleLines: [], guestAlive: true, wallMs: 100_000, bootMs: 20_000 };
    },
  };
  return { stages, log, envKernels };
}

function planOf(scenarios: Scenario[], seriesList = [series('baseline')], suites?: SuiteSpec[], repeat?: number): RunPlan {
  const outDir = mkdtempSync(join(tmpdir(), 'kph-loop-'));
  return { baseSpec: { kind: 'debian', spec: 'debian:6.12', tarball: '/usr/src/x' }, outDir, scenarios, params: new Map(), series: matchScenarios(seriesList, scenarios), ...(suites ? { suites } : {}), ...(repeat ? { repeat } : {}) };
}

async function run(scenarios: Scenario[], o: FakeOpts = {}, reporters: Reporter[] = [], seriesList?: Series[], suites?: SuiteSpec[], repeat?: number) {
  const plan = planOf(scenarios, seriesList, suites, repeat);
  const f = fake(o);
  const all = [...createReporters(['junit', 'ktap', 'markdown', 'html'], { outDir: plan.outDir, progress: silentProgress, env: {}, textOut: process.stdout }), ...reporters];
  const errors: string[] = [];
  const loop = new RunLoop(plan, { stages: f.stages, reporters: all, progress: silentProgress, kphVersion: 't', onReporterError: (n, phase) => errors.push(`${n}:${phase}`) });
  const outcome = await loop.run();
  return { ...outcome, log: f.log, envKernels: f.envKernels, errors, plan };
}

const verdicts = (s: Summary) => Object.fromEntries(s.runs.map((r) => [r.scenario, r.verdict]));

describe('RunLoop', () => {
  it('boots once for scenarios that pass and writes summary.json with every row', async () => {
    const r = await run([ok('a'), ok('b'), ok('c')]);
    expect(r.log).toEqual(['kernel baseline', 'boot console.log', 'run a', 'run b', 'run c', 'stop']);
    // The image and accelerator once, with the kernel about to boot: the KVM probe boots it first.
    expect(r.envKernels).toEqual(['baseline']);
    expect(r.exitCode).toBe(0);
    const written = JSON.parse(readFileSync(join(r.outDir, 'summary.json'), 'utf8')) as Summary;
    expect(written).toMatchObject({ schemaVersion: 2, complete: true });
    expect(verdicts(written)).toEqual({ a: 'pass', b: 'pass', c: 'pass' });
    expect(written.series[0]).toMatchObject({ label: 'baseline', dir: 'baseline', kernel: { bzImage: '/k/bzImage' } });
  });

  it('boots a fresh guest after a hang, and the next scenario runs on it', async () => {
    const r = await run([ok('a'), ok('hangs'), ok('c')], { outcomes: { hangs: capture({ hang: { afterMs: 30_000, evidence: ['task 321 kph-hang state=S wchan=kph_hang_forever syscall=272', '    [<0>] kph_hang_forever+0x1c/0x40'] } }) } });
    expect(r.log).toEqual(['kernel baseline', 'boot console.log', 'run a', 'run hangs', 'stop', 'boot console-2.log', 'run c', 'stop']);
    expect(verdicts(r.summary)).toEqual({ a: 'pass', hangs: 'timeout', c: 'pass' });
    const hang = r.summary.runs.find((x) => x.scenario === 'hangs')!;
    expect(hang.failures[0]).toMatchObject({ code: 'E_TIMEOUT', message: expect.stringContaining('task 321 kph-hang state=S wchan=kph_hang_forever') });
    expect(hang.failures[0]!.excerpt).toContain('    [<0>] kph_hang_forever+0x1c/0x40');
    expect(r.exitCode).toBe(1);
  });

  it('boots again after a splat; the splat is a crash whatever the checks said', async () => {
    const splat = ['[   12.0] ------------[ cut here ]------------', '[   12.0] WARNING: CPU: 0 PID: 300 at kernel/nsproxy.c:560 __x64_sys_setns+0x1/0x2', '[   12.1] ---[ end trace 0000000000000000 ]---'];
    const r = await run([ok('warns'), ok('b')], { outcomes: { warns: capture({ consoleLines: splat }) } });
    expect(verdicts(r.summary)).toEqual({ warns: 'crash', b: 'pass' });
    expect(r.summary.runs[0]!.failures[0]).toMatchObject({ code: 'E_SPLAT', message: expect.stringContaining('WARNING: CPU: 0 PID: 300 at kernel/nsproxy.c:560') });
    expect(r.log.filter((l) => l.startsWith('boot'))).toHaveLength(2);
  });

  it('an expect() that throws is the series\' fail, not infra-error, and the guest is kept', async () => {
    const r = await run([throws, ok('b')]);
    expect(verdicts(r.summary)).toEqual({ throws: 'fail', b: 'pass' });
    expect(r.summary.runs[0]!.failures[0]).toMatchObject({ code: 'E_EXPECT', message: expect.stringContaining("reading 'items'") });
    expect(r.log.filter((l) => l.startsWith('boot'))).toHaveLength(1);
    expect(r.exitCode).toBe(1);
  });

  it('a build error gives every runnable scenario build-error, and nothing boots', async () => {
    const r = await run([ok('a'), ok('b')], { kernelError: new BuildError('The kernel did not build (make exited 2).', { details: ['kernel/nsproxy.c:1:1: error: x'] }) });
    expect(verdicts(r.summary)).toEqual({ a: 'build-error', b: 'build-error' });
    expect(r.summary.runs[0]!.failures[0]!.code).toBe('E_BUILD');
    expect(r.log.some((l) => l.startsWith('boot'))).toBe(false);
  });

  it('a scenario whose option the kernel lacks is skipped naming it; nothing is rebuilt for it', async () => {
    const needsTime = defineScenario({ ...ok('time'), needs: { config: ['CONFIG_TIME_NS=y'] } });
    const r = await run([ok('a'), needsTime]);
    expect(verdicts(r.summary)).toEqual({ time: 'skip', a: 'pass' });
    expect(r.summary.runs[0]!.failures[0]!.message).toBe('the kernel lacks CONFIG_TIME_NS=y (the kernel has it unset)');
    expect(r.log.filter((l) => l.startsWith('kernel'))).toEqual(['kernel baseline']);
  });

  it('a series kernel that never answers while the base kernel boots is boot-error (exit 1)', async () => {
    const never = new BootError('E_GUEST_UNREACHABLE', 'The guest never answered on SSH (12 attempts in 25 s)');
    const r = await run([ok('a'), ok('b')], { bootErrors: [never], control: 'boots' }, [], [series('broken', 'v1')]);
    expect(verdicts(r.summary)).toEqual({ a: 'boot-error', b: 'boot-error' });
    expect(r.summary.runs[0]!.failures[0]).toMatchObject({ code: 'E_BOOT', message: expect.stringContaining('unpatched kernel boots') });
    expect(r.exitCode).toBe(1);
  });

  it('a guest that said it was ready and never answered is booted again once, said in summary.json and the reports; then the scenarios run', async () => {
    const never = new BootError('E_GUEST_UNREACHABLE', 'The guest never answered on SSH (7 attempts in 60 s, after its sshd started)', { details: ['kph: guest ready', 'kph: SysRq t through the QEMU monitor: 70 tasks; 0 in D state; 0 running'] });
    const r = await run([ok('a'), ok('b')], { bootErrors: [never], bootsSayReady: true, control: 'boots' }, [], [series('flaky', 'v1')]);
    expect(r.log).toEqual(['kernel flaky@v1', 'boot console.log', 'boot console-2.log', 'run a', 'run b', 'stop']);
    expect(verdicts(r.summary)).toEqual({ a: 'pass', b: 'pass' });
    expect(r.summary.series[0]!.boots).toEqual([
      { ms: expect.any(Number), failed: { code: 'E_GUEST_UNREACHABLE', message: never.message, console: 'console.log', excerpt: never.details } },
      { ms: 7 },
    ]);
    expect(readFileSync(join(r.outDir, 'report.md'), 'utf8')).toContain('- flaky@v1: boot 1 said it was ready and never answered on SSH (flaky@v1/console.log); booted again, which answered\n  - SysRq t through the QEMU monitor: 70 tasks; 0 in D state; 0 running');
    expect(readFileSync(join(r.outDir, 'report.html'), 'utf8')).toContain('<h2>Boots booted again</h2>');
  });

  it('twice said ready and never answered, where the base kernel answers: boot-error, never a third boot', async () => {
    const never = () => new BootError('E_GUEST_UNREACHABLE', 'The guest never answered on SSH (7 attempts in 60 s, after its sshd started)');
    const r = await run([ok('a'), ok('b')], { bootErrors: [never(), never(), never()], bootsSayReady: true, control: 'boots' }, [], [series('broken', 'v1')]);
    expect(r.log).toEqual(['kernel broken@v1', 'boot console.log', 'boot console-2.log']);
    expect(verdicts(r.summary)).toEqual({ a: 'boot-error', b: 'boot-error' });
    expect(r.summary.runs[0]!.failures[0]!.message).toMatch(/^twice the series' kernel said it was ready/);
    expect(r.exitCode).toBe(1);
  });

  it('--check-formats: a baseline that matches but lacks a scenario that captured records is no pass; a whole match is', async () => {
    const stale = await run([ok('a')], { formatBaseline: { status: 'match', file: 'baselines/baseline.json', changes: [], uncovered: ['nsid-clone'] } });
    const row = stale.summary.runs.find((r) => r.scenario === 'format-baseline')!;
    expect(row).toMatchObject({ verdict: 'fail', failures: [{ code: 'E_FORMAT', message: expect.stringMatching(/^baselines\/baseline.json has no formats for nsid-clone, so nothing checked them/) }] });
    const whole = await run([ok('a')], { formatBaseline: { status: 'match', file: 'baselines/baseline.json', changes: [], uncovered: [] } });
    expect(whole.summary.runs.find((r) => r.scenario === 'format-baseline')!.verdict).toBe('pass');
  });

  it('the baseline kernel that never answers is infra-error (exit 3): nothing to blame', async () => {
    const never = new BootError('E_GUEST_UNREACHABLE', 'The guest never answered on SSH');
    const r = await run([ok('a')], { bootErrors: [never] });
    expect(verdicts(r.summary)).toEqual({ a: 'infra-error' });
    expect(r.exitCode).toBe(3);
  });

  it('a reporter that throws is logged and changes neither summary.json nor another report', async () => {
    const good = await run([ok('a'), ok('b')]);
    const broken: Reporter = { name: 'broken', onRunStart() { throw new Error('x'); }, onResult() { throw new Error('y'); }, onRunEnd() { throw new Error('z'); } };
    const bad = await run([ok('a'), ok('b')], {}, [broken]);
    expect(bad.errors).toEqual(['broken:onRunStart', 'broken:onResult', 'broken:onResult', 'broken:onRunEnd']);
    const strip = (s: Summary) => ({ ...s, startedAt: '', finishedAt: '', runs: s.runs.map((x: RunResult) => ({ ...x, dir: x.dir })) });
    const read = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Summary;
    expect(strip(read(bad.outDir))).toEqual(strip(read(good.outDir)));
    for (const f of ['junit.xml', 'results.ktap', 'report.md', 'report.html']) expect(existsSync(join(bad.outDir, f)), f).toBe(true);
  });

  it('interrupt() writes every report for what ran, complete false, interrupted true, exit 130', async () => {
    const plan = planOf([ok('a'), ok('b')]);
    const f = fake();
    const reporters = createReporters(['junit', 'markdown'], { outDir: plan.outDir, progress: silentProgress, env: {}, textOut: process.stdout });
    const loop = new RunLoop(plan, { stages: { ...f.stages, boot: async (k, o) => { const g = await f.stages.boot(k, o); return { ...g, runScenario: async (s, p, d) => { const c = await g.runScenario(s, p, d); if (s.name === 'a') loop.interrupt(); return c; } }; } }, reporters, progress: silentProgress, kphVersion: 't' });
    await loop.run();
    const s = JSON.parse(readFileSync(join(plan.outDir, 'summary.json'), 'utf8')) as Summary;
    expect(s).toMatchObject({ complete: false, interrupted: true });
    expect(readFileSync(join(plan.outDir, 'junit.xml'), 'utf8')).toContain('<testsuites');
  });

  describe('--suite', () => {
    // The suite's other tests as a real baseline guest printed them (harness/test/fixtures/suite/).
    const output = readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'suite', 'audit-testsuite-other-tests-baseline.txt'), 'utf8');
    const suite: SuiteSpec = { name: 'audit-testsuite', path: '/suite', tests: ['file_permission', 'bpf', 'amcast_joinpart'] };

    it('runs on a boot of its own after the scenarios; a test failing on baseline and the series is a known failure (skip), never a pass', async () => {
      const r = await run([ok('a')], { suiteOutput: { baseline: output, s: output } }, [], [series('s', 'v1'), series('baseline')], [suite]);
      expect(r.log).toEqual(['kernel s@v1', 'boot console.log', 'run a', 'stop', 'suite audit-testsuite s', 'kernel baseline', 'boot console.log', 'run a', 'stop', 'suite audit-testsuite baseline']);
      const of = (s: string) => Object.fromEntries(r.summary.runs.filter((x) => x.series === s).map((x) => [x.scenario, x.verdict]));
      expect(of('baseline')).toEqual({ a: 'pass', 'audit-testsuite/runtests': 'pass', 'audit-testsuite/file_permission': 'pass', 'audit-testsuite/bpf': 'fail', 'audit-testsuite/amcast_joinpart': 'fail' });
      expect(of('s')).toEqual({ a: 'pass', 'audit-testsuite/runtests': 'pass', 'audit-testsuite/file_permission': 'pass', 'audit-testsuite/bpf': 'skip', 'audit-testsuite/amcast_joinpart': 'skip' });
      const bpf = r.summary.runs.find((x) => x.series === 's' && x.scenario === 'audit-testsuite/bpf')!;
      expect(bpf.failures.map((f) => f.code)).toEqual(['E_KNOWN_FAIL', 'E_CHECK', 'E_CHECK', 'E_CHECK']);
      // verdict.json is rewritten, and each test's section of the output is beside it.
      expect(JSON.parse(readFileSync(join(r.outDir, bpf.dir, 'verdict.json'), 'utf8'))).toMatchObject({ verdict: 'skip' });
      expect(readFileSync(join(r.outDir, bpf.dir, 'output.txt'), 'utf8')).toContain('not ok 1');
      expect(existsSync(join(r.outDir, 's@v1', 'audit-testsuite', 'runtests', 'output.txt'))).toBe(true);
      const runRow = r.summary.runs.find((x) => x.series === 's' && x.scenario === 'audit-testsuite/runtests')!;
      expect(runRow).toMatchObject({ durationsMs: { boot: 20_000, scenario: 100_000 }, metrics: { tests: 3, testsPassed: 1, checks: 6, checksPassed: 3 } });
    });

    it('a build error gives every suite test build-error too, and nothing boots', async () => {
      const r = await run([ok('a')], { kernelError: new BuildError('The kernel did not build (make exited 2).') }, [], undefined, [suite]);
      expect(verdicts(r.summary)).toEqual({ a: 'build-error', 'audit-testsuite/runtests': 'build-error', 'audit-testsuite/file_permission': 'build-error', 'audit-testsuite/bpf': 'build-error', 'audit-testsuite/amcast_joinpart': 'build-error' });
      expect(r.log).toEqual(['kernel baseline']);
    });

    it('--suite-only: no scenario, the suite alone', async () => {
      const r = await run([], { suiteOutput: { baseline: output } }, [], undefined, [suite]);
      expect(r.log).toEqual(['kernel baseline', 'suite audit-testsuite baseline']);
      expect(r.summary.runs).toHaveLength(4);
    });
  });
});

describe('RunLoop --repeat N', () => {
  const warn = (pid: number, t: string) => capture({ consoleLines: [`[   ${t}] ------------[ cut here ]------------`, `[   ${t}] WARNING: CPU: 0 PID: ${pid} at kernel/nsproxy.c:560 __x64_sys_setns+0x63/0x49e`, `[   ${t}] Call Trace:`, `[   ${t}]  <TASK>`, `[   ${t}]  ? do_syscall_64+0x4e/0xa4`, `[   ${t}]  </TASK>`, `[   ${t}] ---[ end trace 0000000000000000 ]---`] });

  it('a scenario that fails on the 2nd repeat only is flaky (exit 1, never a pass): k of N, that repeat\'s evidence, a fresh guest after it', async () => {
    const r = await run([ok('a'), ok('b')], { sequence: { a: [capture(), capture({}, 1), capture()] } }, [], undefined, undefined, 3);
    expect(r.log).toEqual(['kernel baseline', 'boot console.log', 'run a', 'run a', 'stop', 'boot console-2.log', 'run a', 'run b', 'run b', 'run b', 'stop']);
    expect(verdicts(r.summary)).toEqual({ a: 'flaky', b: 'pass' });
    expect(r.exitCode).toBe(1);
    const a = r.summary.runs[0]!;
    expect(a.repeats).toEqual({ count: 3, passed: 2, verdicts: ['pass', 'fail', 'pass'], scenarioMs: [10, 10, 10], firstFailure: 2 });
    expect(a.failures[0]).toMatchObject({ code: 'E_FLAKY', message: expect.stringMatching(/^2 of 3 repeats passed on the same kernel: repeat 2 was the first to fail \(fail\)/) });
    expect(a.failures[1]).toMatchObject({ code: 'E_CHECK', message: 'repeat 2: exit 0: 1' });
    expect(a.durationsMs.scenario).toBe(30);
    expect(a.notes?.[0]).toMatch(/^2 of 3 repeats passed \(pass, fail, pass\); 3 repeats took 0\.0 s of scenario time/);
    // Each repeat has its own folder; the row's folder shows the failing repeat's evidence.
    for (const k of [1, 2, 3]) expect(existsSync(join(r.outDir, a.dir, `repeat-${k}`, 'checks.json'))).toBe(true);
    const shown = JSON.parse(readFileSync(join(r.outDir, a.dir, 'checks.json'), 'utf8')) as { ok: boolean }[];
    expect(shown[0]!.ok).toBe(false);
    expect(r.summary.runs[1]).toMatchObject({ verdict: 'pass', repeats: { count: 3, passed: 3 }, failures: [] });
    expect(readFileSync(join(r.outDir, 'report.md'), 'utf8')).toContain('**FLAKY**');
  });

  it('repeats that agree give their verdict: a crash on every repeat is crash, one signature, a boot per repeat', async () => {
    const r = await run([ok('warns')], { sequence: { warns: [warn(93, '7.1'), warn(95, '8.4')] } }, [], undefined, undefined, 2);
    expect(verdicts(r.summary)).toEqual({ warns: 'crash' });
    expect(r.log.filter((l) => l.startsWith('boot'))).toHaveLength(2);
    expect(r.summary.runs[0]).toMatchObject({ signature: 'warning: __x64_sys_setns', repeats: { passed: 0, verdicts: ['crash', 'crash'], firstFailure: 1 } });
  });

  it('a crash and a pass are flaky, with the crash\'s signature; a repeat that could not conclude never makes a pass', async () => {
    const flaky = await run([ok('w')], { sequence: { w: [capture(), warn(93, '7.1')] } }, [], undefined, undefined, 2);
    expect(flaky.summary.runs[0]).toMatchObject({ verdict: 'flaky', signature: 'warning: __x64_sys_setns', repeats: { firstFailure: 2 } });
    const lost = capture({ capture: { ...capture().capture!, statusAfter: STATUS.replace('lost 0', 'lost 3') } });
    const lossy = await run([ok('l')], { sequence: { l: [capture(), lost] } }, [], undefined, undefined, 2);
    expect(verdicts(lossy.summary)).toEqual({ l: 'inconclusive' });
    expect(lossy.exitCode).toBe(4);
  });

  it('without --repeat nothing changes: no repeat folders, no repeats field, the guest kept after a fail', async () => {
    const r = await run([ok('a'), ok('b')], { sequence: { a: [capture({}, 1)] } });
    expect(r.log).toEqual(['kernel baseline', 'boot console.log', 'run a', 'run b', 'stop']);
    expect(r.summary.runs[0]!.repeats).toBeUndefined();
    expect(existsSync(join(r.outDir, 'baseline', 'a', 'repeat-1'))).toBe(false);
  });
});

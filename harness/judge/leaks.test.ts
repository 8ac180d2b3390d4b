// The leak verdict: the judge on a kmemleak capture, the comparison with the baseline kernel
// under the same profile (as rows come, and again when the run ends), and the run loop with a
// fake kmemleak guest (no kernel, no QEMU). The kmemleak text is in Linux 6.12's
// print_unreferenced() format (see parse/kmemleak.test.ts); the functions in it are made up.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveKconfigProfiles, withKconfig } from '../config/profiles.js';
import { defineScenario, type Scenario } from '../core/scenario.js';
import type { BaseTree, RunResult, Series, Summary } from '../core/types.js';
import type { Kernel } from '../kernel/kernel.js';
import { matchScenarios, type RunPlan } from '../plan/plan.js';
import { silentProgress } from '../report/progress.js';
import { createReporters } from '../report/reporter.js';
import { kcidbTestStatus } from '../report/kcidb.js';
import { renderJunit, renderMarkdown } from '../report/formats.js';
import { RunLoop, type GuestLike, type RunStages } from '../run/run.js';
import { exitCodeFor } from './verdict.js';
import { fakeCapture } from '../test/run-fakes.js';
import { judgeScenario, type JudgeInput } from './judge.js';
import { applyLeaks, baselineLeaksSoFar, reconcileLeaks, type RowLeak } from './leaks.js';
import { reconcileWithBaseline } from '../suite/judge.js';
import { mergeSummaries } from '../run/merge.js';

/** One object of `fn` (size bytes) in the 6.12 layout. */
const block = (fn: string, size = 64, comm = 'unshare', caller = 'create_new_namespaces') => [
  `unreferenced object 0xff1100000a8e4c40 (size ${size}):`,
  `  comm "${comm}", pid 231, jiffies 4294894608`,
  `  hex dump (first 32 bytes):`,
  '    6b 70 68 2d 6c 65 61 6b 00 00 00 00 00 00 00 00  kph-leak........',
  '    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................',
  '  backtrace (crc 9e21a0c1):',
  '    kmemleak_alloc+0x4e/0x90',
  '    __kmalloc_cache_noprof+0x2ad/0x370',
  `    ${fn}+0x1b/0x40`,
  `    ${caller}+0x1d8/0x2d0`,
  '    unshare_nsproxy_namespaces+0x60/0xa0',
  '    ksys_unshare+0x1a5/0x3e0',
  '    __x64_sys_unshare+0x12/0x20',
  '    do_syscall_64+0x82/0x170',
  '    entry_SYSCALL_64_after_hwframe+0x76/0x7e',
].join('\n') + '\n';
const SERIES_LEAK = 'kmemleak: kph_leak_netns < create_new_namespaces < unshare_nsproxy_namespaces';
const BASE_LEAK = 'kmemleak: base_kernel_thing < create_new_namespaces < unshare_nsproxy_namespaces';

const scenario = defineScenario({ name: 'unshare-net', description: '', script: 'true', timeoutSec: 60, expect: (ctx) => [{ name: 'exit 0', ok: ctx.guest.exitCode === 0, message: `${ctx.guest.exitCode}` }] });
const meta = { title: '', origin: '', config: [], records: {}, provides: [] };
const judgeInput = (name: string, kmemleak: string | undefined, over: Partial<JudgeInput> = {}): JudgeInput => ({
  scenario,
  series: { name, revision: null, meta },
  params: {},
  capture: { ...fakeCapture().capture!, ...(kmemleak !== undefined ? { kmemleak } : {}) },
  captureError: null,
  consoleLines: [],
  guestAlive: true,
  qemuExitCode: null,
  hang: null,
  ...over,
});

describe('the judge on a kmemleak capture', () => {
  it('a series that passes its checks with a suspected leak is leak, E_LEAK with size, count and backtrace, the leak\'s signature on the row', () => {
    const j = judgeScenario(judgeInput('leaks-on-unshare', block('kph_leak_netns') + block('kph_leak_netns')));
    expect(j.verdict).toBe('leak');
    expect(j.signature).toBe(SERIES_LEAK);
    expect(j.leaks).toEqual([{ signature: SERIES_LEAK, count: 2, size: 64, comm: 'unshare', backtrace: expect.arrayContaining(['kph_leak_netns+0x1b/0x40', 'create_new_namespaces+0x1d8/0x2d0']) }]);
    expect(j.failures[0]).toMatchObject({ code: 'E_LEAK', message: expect.stringContaining('2 objects of 64 bytes allocated by "unshare"') });
    expect(j.failures[0]!.message).toMatch(/^kmemleak: suspected leak in kph_leak_netns < create_new_namespaces < unshare_nsproxy_namespaces: 2 objects/);
    expect(j.failures[0]!.excerpt).toContain('    kph_leak_netns+0x1b/0x40');
    expect(j.failures[0]!.message).toContain('not compared with baseline yet (the run compares when it ends)');
    expect(exitCodeFor([j.verdict])).toBe(1);
  });

  it('nothing reported: pass, with an empty leaks list (scanned, found nothing)', () => {
    const j = judgeScenario(judgeInput('leaks-on-unshare', ''));
    expect(j.verdict).toBe('pass');
    expect(j.leaks).toEqual([]);
    expect(j.signature).toBeUndefined();
  });

  it('a kernel without kmemleak (no kmemleak.txt): no leaks field, the verdict alone', () => {
    const j = judgeScenario(judgeInput('leaks-on-unshare', undefined));
    expect(j.verdict).toBe('pass');
    expect(j.leaks).toBeUndefined();
  });

  it('the baseline kernel\'s own leaks are known: a pass with a note, never its fault', () => {
    const j = judgeScenario(judgeInput('baseline', block('base_kernel_thing')));
    expect(j.verdict).toBe('pass');
    expect(j.failures).toEqual([]);
    expect(j.notes.join('\n')).toContain(`kmemleak: 1 suspected leak on the baseline kernel itself`);
    expect(j.leaks![0]!.signature).toBe(BASE_LEAK);
  });

  it('with baseline already judged under the same profile: its signatures are known, the others blamed', () => {
    const leakBaseline = { label: 'baseline+kmemleak', signatures: new Set([BASE_LEAK]) };
    const known = judgeScenario(judgeInput('x', block('base_kernel_thing'), { leakBaseline }));
    expect(known.verdict).toBe('pass');
    expect(known.leaks![0]!.known).toBe(true);
    expect(known.notes.join('\n')).toContain('baseline+kmemleak shows too (known');
    const both = judgeScenario(judgeInput('x', block('base_kernel_thing') + block('kph_leak_netns'), { leakBaseline }));
    expect(both.verdict).toBe('leak');
    expect(both.failures.map((f) => f.code)).toEqual(['E_LEAK']);
    expect(both.failures[0]!.message).toContain('baseline+kmemleak does not show it');
    expect(both.signature).toBe(SERIES_LEAK);
  });

  it('a failed check stays fail (the worse finding); the leak is in leaks and a note', () => {
    const j = judgeScenario(judgeInput('x', block('kph_leak_netns'), { capture: { ...fakeCapture({}, 1).capture!, kmemleak: block('kph_leak_netns') } }));
    expect(j.verdict).toBe('fail');
    expect(j.failures.map((f) => f.code)).toEqual(['E_CHECK']);
    expect(j.leaks).toHaveLength(1);
    expect(j.notes.join('\n')).toContain('also reported 1 suspected leak (the verdict is fail)');
  });

  it('a scan that failed makes a pass inconclusive: leaks were asked for and not looked for', () => {
    const j = judgeScenario(judgeInput('x', undefined, { capture: { ...fakeCapture().capture!, kmemleakError: 'sh: echo: write error: Operation not permitted\n' } }));
    expect(j.verdict).toBe('inconclusive');
    expect(j.failures[0]!.message).toContain('kmemleak could not scan after the scenario');
    expect(j.failures[0]!.message).toContain('Operation not permitted');
  });
});

const row = (series: string, leaks: RowLeak[] | undefined, over: Partial<RunResult> = {}): RunResult => ({
  series,
  revision: null,
  kconfig: ['kmemleak'],
  scenario: 'unshare-net',
  verdict: 'pass',
  failures: [],
  durationsMs: { build: 0, boot: 0, scenario: 1 },
  ...(leaks ? { leaks } : {}),
  dir: `${series}_kmemleak/unshare-net`,
  ...over,
});
const leak = (signature: string, size = 64): RowLeak => ({ signature, count: 1, size, comm: 'unshare', backtrace: ['kph_leak_netns+0x1b/0x40'] });
/** The row as the judge left it before any baseline was known. */
const judged = (series: string, leaks: RowLeak[]): RunResult => {
  const o = applyLeaks({ verdict: 'pass', failures: [], notes: [], leaks, isBaseline: series === 'baseline' });
  return row(series, o.leaks, { verdict: o.verdict, failures: o.failures, ...(o.signature ? { signature: o.signature } : {}), ...(o.notes.length ? { notes: o.notes } : {}) });
};

describe('reconcileLeaks: against baseline under the same profile, when the run ends', () => {
  it('a leak baseline shows too (in any of its scenarios) is known: the row passes with a note', () => {
    const runs = [judged('x', [leak(BASE_LEAK)]), judged('baseline', []), { ...judged('baseline', [leak(BASE_LEAK)]), scenario: 'other' }];
    expect(runs[0]!.verdict).toBe('leak');
    const out = reconcileLeaks(runs);
    expect(out).toHaveLength(1);
    expect(out[0]!.row).toMatchObject({ verdict: 'pass', failures: [], leaks: [{ signature: BASE_LEAK, known: true }] });
    expect(out[0]!.row.signature).toBeUndefined();
    expect(out[0]!.row.notes!.join('\n')).toContain('baseline+kmemleak shows too');
    // Idempotent: a second pass changes nothing.
    runs[0] = out[0]!.row;
    expect(reconcileLeaks(runs)).toEqual([]);
  });

  it('a leak baseline does not show is the series\' leak; baseline\'s own rows never change', () => {
    const runs = [judged('baseline', []), judged('x', [leak(SERIES_LEAK), leak(BASE_LEAK)]), judged('baseline', [leak(BASE_LEAK)])];
    const out = reconcileLeaks(runs);
    expect(out.map((o) => o.index)).toEqual([1]);
    expect(out[0]!.row).toMatchObject({ verdict: 'leak', signature: SERIES_LEAK, failures: [{ code: 'E_LEAK', message: expect.stringContaining('baseline+kmemleak does not show it') }] });
    expect(out[0]!.row.failures).toHaveLength(1);
    expect(out[0]!.row.leaks!.map((l) => l.known)).toEqual([false, true]);
  });

  it('only baseline under the same profiles counts: baseline+lockdep+kmemleak is not baseline+kmemleak', () => {
    const runs = [judged('baseline', [leak(SERIES_LEAK)]), { ...judged('x', [leak(SERIES_LEAK)]), kconfig: ['lockdep', 'kmemleak'] }];
    runs[0] = { ...runs[0]!, kconfig: ['kmemleak'] };
    const out = reconcileLeaks(runs);
    expect(out[0]!.row.verdict).toBe('leak');
    expect(out[0]!.row.notes!.join('\n')).toContain('no baseline under the same profile in this run');
  });

  it('without a baseline in the run the suspected leak stays leak, said so', () => {
    const out = reconcileLeaks([judged('x', [leak(SERIES_LEAK)])]);
    expect(out[0]!.row.verdict).toBe('leak');
    expect(out[0]!.row.failures[0]!.message).toContain('no baseline under the same profile in this run');
  });

  it('rows without a kmemleak scan are left alone', () => {
    expect(reconcileLeaks([row('x', undefined), row('baseline', undefined)])).toEqual([]);
  });

  it('baselineLeaksSoFar: undefined until a baseline row under the profile was scanned', () => {
    expect(baselineLeaksSoFar([row('x', [leak(SERIES_LEAK)])], ['kmemleak'])).toBeUndefined();
    expect(baselineLeaksSoFar([row('baseline', [])], ['kmemleak'])).toEqual({ label: 'baseline+kmemleak', signatures: new Set() });
    expect(baselineLeaksSoFar([row('baseline', [])], undefined)).toBeUndefined();
  });

  it('kph merge: a leak whose baseline ran in another shard is judged against it', () => {
    const shard = (index: number, runs: RunResult[]): { dir: string; summary: Summary } => ({ dir: `/s${index}`, summary: { schemaVersion: 2, kph: { version: 't' }, base: { spec: 'debian:6.12', version: '6.12.117' }, accel: 'tcg', startedAt: 'x', complete: true, shard: { index, count: 2, allSeries: ['baseline+kmemleak', 'x+kmemleak'] }, series: [], runs } });
    const merged = mergeSummaries([shard(1, [judged('baseline', [leak(BASE_LEAK)])]), shard(2, [judged('x', [leak(BASE_LEAK)])])]);
    expect(merged.summary.runs.map((r) => r.verdict)).toEqual(['pass', 'pass']);
    // The peer suites' reconciliation leaves scenario rows alone.
    expect(reconcileWithBaseline(merged.summary.runs)).toEqual([]);
  });
});

describe('the leak verdict in the reports', () => {
  it('is a FAIL everywhere: KCIDB, JUnit failure, exit 1', () => {
    const r = judged('x', [leak(SERIES_LEAK)]);
    expect(kcidbTestStatus(r)).toBe('FAIL');
    const summary: Summary = { schemaVersion: 2, kph: { version: 't' }, base: { spec: 'debian:6.12', version: '6.12.117' }, accel: 'tcg', startedAt: 'x', complete: true, series: [], runs: [r] };
    expect(renderJunit(summary)).toContain('<failure type="leak" message="kmemleak: suspected leak in kph_leak_netns &lt; create_new_namespaces');
    const md = renderMarkdown(summary);
    expect(md).toContain('**LEAK**');
    expect(md).toContain(SERIES_LEAK);
  });
});

// The run loop with a fake kmemleak guest: each series' kernel reports what `reports` gives it.
const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-x', contentId: 'x' };
const series = (name: string): Series => withKconfig({ name, revision: null, id: name, contentHash: name, patches: [], meta, source: null }, resolveKconfigProfiles(['kmemleak']));
const sc = (name: string): Scenario => defineScenario({ name, description: name, script: 'true', expect: (ctx) => [{ name: 'exit 0', ok: ctx.guest.exitCode === 0, message: String(ctx.guest.exitCode) }] });

async function runKmemleak(order: string[], reports: Record<string, Record<string, string>>) {
  const outDir = mkdtempSync(join(tmpdir(), 'kph-leak-loop-'));
  const scenarios = [sc('unshare-net'), sc('setns-loop')];
  const plan: RunPlan = { baseSpec: { kind: 'debian', spec: 'debian:6.12', tarball: '/usr/src/x' }, outDir, scenarios, params: new Map(), series: matchScenarios(order.map(series), scenarios) };
  const stages: RunStages = {
    prepareBase: async () => base,
    kernel: async (_b, p) => ({ base, series: p.series, bzImage: '/k/bzImage', buildDir: '/k', configPath: '/k/.config', config: new Map([['CONFIG_DEBUG_KMEMLEAK', 'y']]), offsets: [], cached: true, buildMs: 1 }) satisfies Kernel,
    guestEnvironment: async () => ({ accel: 'tcg', reason: 'fake' }),
    async boot(kernel) {
      const g: GuestLike = { bootMs: 7, alive: () => true, runScenario: async (s) => ({ ...fakeCapture(), capture: { ...fakeCapture().capture!, kmemleak: reports[kernel.series.name]?.[s.name] ?? '' } }), stop: async () => undefined };
      return g;
    },
    controlBoot: async () => 'unknown',
  };
  const reporters = createReporters(['junit', 'markdown', 'html'], { outDir, progress: silentProgress, env: {}, textOut: process.stdout });
  return new RunLoop(plan, { stages, reporters, progress: silentProgress, kphVersion: 't' }).run();
}

describe('a kmemleak run (fake guest)', () => {
  const reports = { baseline: { 'setns-loop': block('base_kernel_thing') }, 'leaks-on-unshare': { 'unshare-net': block('kph_leak_netns') + block('base_kernel_thing') } };
  for (const order of [['baseline', 'leaks-on-unshare'], ['leaks-on-unshare', 'baseline']]) {
    it(`${order.join(' then ')}: baseline passes, the series' own leak is leak, the base kernel's leak is known (exit 1)`, async () => {
      const r = await runKmemleak(order, reports);
      const v = Object.fromEntries(r.summary.runs.map((x) => [`${x.series}·${x.scenario}`, x.verdict]));
      expect(v).toEqual({ 'baseline·unshare-net': 'pass', 'baseline·setns-loop': 'pass', 'leaks-on-unshare·unshare-net': 'leak', 'leaks-on-unshare·setns-loop': 'pass' });
      expect(r.exitCode).toBe(1);
      const leakRow = r.summary.runs.find((x) => x.verdict === 'leak')!;
      expect(leakRow).toMatchObject({ kconfig: ['kmemleak'], signature: SERIES_LEAK, leaks: [{ signature: SERIES_LEAK, known: false }, { signature: BASE_LEAK, known: true }] });
      expect(leakRow.failures).toHaveLength(1);
      expect(leakRow.failures[0]!.message).toContain('baseline+kmemleak does not show it');
      // verdict.json and summary.json say the same.
      expect(JSON.parse(readFileSync(join(r.outDir, leakRow.dir, 'verdict.json'), 'utf8'))).toEqual(leakRow);
      expect((JSON.parse(readFileSync(join(r.outDir, 'summary.json'), 'utf8')) as Summary).runs).toEqual(r.summary.runs);
      expect(readFileSync(join(r.outDir, 'report.md'), 'utf8')).toContain('1 leak, in 1 scenario');
    });
  }
});

// A run of profiled series (--kconfig) with fake stages: its rows and series entries say the
// profile and carry the label ns-serial@v5+lockdep, the scenario's time is scaled by the
// profile's factor (and the judge's timeout message says the scaled time), --check-formats
// checks against the plain series' committed baseline, --compare pairs revisions and the
// baseline of the same profile, and `kph formats update` never writes a profiled baseline.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { resolveKconfigProfiles, withKconfig } from '../config/profiles.js';
import { rowLabel } from '../core/label.js';
import { defineScenario, type Scenario } from '../core/scenario.js';
import type { BaseTree, Series, Summary } from '../core/types.js';
import { baselineFile, checkBaseline, writeBaseline } from '../diff/baselines.js';
import type { ScenarioCapture } from '../guest/guest.js';
import type { Kernel } from '../kernel/kernel.js';
import { matchScenarios, type RunPlan } from '../plan/plan.js';
import { silentProgress } from '../report/progress.js';
import { createReporters } from '../report/reporter.js';
import { toKcidb } from '../report/kcidb.js';
import { shortNames } from '../report/terminal.js';
import { NOT_BOOTED, NOT_CHECKED, notChecked } from '../patchcheck/patchcheck.js';
import { RunLoop, type GuestLike, type RunStages } from './run.js';
import { compareRevisions } from './stages.js';
import { fakeCapture } from '../test/run-fakes.js';

const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-x', contentId: 'x' };
const series = (name: string, revision: string | null = null): Series => ({ name, revision, id: revision ? `${name}@${revision}` : name, contentHash: name, patches: [], meta: { title: name, origin: '', config: [], records: {}, provides: [] }, source: null });
const lockdep = resolveKconfigProfiles(['lockdep']);
const passing = (): ScenarioCapture => fakeCapture();
const scenario = (name: string, timeoutSec?: number): Scenario => defineScenario({ name, description: name, script: 'true', ...(timeoutSec ? { timeoutSec } : {}), expect: (ctx) => [{ name: 'exit 0', ok: ctx.guest.exitCode === 0, message: String(ctx.guest.exitCode) }] });

async function runProfiled(seriesList: Series[], scenarios: Scenario[], o: { hang?: string; formatBaseline?: (label: string, against?: string) => void } = {}) {
  const outDir = mkdtempSync(join(tmpdir(), 'kph-kconfig-loop-'));
  const plan: RunPlan = { baseSpec: { kind: 'debian', spec: 'debian:6.12', tarball: '/usr/src/x' }, outDir, scenarios, params: new Map(), series: matchScenarios(seriesList, scenarios) };
  const timeouts: Record<string, number | undefined> = {};
  const stages: RunStages = {
    prepareBase: async () => base,
    kernel: async (_b, p) => ({ base, series: p.series, bzImage: '/k/bzImage', buildDir: '/k', configPath: '/k/.config', config: new Map(), offsets: [], cached: true, buildMs: 1 }) satisfies Kernel,
    guestEnvironment: async () => ({ accel: 'tcg', reason: 'fake' }),
    async boot() {
      const g: GuestLike = {
        bootMs: 7,
        alive: () => true,
        async runScenario(s) {
          timeouts[s.name] = s.timeoutSec;
          return s.name === o.hang ? { ...passing(), capture: null, hang: { afterMs: 93_000, evidence: ['task 1 x state=D'] } } : passing();
        },
        stop: async () => undefined,
      };
      return g;
    },
    controlBoot: async () => 'unknown',
    ...(o.formatBaseline
      ? {
          formatBaseline: (_out: string, label: string, against?: string) => {
            o.formatBaseline!(label, against);
            return { status: 'match' as const, file: 'baselines/x.json', changes: [], uncovered: [] };
          },
        }
      : {}),
  };
  const reporters = createReporters(['markdown', 'html', 'junit'], { outDir, progress: silentProgress, env: {}, textOut: process.stdout });
  const outcome = await new RunLoop(plan, { stages, reporters, progress: silentProgress, kphVersion: 't' }).run();
  return { ...outcome, timeouts };
}

describe('a run of a profiled series', () => {
  it('labels its rows and its series entry, and keeps its results in a folder of its own', async () => {
    const r = await runProfiled([withKconfig(series('ns-serial', 'v5'), lockdep)], [scenario('unshare-net', 60)]);
    expect(r.summary.runs.map((x) => [x.series, x.revision, x.kconfig, rowLabel(x), x.verdict])).toEqual([['ns-serial', 'v5', ['lockdep'], 'ns-serial@v5+lockdep', 'pass']]);
    expect(r.summary.series[0]).toMatchObject({ label: 'ns-serial@v5+lockdep', name: 'ns-serial', revision: 'v5', dir: 'ns-serial@v5_lockdep', kconfig: [{ name: 'lockdep', source: 'harness/config/profiles/lockdep.config', bootFactor: 1.8, scenarioFactor: 1.55 }] });
    expect(r.summary.runs[0]!.dir).toBe('ns-serial@v5_lockdep/unshare-net');
    const written = JSON.parse(readFileSync(join(r.outDir, 'summary.json'), 'utf8')) as Summary;
    expect(written.runs[0]!.kconfig).toEqual(['lockdep']);
    // The reports name the kernel by its label.
    expect(readFileSync(join(r.outDir, 'report.md'), 'utf8')).toContain('ns-serial@v5+lockdep');
    expect(readFileSync(join(r.outDir, 'report.html'), 'utf8')).toContain('ns-serial@v5+lockdep');
    expect(readFileSync(join(r.outDir, 'junit.xml'), 'utf8')).toContain('ns-serial@v5+lockdep');
  });
  it('its KCIDB checkout is the series on the base, its build says the profile\'s fragment', async () => {
    const r = await runProfiled([withKconfig(series('ns-serial', 'v5'), lockdep)], [scenario('unshare-net', 60)]);
    const doc = toKcidb(r.summary, { outDir: r.outDir, checks: () => [], files: () => [] });
    expect(doc.checkouts[0]!.comment).toBe('Linux 6.12.117 (debian:6.12) + ns-serial@v5');
    expect(doc.builds[0]!.comment).toMatch(/^ns-serial@v5\+lockdep: kernel/);
    expect(doc.builds[0]!.config_name).toContain('harness/config/profiles/lockdep.config');
    expect(doc.tests).toHaveLength(1);
  });
  it('patchcheck says what it did not do: no debug profile without --kconfig, no boot without --boot', () => {
    const profiled = withKconfig(series('ns-serial', 'v5'), lockdep);
    expect(notChecked(profiled, true)).toEqual([]);
    expect(notChecked(profiled, false)).toEqual([NOT_BOOTED]);
    expect(notChecked(series('ns-serial', 'v5'), true)).toEqual(NOT_CHECKED);
  });
  it('the terminal\'s short column names keep the profile', () => {
    expect([...shortNames(['baseline+lockdep', 'ns-serial@v5+lockdep', 'ns-serial@v1+lockdep']).values()]).toEqual(['base+lockdep', 'v5+lockdep', 'v1+lockdep']);
  });
  it('a plain series\' rows have no kconfig', async () => {
    const r = await runProfiled([series('ns-serial', 'v5')], [scenario('unshare-net', 60)]);
    expect(r.summary.runs[0]!.kconfig).toBeUndefined();
    expect(r.summary.series[0]!.kconfig).toBeUndefined();
    expect(r.timeouts['unshare-net']).toBe(60);
  });
  it('gives each scenario its time times the profile\'s factor (60 s → 93 s, the default 300 s → 465 s), and a hang says the scaled time', async () => {
    const r = await runProfiled([withKconfig(series('ns-serial', 'v5'), lockdep)], [scenario('unshare-net', 60), scenario('setns-loop'), scenario('stuck', 60)], { hang: 'stuck' });
    expect(r.timeouts).toEqual({ 'unshare-net': 93, 'setns-loop': 465, stuck: 93 });
    const stuck = r.summary.runs.find((x) => x.scenario === 'stuck')!;
    expect(stuck.verdict).toBe('timeout');
    expect(stuck.failures[0]!.message).toMatch(/did not finish within 93 s/);
  });
  it('--check-formats checks ns-serial@v5+lockdep against ns-serial@v5\'s committed baseline', async () => {
    const asked: [string, string | undefined][] = [];
    await runProfiled([withKconfig(series('ns-serial', 'v5'), lockdep), series('ns-serial', 'v1')], [scenario('unshare-net', 60)], { formatBaseline: (l, a) => asked.push([l, a]) });
    expect(asked).toEqual([
      ['ns-serial@v5+lockdep', 'ns-serial@v5'],
      ['ns-serial@v1', undefined],
    ]);
  });
});

describe('format baselines and profiles', () => {
  it('checkBaseline reads the plain series\' file for a profiled signature, and a profiled label has its own file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kph-baselines-'));
    const sig = { version: 1 as const, series: 'ns-serial@v5', scenarios: {} };
    writeBaseline(sig, dir);
    const check = checkBaseline({ ...sig, series: 'ns-serial@v5+lockdep' }, dir, 'ns-serial@v5');
    expect(check.status).toBe('match');
    expect(check.file).toBe(baselineFile('ns-serial@v5', dir));
    expect(checkBaseline({ ...sig, series: 'ns-serial@v5+lockdep' }, dir).status).toBe('missing');
    expect(baselineFile('ns-serial@v5+lockdep', dir)).not.toBe(baselineFile('ns-serial@v5', dir));
  });

  it('--compare pairs the revisions and the baseline of the same profile', () => {
    const out = mkdtempSync(join(tmpdir(), 'kph-compare-'));
    const labels = ['baseline+lockdep', 'ns-serial@v1+lockdep', 'ns-serial@v5+lockdep'];
    const names: [string, string | null][] = [['baseline', null], ['ns-serial', 'v1'], ['ns-serial', 'v5']];
    const summary: Summary = {
      schemaVersion: 2,
      kph: { version: 't' },
      base: { spec: 'debian:6.12', version: '6.12.117' },
      accel: 'tcg',
      startedAt: '2026-11-29T03:00:00Z',
      complete: true,
      series: names.map(([name, revision], i) => ({ label: labels[i]!, name, revision, dir: labels[i]!.replace('+', '_'), records: {}, provides: [] })),
      runs: names.map(([name, revision], i) => ({ series: name, revision, kconfig: ['lockdep'], scenario: 'unshare-net', verdict: 'pass', failures: [], durationsMs: { build: 0, boot: 0, scenario: 0 }, dir: `${labels[i]!.replace('+', '_')}/unshare-net` })),
    };
    for (const r of summary.runs) mkdirSync(join(out, r.dir), { recursive: true });
    writeFileSync(join(out, 'summary.json'), JSON.stringify(summary));
    expect(compareRevisions(out, labels, summary).map((d) => [d.from, d.to])).toEqual([
      ['ns-serial@v1+lockdep', 'ns-serial@v5+lockdep'],
      ['baseline+lockdep', 'ns-serial@v1+lockdep'],
      ['baseline+lockdep', 'ns-serial@v5+lockdep'],
    ]);
  });

  it('kph formats update writes no baseline for a profiled series (exit 1, saying whose baseline it is checked against)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kph-update-'));
    const summary: Summary = {
      schemaVersion: 2,
      kph: { version: 't' },
      base: { spec: 'debian:6.12', version: '6.12.117' },
      accel: 'tcg',
      startedAt: '2026-11-29T03:00:00Z',
      complete: true,
      series: [{ label: 'ns-serial@v5+lockdep', name: 'ns-serial', revision: 'v5', dir: 'ns-serial@v5_lockdep', records: {}, provides: [] }],
      runs: [{ series: 'ns-serial', revision: 'v5', kconfig: ['lockdep'], scenario: 'unshare-net', verdict: 'pass', failures: [], durationsMs: { build: 0, boot: 0, scenario: 0 }, dir: 'ns-serial@v5_lockdep/unshare-net' }],
    };
    mkdirSync(join(out, summary.runs[0]!.dir), { recursive: true });
    writeFileSync(join(out, 'summary.json'), JSON.stringify(summary));
    const before = readFileSync(baselineFile('ns-serial@v5'), 'utf8');
    const err: string[] = [];
    const w = process.stderr.write;
    process.stderr.write = ((c: string) => (err.push(String(c)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'kph', 'formats', 'update', out])).toBe(1);
    } finally {
      process.stderr.write = w;
    }
    expect(err.join('')).toMatch(/ns-serial@v5\+lockdep: a debug kernel's run \(--kconfig\): its formats are checked against ns-serial@v5's baseline/);
    expect(readFileSync(baselineFile('ns-serial@v5'), 'utf8')).toBe(before);
  });
});

describe('--kconfig on the command line', () => {
  const quiet = async (argv: string[]) => {
    const w = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      return await main(['node', 'kph', ...argv]);
    } finally {
      process.stderr.write = w;
    }
  };
  it.each([
    [['build', '-s', 'baseline', '--kconfig', 'lockdp']],
    [['boot', '-s', 'baseline', '--kconfig', 'kasn']],
    [['run', '-s', 'baseline', '--kconfig', 'lockdep', '--kconfig', 'nope/missing.config', '--out', join(tmpdir(), 'kph-never-used')]],
    [['patchcheck', '-s', 'ns-serial@v5', '--kconfig', 'ubsn', '--out', join(tmpdir(), 'kph-never-used-pc')]],
  ])('kph %j is a usage error (exit 2) before anything is built', async (argv) => {
    expect(await quiet(argv)).toBe(2);
  });
  it('every command that makes a kernel takes it', async () => {
    for (const cmd of ['build', 'boot', 'run', 'patchcheck']) {
      const chunks: string[] = [];
      const w = process.stdout.write;
      process.stdout.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
      try {
        await main(['node', 'kph', cmd, '--help']);
      } finally {
        process.stdout.write = w;
      }
      expect(chunks.join(''), cmd).toMatch(/--kconfig <profile\|file>/);
    }
  });
});

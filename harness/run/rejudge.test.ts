// kph judge on a --repeat run: every repeat judged again from its own guest folder, combined as
// the run combines them. The run comes from the loop with fake stages whose guest writes what
// kph-scenario writes; the scenario is the again-fails fixture (fails when run again on a guest).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../core/load-scenarios.js';
import type { BaseTree, RunResult, Series } from '../core/types.js';
import type { ScenarioCapture } from '../guest/guest.js';
import type { Kernel } from '../kernel/kernel.js';
import { matchScenarios } from '../plan/plan.js';
import { silentProgress } from '../report/progress.js';
import { createReporters } from '../report/reporter.js';
import { rejudgeRun } from './rejudge.js';
import { RunLoop, type RunStages } from './run.js';

const FIXTURE_SCENARIOS = join(import.meta.dirname, '..', 'test', 'fixtures', 'scenarios');
const STATUS = 'enabled 1\nfailure 1\npid 99\nrate_limit 0\nbacklog_limit 8192\nlost 0\nbacklog 0\n';
const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/b', contentId: 'x' };
const baseline: Series = { name: 'baseline', revision: null, id: 'baseline', contentHash: 'b', patches: [], meta: { title: 'baseline', origin: '', config: [], records: {}, provides: [] }, source: null };

/** A guest whose n-th scenario run prints the n-th line of `stdouts`, into a guest/ folder as kph-scenario would. */
function stages(stdouts: string[]): RunStages {
  return {
    prepareBase: async () => base,
    kernel: async (_b, plan) => ({ base, series: plan.series, bzImage: '/k', buildDir: '/k', configPath: '/k/.config', config: new Map(), offsets: [], cached: true, buildMs: 1 }) satisfies Kernel,
    guestEnvironment: async () => ({ accel: 'tcg', reason: 'fake' }),
    controlBoot: async () => 'unknown',
    boot: async () => ({
      bootMs: 5,
      alive: () => true,
      stop: async () => {},
      async runScenario(_s, _p, sdir): Promise<ScenarioCapture> {
        const stdout = stdouts.shift() ?? '';
        const g = join(sdir, 'guest');
        mkdirSync(g, { recursive: true });
        for (const [f, t] of Object.entries({ 'exit-code': '0\n', 'stdout.txt': stdout, 'audit-status-before.txt': STATUS, 'audit-status-after.txt': STATUS, 'audit-full.log': '' })) writeFileSync(join(g, f), t);
        return { capture: { exitCode: 0, stdout, stderr: '', durationMs: 5, auditFull: '', statusBefore: STATUS, statusAfter: STATUS, listener: null, dir: g, flushTimedOut: false, scriptTimedOut: false }, error: null, consoleLines: [], guestAlive: true, qemuExitCode: null, hang: null, scenarioMs: 7 };
      },
    }),
  };
}

describe('kph judge on a --repeat run', () => {
  it('judges each repeat again and combines them: the same captures give the same row; a changed capture changes it', async () => {
    const scenario = await loadScenario('again-fails', FIXTURE_SCENARIOS);
    const outDir = mkdtempSync(join(tmpdir(), 'kph-rejudge-'));
    const plan = { baseSpec: { kind: 'debian' as const, spec: 'debian:6.12', tarball: '/x' }, outDir, scenarios: [scenario], params: new Map(), series: matchScenarios([baseline], [scenario]), repeat: 3 };
    const loop = new RunLoop(plan, { stages: stages(['KPH again=no\n', 'KPH again=yes\n', 'KPH again=no\n']), reporters: createReporters([], { outDir, progress: silentProgress, env: {}, textOut: process.stdout }), progress: silentProgress, kphVersion: 't' });
    const ran = (await loop.run()).summary.runs[0]!;
    expect(ran).toMatchObject({ verdict: 'flaky', repeats: { verdicts: ['pass', 'fail', 'pass'], firstFailure: 2 } });

    const same = await rejudgeRun(outDir, { scenariosDir: FIXTURE_SCENARIOS, reporters: [] });
    expect(same.changes).toEqual([]);
    expect(same.summary.runs[0]).toEqual(ran);

    // The second repeat's capture, changed: every repeat passes now.
    writeFileSync(join(outDir, ran.dir, 'repeat-2', 'guest', 'stdout.txt'), 'KPH again=no\n');
    const changed = await rejudgeRun(outDir, { scenariosDir: FIXTURE_SCENARIOS, reporters: [] });
    expect(changed.changes).toEqual([{ series: 'baseline', scenario: 'again-fails', from: 'flaky', to: 'pass' }]);
    expect(changed.exitCode).toBe(0);
    const row = JSON.parse(readFileSync(join(outDir, ran.dir, 'verdict.json'), 'utf8')) as RunResult;
    expect(row).toMatchObject({ verdict: 'pass', failures: [], repeats: { count: 3, passed: 3, verdicts: ['pass', 'pass', 'pass'], scenarioMs: [7, 7, 7] } });
    expect(row.repeats!.firstFailure).toBeUndefined();
  });
});

describe('kph judge on a debug kernel\'s run (--kconfig)', () => {
  it('judges the row against its own series entry, with the scenario time the run gave it (scaled by the profile)', async () => {
    const { resolveKconfigProfiles, withKconfig } = await import('../config/profiles.js');
    const scenario = await loadScenario('again-fails', FIXTURE_SCENARIOS); // timeoutSec 60
    const profiled = withKconfig(baseline, resolveKconfigProfiles(['lockdep']));
    const outDir = mkdtempSync(join(tmpdir(), 'kph-rejudge-kconfig-'));
    const st = stages(['KPH again=no\n']);
    const boot = st.boot.bind(st);
    st.boot = async (k, o) => {
      const g = await boot(k, o);
      return { ...g, runScenario: async (s, p, d) => ({ ...(await g.runScenario(s, p, d)), hang: { afterMs: 93_000, evidence: ['task 321 kph-hang state=D wchan=kph_hang syscall=272'] } }) };
    };
    const plan = { baseSpec: { kind: 'debian' as const, spec: 'debian:6.12', tarball: '/x' }, outDir, scenarios: [scenario], params: new Map(), series: matchScenarios([profiled], [scenario]) };
    const loop = new RunLoop(plan, { stages: st, reporters: createReporters([], { outDir, progress: silentProgress, env: {}, textOut: process.stdout }), progress: silentProgress, kphVersion: 't' });
    const ran = (await loop.run()).summary.runs[0]!;
    expect(ran).toMatchObject({ series: 'baseline', kconfig: ['lockdep'], verdict: 'timeout' });
    expect(ran.failures[0]!.message).toMatch(/did not finish within 93 s/);
    const again = await rejudgeRun(outDir, { scenariosDir: FIXTURE_SCENARIOS, reporters: [] });
    expect(again.changes).toEqual([]);
    expect(again.summary.runs[0]!.failures[0]!.message).toBe(ran.failures[0]!.message);
  });
});

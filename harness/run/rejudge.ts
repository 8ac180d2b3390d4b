// `kph judge RUN`: judge a results folder's stored captures again with the current scenario
// code — new verdicts, checks.json and reports, no build and no boot. The same judge as a live
// run (judge/judge.ts) on the same inputs: the guest folder, the scenario's console slice and
// the hang evidence the run kept.
import { rowLabel } from '../core/label.js';
import { withScenarioFactor } from '../config/profiles.js';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { loadScenario } from '../core/load-scenarios.js';
import { summarySchema } from '../core/summary.js';
import type { RunResult, Summary } from '../core/types.js';
import { readRawCapture } from '../capture/scenario.js';
import { judgeScenario } from '../judge/judge.js';
import { exitCodeFor } from '../judge/verdict.js';
import { multiplexReporters, type Reporter } from '../report/reporter.js';
import { writeJudgementFiles } from './run.js';
import { combineRepeats, type Attempt } from './repeat.js';
import { baselineLeaksSoFar, reconcileLeaks } from '../judge/leaks.js';

export function readSummary(runDir: string): Summary {
  const f = join(runDir, 'summary.json');
  if (!existsSync(f)) throw new UsageError(`${runDir} is not a kph results folder (no summary.json).`);
  const parsed = summarySchema.safeParse(JSON.parse(readFileSync(f, 'utf8')));
  if (!parsed.success) throw new UsageError(`${f} is not a summary.json this kph reads (schemaVersion 2): ${parsed.error.issues[0]?.message ?? ''}`, { hint: 'Runs from before schemaVersion 2 cannot be judged again.' });
  return parsed.data;
}

export interface RejudgeChange {
  series: string;
  scenario: string;
  from: string;
  to: string;
}

export async function rejudgeRun(runDir: string, opts: { scenariosDir?: string; reporters: Reporter[]; onReporterError?: (r: string, phase: string, e: unknown) => void }): Promise<{ summary: Summary; changes: RejudgeChange[]; exitCode: number }> {
  const summary = readSummary(runDir);
  const changes: RejudgeChange[] = [];
  const runs: RunResult[] = [];
  for (const r of summary.runs) {
    const entry = summary.series.find((s) => s.label === rowLabel(r)) ?? summary.series.find((s) => s.name === r.series && s.revision === r.revision);
    const folders = r.repeats ? Array.from({ length: r.repeats.count }, (_, k) => join(r.dir, `repeat-${k + 1}`)) : [r.dir];
    if (!entry || !folders.some((f) => existsSync(join(runDir, f, 'guest')))) {
      runs.push(r); // nothing captured (skip, build error, boot error, format rows): the verdict stands
      continue;
    }
    // A scenario in --scenarios-dir wins; the others come from scenarios/ (so a folder holding
    // only the scenario being changed is enough).
    const fromDir = opts.scenariosDir && existsSync(join(opts.scenariosDir, r.scenario, 'scenario.ts'));
    // On a debug kernel (--kconfig) the scenario ran with its time scaled by the profiles' factor.
    const factor = (entry.kconfig ?? []).reduce((f, k) => f * k.scenarioFactor, 1);
    const scenario = withScenarioFactor(await loadScenario(r.scenario, fromDir ? opts.scenariosDir : undefined), Math.round(factor * 1000) / 1000);
    const judge = (dir: string, scenarioMs: number) => {
      const consoleFile = join(runDir, dir, 'console.log');
      const hangFile = join(runDir, dir, 'hang.txt');
      const j = judgeScenario({
        scenario,
        series: { name: r.series, revision: r.revision, meta: { title: entry.label, origin: '', config: [], records: entry.records, provides: entry.provides } },
        params: r.params ?? scenario.params ?? {},
        capture: readRawCapture(join(runDir, dir, 'guest')),
        captureError: null,
        consoleLines: existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8').split('\n') : [],
        guestAlive: true,
        qemuExitCode: null,
        hang: existsSync(hangFile) ? { afterMs: scenarioMs, evidence: readFileSync(hangFile, 'utf8').trim().split('\n') } : null,
        leakBaseline: baselineLeaksSoFar(runs, r.kconfig),
      });
      writeJudgementFiles(join(runDir, dir), j);
      return j;
    };
    const { signature: _old, repeats: _reps, leaks: _leaks, ...rest } = r;
    let next: RunResult;
    if (!r.repeats) {
      const j = judge(r.dir, r.durationsMs.scenario);
      next = { ...rest, verdict: j.verdict, failures: j.failures, ...(j.signature ? { signature: j.signature } : {}), ...(j.leaks ? { leaks: j.leaks } : {}), ...(j.metrics ? { metrics: j.metrics } : {}), ...(j.notes.length ? { notes: j.notes } : {}) };
    } else {
      // --repeat N: each repeat judged again, then combined as the run combined them; a repeat
      // that captured nothing (its boot failed) keeps its verdict.
      const reps = r.repeats;
      const attempts: Attempt[] = folders.map((f, k) => {
        const scenarioMs = reps.scenarioMs[k] ?? 0;
        const bootMs = k === 0 ? r.durationsMs.boot : 0;
        if (!existsSync(join(runDir, f, 'guest'))) return { verdict: reps.verdicts[k] ?? 'infra-error', failures: [], notes: [], bootMs, scenarioMs };
        const j = judge(f, scenarioMs);
        return { verdict: j.verdict, failures: j.failures, notes: j.notes, ...(j.metrics ? { metrics: j.metrics } : {}), ...(j.signature ? { signature: j.signature } : {}), ...(j.leaks ? { leaks: j.leaks } : {}), bootMs, scenarioMs };
      });
      const row = combineRepeats(attempts);
      cpSync(join(runDir, folders[row.shown]!), join(runDir, r.dir), { recursive: true });
      const { metrics: _m, notes: _n, ...base } = rest;
      next = { ...base, verdict: row.verdict, failures: row.failures, ...(row.signature ? { signature: row.signature } : {}), ...(row.leaks ? { leaks: row.leaks } : {}), repeats: row.repeats, ...(row.metrics ? { metrics: row.metrics } : {}), ...(row.notes.length ? { notes: row.notes } : {}) };
    }
    writeFileSync(join(runDir, r.dir, 'verdict.json'), JSON.stringify(next, null, 2) + '\n');
    runs.push(next);
  }
  // kmemleak: each series' leaks against baseline's under the same profiles (judge/leaks.ts).
  for (const { index, row } of reconcileLeaks(runs)) {
    runs[index] = row;
    writeFileSync(join(runDir, row.dir, 'verdict.json'), JSON.stringify(row, null, 2) + '\n');
  }
  summary.runs.forEach((r, k) => {
    const next = runs[k]!;
    if (next.verdict !== r.verdict) changes.push({ series: rowLabel(r), scenario: r.scenario, from: r.verdict, to: next.verdict });
  });
  const judged: Summary = { ...summary, runs };
  const out = multiplexReporters(opts.reporters, opts.onReporterError ?? (() => {}));
  out.onRunEnd(judged, { diffs: [] });
  // --min-coverage stands as the run judged it: coverage is not judged again.
  return { summary: judged, changes, exitCode: summary.coverageGate?.passed === false ? 1 : exitCodeFor(runs.map((x) => x.verdict)) };
}

// `kph judge RUN`: judge a results folder's stored captures again with the current scenario
// code — new verdicts, checks.json and reports, no build and no boot. The same judge as a live
// run (judge/judge.ts) on the same inputs: the guest folder, the scenario's console slice and
// the hang evidence the run kept.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
    const guestDir = join(runDir, r.dir, 'guest');
    const entry = summary.series.find((s) => s.name === r.series && s.revision === r.revision);
    if (!entry || !existsSync(guestDir)) {
      runs.push(r); // nothing captured (skip, build error, boot error, format rows): the verdict stands
      continue;
    }
    // A scenario in --scenarios-dir wins; the others come from scenarios/ (so a folder holding
    // only the scenario being changed is enough).
    const fromDir = opts.scenariosDir && existsSync(join(opts.scenariosDir, r.scenario, 'scenario.ts'));
    const scenario = await loadScenario(r.scenario, fromDir ? opts.scenariosDir : undefined);
    const consoleFile = join(runDir, r.dir, 'console.log');
    const hangFile = join(runDir, r.dir, 'hang.txt');
    const j = judgeScenario({
      scenario,
      series: { name: r.series, revision: r.revision, meta: { title: entry.label, origin: '', config: [], records: entry.records, provides: entry.provides } },
      params: r.params ?? scenario.params ?? {},
      capture: readRawCapture(guestDir),
      captureError: null,
      consoleLines: existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8').split('\n') : [],
      guestAlive: true,
      qemuExitCode: null,
      hang: existsSync(hangFile) ? { afterMs: r.durationsMs.scenario, evidence: readFileSync(hangFile, 'utf8').trim().split('\n') } : null,
    });
    writeJudgementFiles(join(runDir, r.dir), j);
    const { signature: _old, ...rest } = r;
    const next: RunResult = { ...rest, verdict: j.verdict, failures: j.failures, ...(j.signature ? { signature: j.signature } : {}), ...(j.metrics ? { metrics: j.metrics } : {}), ...(j.notes.length ? { notes: j.notes } : {}) };
    writeFileSync(join(runDir, r.dir, 'verdict.json'), JSON.stringify(next, null, 2) + '\n');
    if (next.verdict !== r.verdict) changes.push({ series: entry.label, scenario: r.scenario, from: r.verdict, to: next.verdict });
    runs.push(next);
  }
  const judged: Summary = { ...summary, runs };
  const out = multiplexReporters(opts.reporters, opts.onReporterError ?? (() => {}));
  out.onRunEnd(judged, { diffs: [] });
  return { summary: judged, changes, exitCode: exitCodeFor(runs.map((x) => x.verdict)) };
}

// The run loop, as the README draws it: plan → kernel → guest → judge → report, for each series
// and scenario. Each stage is a function behind RunStages (run/stages.ts wires the real ones;
// tests hand in fakes), so the boot/reboot policy and the verdict mapping are tested without a
// kernel. Nothing is lost: every planned scenario gets a row, summary.json is rewritten after
// every row, and an interrupted run still writes every report for what ran.
import { createHash } from 'node:crypto';
import { formatBootPhases, type BootPhases } from '../vm/boot-phases.js';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ApplyError, BootError, BuildError, ConfigDroppedError, KphError } from '../core/errors.js';
import type { ParamValue, Scenario } from '../core/scenario.js';
import { SUMMARY_SCHEMA_VERSION } from '../core/summary.js';
import { kconfigNames, plainSeriesLabel, rowLabel } from '../core/label.js';
import { profileSource, timeFactors, withScenarioFactor } from '../config/profiles.js';
import type { BaseSpec, BaseTree, Failure, FailureCode, RunDurations, RunResult, SeriesEntry, Summary, Verdict } from '../core/types.js';
import type { ScenarioCapture } from '../guest/guest.js';
import { judgeScenario, type Judgement } from '../judge/judge.js';
import { exitCodeFor } from '../judge/verdict.js';
import type { Kernel } from '../kernel/kernel.js';
import { missingScenarioOptions } from '../kernel/kernel.js';
import type { RunPlan, SeriesPlan } from '../plan/plan.js';
import type { Progress } from '../report/progress.js';
import { multiplexReporters, type Reporter } from '../report/reporter.js';
import type { FormatDiff } from '../report/html.js';
import { findSplats } from '../parse/console.js';
import { splatSignature } from '../parse/splat-signature.js';
import { bootAgain, bootFailureVerdict, needsFreshGuest, saidReady } from './policy.js';
import type { SuiteSpec } from '../suite/suite.js';
import { isSuiteRow, suiteRowName, suiteRunRowName } from '../suite/suite.js';
import { judgeSuiteRun, reconcileWithBaseline, type SuiteJudgeInput } from '../suite/judge.js';
import { judgeKselftests } from '../suite/kselftests.js';
import { combineRepeats, type Attempt } from './repeat.js';
import { InPlanOrder } from './in-order.js';
import { baselineLeaksSoFar, reconcileLeaks } from '../judge/leaks.js';
import type { SeriesCoverage } from '../core/summary.js';
import { measuresCoverage } from '../config/profiles.js';
import { coverageGate, coverageHeadline, formatPercent } from '../coverage/report.js';

/** A booted guest as the loop sees it. */
export interface GuestLike {
  bootMs: number;
  /** Where the boot's time went, when the stage measured it. */
  phases?: BootPhases;
  alive(): boolean;
  runScenario(scenario: Scenario, params: Record<string, ParamValue>, sdir: string): Promise<ScenarioCapture>;
  stop(): Promise<void>;
}

export interface RunStages {
  prepareBase(spec: BaseSpec): Promise<BaseTree>;
  kernel(base: BaseTree, plan: SeriesPlan, logDir: string): Promise<Kernel>;
  /**
   * Image and accelerator, once per run; returns the accelerator and why. `kernel` is the first
   * one the run boots: the KVM probe boots it too (vm/accel.ts).
   */
  guestEnvironment(kernel?: Kernel): Promise<{ accel: 'kvm' | 'tcg'; reason: string }>;
  /** Boot `kernel`; the scenarios' selftests are built and uploaded when any needs them. */
  boot(kernel: Kernel, opts: { consoleLog: string; name: string; selftests: boolean; logDir: string }): Promise<GuestLike>;
  /**
   * The series' kernel never answered: does the base's unpatched kernel boot with the same image
   * and QEMU? 'unknown' when no such kernel is at hand.
   */
  controlBoot(base: BaseTree, consoleLog: string): Promise<'boots' | 'fails' | 'unknown'>;
  /**
   * A peer suite (--suite) on a boot of its own: prepare it (cached), boot `kernel`, run it, stop
   * the guest. Never throws: what went wrong is `error` (a boot that failed, an upload, the runner).
   */
  runSuite?(kernel: Kernel, suite: SuiteSpec, opts: { consoleLog: string; name: string; logDir: string }): Promise<SuiteRunCapture>;
  /**
   * `--coverage`: after the scenarios of a coverage kernel (its boots' counters read after each
   * scenario and as each boot stopped: coverage/guest.ts), which of the series' added lines ran.
   * Throws when nothing could be measured.
   */
  coverage?(kernel: Kernel, opts: { seriesDir: string; label: string }): Promise<SeriesCoverage>;
  /** --check-formats and --compare, from the results folder. */
  /** `against`: whose committed baseline to check with (a debug kernel's run: the plain series'). */
  formatBaseline?(outDir: string, label: string, against?: string): { status: 'missing' | 'match' | 'differ'; file: string; changes: string[]; uncovered: string[] };
  compare?(outDir: string, labels: string[], summary: Summary): FormatDiff[];
}

/** What a suite's boot left, for judgeSuiteRun. */
export type SuiteRunCapture = Omit<SuiteJudgeInput, 'suite' | 'tests'> & {
  bootMs: number;
  /** Boots booted again (policy.ts: bootAgain), said in the run's row. */
  notes?: string[];
};

export interface RunDeps {
  stages: RunStages;
  reporters: Reporter[];
  progress: Progress;
  kphVersion: string;
  /** Called when a reporter throws (default: a line on the progress output). */
  onReporterError?: (reporter: string, phase: string, error: unknown) => void;
}

export interface RunOutcome {
  summary: Summary;
  outDir: string;
  exitCode: number;
}

const NO_TIME: RunDurations = { build: 0, boot: 0, scenario: 0 };

export function failureOf(e: unknown, code: FailureCode = 'E_INFRA'): Failure {
  if (e instanceof KphError) return { code, message: e.message, excerpt: e.details.length ? e.details : undefined };
  if (e instanceof Error) return { code, message: e.message };
  return { code, message: String(e) };
}

/** The verdict and failure code of an error the kernel stage threw. */
export function kernelErrorVerdict(e: unknown): { verdict: Verdict; code: FailureCode } {
  if (e instanceof ApplyError) return { verdict: 'apply-error', code: 'E_APPLY' };
  if (e instanceof ConfigDroppedError) return { verdict: 'config-error', code: 'E_CONFIG' };
  if (e instanceof BuildError) return { verdict: 'build-error', code: 'E_BUILD' };
  return { verdict: 'infra-error', code: 'E_INFRA' };
}

export class RunLoop {
  readonly summary: Summary;
  private readonly out: Required<Reporter>;
  private interrupted = false;
  private ended = false;
  /** Rows of series in flight side by side (--jobs N), handed on in plan order. */
  private ordered: InPlanOrder<RunResult> | null = null;
  /** The guest image and accelerator: found once, shared by every series (retried after a failure). */
  private env: Promise<{ accel: 'kvm' | 'tcg'; reason: string }> | null = null;

  constructor(
    private readonly plan: RunPlan,
    private readonly deps: RunDeps,
  ) {
    this.summary = {
      schemaVersion: SUMMARY_SCHEMA_VERSION,
      kph: { version: deps.kphVersion },
      base: { spec: plan.baseSpec.spec, version: '?' },
      accel: 'tcg',
      startedAt: new Date().toISOString(),
      complete: false,
      ...(plan.shard ? { shard: plan.shard } : {}),
      series: plan.series.map((p) => ({
        label: p.label,
        name: p.series.name,
        revision: p.series.revision,
        dir: p.dirName,
        ...(p.series.kconfig?.length ? { kconfig: p.series.kconfig.map((k) => ({ name: k.name, source: profileSource(k), bootFactor: k.bootFactor, scenarioFactor: k.scenarioFactor })) } : {}),
        records: p.series.meta.records,
        provides: p.series.meta.provides,
        ...(p.series.source ? { source: p.series.source } : {}),
        patches: p.series.patches.map((x) => ({ name: x.name, sha256: createHash('sha256').update(x.text).digest('hex') })),
      })),
      runs: [],
    };
    this.out = multiplexReporters(deps.reporters, deps.onReporterError ?? ((name, phase, e) => deps.progress.fail(`reporter ${name} failed in ${phase}: ${e instanceof Error ? e.message : String(e)}`)));
  }

  private entry(plan: SeriesPlan): SeriesEntry {
    return this.summary.series.find((s) => s.dir === plan.dirName)!;
  }

  private record(plan: SeriesPlan, scenario: string, verdict: Verdict, failures: Failure[], durationsMs: RunDurations, extra: { metrics?: Record<string, number>; params?: Record<string, ParamValue>; notes?: string[]; signature?: string; repeats?: RunResult['repeats']; leaks?: RunResult['leaks'] } = {}): void {
    const dir = join(this.plan.outDir, plan.dirName, scenario);
    mkdirSync(dir, { recursive: true });
    const kconfig = kconfigNames(plan.series);
    const r: RunResult = { series: plan.series.name, revision: plan.series.revision, ...(kconfig ? { kconfig } : {}), scenario, verdict, failures, ...(extra.signature ? { signature: extra.signature } : {}), durationsMs, ...(extra.repeats ? { repeats: extra.repeats } : {}), ...(extra.leaks ? { leaks: extra.leaks } : {}), ...(extra.metrics ? { metrics: extra.metrics } : {}), ...(extra.notes?.length ? { notes: extra.notes } : {}), ...(extra.params && Object.keys(extra.params).length ? { params: extra.params } : {}), dir: relative(this.plan.outDir, dir) };
    writeFileSync(join(dir, 'verdict.json'), JSON.stringify(r, null, 2) + '\n');
    if (this.ordered) this.ordered.push(plan.dirName, r);
    else this.emit(r);
  }

  private emit(r: RunResult): void {
    this.summary.runs.push(r);
    this.out.onResult(r, this.summary);
  }

  private recordAll(plan: SeriesPlan, scenarios: Scenario[], verdict: Verdict, failures: Failure[], build = 0, extra: { signature?: string } = {}): void {
    for (const s of scenarios) this.record(plan, s.name, verdict, failures, { ...NO_TIME, build }, extra);
  }

  /** Every test of every --suite (and its run row) with one verdict: the kernel or the guest never got that far. */
  private recordSuites(plan: SeriesPlan, verdict: Verdict, failures: Failure[], build = 0): void {
    for (const suite of this.plan.suites ?? []) {
      for (const name of [suiteRunRowName(suite.name), ...suite.tests.map((t) => suiteRowName(suite.name, t))]) this.record(plan, name, verdict, failures, { ...NO_TIME, build });
    }
  }

  /** Ctrl-C / SIGTERM: every report for what ran, marked interrupted. Synchronous on purpose. */
  interrupt(): void {
    if (this.ended) return;
    this.interrupted = true;
    this.finish([]);
  }

  private finish(diffs: FormatDiff[]): RunOutcome {
    this.ended = true;
    // Interrupted with series in flight side by side: what they recorded goes out, in plan order.
    this.ordered?.flush();
    this.summary.complete = !this.interrupted;
    if (this.interrupted) this.summary.interrupted = true;
    this.summary.finishedAt = new Date().toISOString();
    // --min-coverage: the one way coverage changes the exit code (never a verdict).
    const min = this.plan.coverage?.minPercent;
    const gate = min === undefined ? null : coverageGate(this.summary.series, min);
    if (gate) this.summary.coverageGate = gate;
    this.out.onRunEnd(this.summary, { diffs });
    let exitCode = this.interrupted ? 130 : exitCodeFor(this.summary.runs.map((r) => r.verdict));
    if (gate && !gate.passed && !this.interrupted) {
      exitCode = 1;
      for (const b of gate.below) {
        const cov = this.summary.series.find((e) => e.label === b.series)?.coverage;
        const lines = (cov?.unexecuted ?? []).map((u) => `${u.file}:${u.line} (${u.patch}): ${u.text.trim()}`);
        this.deps.progress.fail(`--min-coverage ${min}: ${b.series}: ${b.why ?? `${formatPercent(b.percent)} of ${b.addedLines} added lines ran`}${lines.length ? `; never ran:\n  ${lines.join('\n  ')}` : ''}`);
      }
    }
    return { summary: this.summary, outDir: this.plan.outDir, exitCode };
  }

  async run(): Promise<RunOutcome> {
    const { stages, progress } = this.deps;
    mkdirSync(this.plan.outDir, { recursive: true });
    this.out.onRunStart(this.summary);

    let base: BaseTree | null = null;
    try {
      progress.start(`preparing base ${this.plan.baseSpec.spec}`);
      base = await stages.prepareBase(this.plan.baseSpec);
      this.summary.base.version = base.version;
      progress.succeed(`base ${base.spec}: Linux ${base.version}`);
    } catch (e) {
      progress.fail(`base ${this.plan.baseSpec.spec}: ${failureOf(e).message}`);
      for (const p of this.plan.series) this.recordAll(p, p.runnable, 'infra-error', [failureOf(e)]);
    }
    if (base) await this.runAllSeries(base);
    this.knownFailures();
    this.knownLeaks();
    const diffs = this.formats();
    return this.finish(diffs);
  }

  /**
   * Every series: one after the other, or with --jobs N up to N side by side, each on its own
   * build and guest (while one series' guest runs, the next one builds). Rows go out in plan order
   * either way (in-order.ts), so the results read as a serial run's.
   */
  private async runAllSeries(base: BaseTree): Promise<void> {
    const order = this.plan.series;
    const jobs = Math.max(1, Math.min(this.plan.jobs ?? 1, order.length));
    this.ordered = new InPlanOrder(order.map((p) => p.dirName), (r) => this.emit(r));
    if (jobs > 1) this.deps.progress.info(`--jobs ${jobs}: up to ${jobs} series side by side; rows are reported in plan order`);
    let next = 0;
    const worker = async () => {
      while (!this.interrupted && next < order.length) {
        const plan = order[next++]!;
        try {
          await this.runSeries(base, plan);
        } finally {
          this.ordered?.finish(plan.dirName);
        }
      }
    };
    // allSettled: a series that throws must not leave the others' guests running unattended.
    const settled = await Promise.allSettled(Array.from({ length: jobs }, worker));
    this.ordered.flush();
    this.ordered = null;
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The guest image and accelerator, once per run; a failure is retried by the next series. */
  private environment(kernel: Kernel): Promise<{ accel: 'kvm' | 'tcg'; reason: string }> {
    if (this.env) return this.env;
    const { stages, progress } = this.deps;
    progress.start('guest image and accelerator');
    const p = stages.guestEnvironment(kernel).then((env) => {
      this.summary.accel = env.accel;
      this.summary.accelReason = env.reason;
      progress.info(`accelerator: ${env.accel} (${env.reason})`);
      return env;
    });
    this.env = p;
    p.catch(() => {
      if (this.env === p) this.env = null;
    });
    return p;
  }

  /** Suite tests failing on a series and on baseline alike: known failures, not regressions (suite/judge.ts). */
  private knownFailures(): void {
    for (const { index, row } of reconcileWithBaseline(this.summary.runs)) {
      const was = this.summary.runs[index]!;
      this.summary.runs[index] = row;
      writeFileSync(join(this.plan.outDir, row.dir, 'verdict.json'), JSON.stringify(row, null, 2) + '\n');
      if (was.verdict !== row.verdict) this.deps.progress.info(`${rowLabel(row)} · ${row.scenario}: fails on baseline too: ${row.verdict} (known failure)`);
    }
  }

  /** kmemleak: a leak baseline under the same profiles shows too is known, not the series' (judge/leaks.ts). */
  private knownLeaks(): void {
    for (const { index, row } of reconcileLeaks(this.summary.runs)) {
      const was = this.summary.runs[index]!;
      this.summary.runs[index] = row;
      writeFileSync(join(this.plan.outDir, row.dir, 'verdict.json'), JSON.stringify(row, null, 2) + '\n');
      if (was.verdict !== row.verdict) this.deps.progress.info(`${rowLabel(row)} · ${row.scenario}: ${row.verdict === 'pass' ? 'its suspected leaks are the baseline kernel\'s too: pass' : `a suspected leak the baseline kernel does not show: ${row.verdict}`}`);
    }
  }

  private formats(): FormatDiff[] {
    const { stages } = this.deps;
    const captured = (p: SeriesPlan) => this.summary.runs.some((r) => rowLabel(r) === p.label && (r.verdict === 'pass' || r.verdict === 'fail' || r.verdict === 'leak') && !isSuiteRow(r.scenario));
    if (stages.formatBaseline) {
      for (const plan of this.plan.series.filter(captured)) {
        const profiled = Boolean(plan.series.kconfig?.length);
        const check = stages.formatBaseline(this.plan.outDir, plan.label, profiled ? plainSeriesLabel(plan.series) : undefined);
        const update = profiled ? `run ${plainSeriesLabel(plan.series)} without --kconfig and \`kph formats update\` its results folder` : `run \`kph formats update ${this.plan.outDir}\``;
        if (check.status === 'missing') this.record(plan, 'format-baseline', 'skip', [{ code: 'E_SKIP', message: `no committed baseline ${check.file}: ${update}` }], NO_TIME);
        else {
          // Like a snapshot test in CI: a scenario whose records the baseline lacks is unchecked, so not a pass.
          const failures = check.changes.map((c) => ({ code: 'E_FORMAT' as const, message: `record formats differ from ${check.file}: ${c}` }));
          if (check.uncovered.length) failures.push({ code: 'E_FORMAT', message: `${check.file} has no formats for ${check.uncovered.join(', ')}, so nothing checked them: after reviewing their records, ${update}` });
          this.record(plan, 'format-baseline', failures.length ? 'fail' : 'pass', failures, NO_TIME);
        }
      }
    }
    return stages.compare ? stages.compare(this.plan.outDir, this.plan.series.map((p) => p.label), this.summary) : [];
  }

  /** One series: its kernel, then its scenarios in as many boots as the reboot policy asks for. */
  private async runSeries(base: BaseTree, plan: SeriesPlan): Promise<void> {
    const { stages, progress } = this.deps;
    const seriesDir = join(this.plan.outDir, plan.dirName);
    mkdirSync(seriesDir, { recursive: true });
    for (const { scenario, why } of plan.skipped) this.record(plan, scenario.name, 'skip', [{ code: 'E_SKIP', message: why }], NO_TIME);
    const suites = this.plan.suites ?? [];
    if (plan.runnable.length === 0 && !suites.length) return;

    let kernel: Kernel;
    try {
      progress.start(`${plan.label}: applying ${plan.series.patches.length} patch(es)`);
      kernel = await stages.kernel(base, plan, seriesDir);
      if (kernel.offsets.length) writeFileSync(join(seriesDir, 'apply-offsets.txt'), kernel.offsets.join('\n') + '\n');
      this.entry(plan).kernel = { bzImage: kernel.bzImage, cached: kernel.cached, buildMs: kernel.buildMs };
      progress.succeed(`${plan.label}: ${kernel.cached ? 'kernel already built' : `built in ${(kernel.buildMs / 1000).toFixed(0)} s`} (${kernel.bzImage})`);
    } catch (e) {
      const { verdict, code } = kernelErrorVerdict(e);
      this.recordAll(plan, plan.runnable, verdict, [failureOf(e, code)]);
      this.recordSuites(plan, verdict, [failureOf(e, code)]);
      return;
    }

    // A scenario whose kernel option the series' kernel lacks is skipped, with the option named.
    const runnable: Scenario[] = [];
    for (const s of plan.runnable) {
      const missing = missingScenarioOptions(s.needs?.config, kernel.config);
      if (missing.length) this.record(plan, s.name, 'skip', [{ code: 'E_SKIP', message: `the kernel lacks ${missing.join(', ')}` }], NO_TIME);
      else runnable.push(s);
    }
    if (!runnable.length && !suites.length) return;

    let env: { accel: 'kvm' | 'tcg'; reason: string };
    try {
      env = await this.environment(kernel);
    } catch (e) {
      this.recordAll(plan, runnable, 'infra-error', [failureOf(e)], kernel.buildMs);
      this.recordSuites(plan, 'infra-error', [failureOf(e)], kernel.buildMs);
      return;
    }

    const selftests = runnable.some((s) => (s.needs?.selftests ?? []).length > 0);
    const repeat = this.plan.repeat ?? 1;
    let guest: GuestLike | null = null;
    let boots = 0;
    /** Boots of this kernel that said they were ready and never answered on SSH (policy.ts: bootAgain). */
    let readyUnanswered = 0;
    try {
      for (const [i, scenario] of runnable.entries()) {
        if (this.interrupted) break;
        const sdir = join(seriesDir, scenario.name);
        mkdirSync(sdir, { recursive: true });
        const params = this.plan.params.get(scenario.name) ?? {};
        // A debug kernel (--kconfig) is slower: the scenario's time is scaled by its profiles' factor.
        const timed = withScenarioFactor(scenario, timeFactors(plan.series).scenario);
        // --repeat N: N attempts on the same kernel, each in its own folder, one row.
        const attempts: (Attempt & { dir: string })[] = [];
        let bootFailure: { verdict: Verdict; failure: Failure; signature?: string } | null = null;
        for (let k = 1; k <= repeat && !this.interrupted; k++) {
          const rdir = repeat > 1 ? join(sdir, `repeat-${k}`) : sdir;
          mkdirSync(rdir, { recursive: true });
          let bootMs = 0;
          while (!guest && !bootFailure) {
            boots++;
            const consoleLog = join(seriesDir, boots === 1 ? 'console.log' : `console-${boots}.log`);
            progress.start(`${plan.label}: booting (${env.accel})`);
            const bootStarted = Date.now();
            try {
              guest = await stages.boot(kernel, { consoleLog, name: `kph/${basename(this.plan.outDir)}/${plan.dirName}`, selftests, logDir: seriesDir });
              bootMs = guest.bootMs;
              const entry = this.entry(plan);
              entry.boots = [...(entry.boots ?? []), { ms: bootMs, ...(guest.phases ? { phases: guest.phases } : {}) }];
              progress.succeed(`${plan.label}: guest answered on SSH ${(bootMs / 1000).toFixed(1)} s after QEMU started${guest.phases ? ` (${formatBootPhases(guest.phases)})` : ''}`);
            } catch (e) {
              const console = readConsole(consoleLog);
              const said = saidReady(console);
              if (bootAgain(e, console, readyUnanswered)) {
                // Said, and kept: the failed boot, its console and its evidence (policy.ts: bootAgain).
                readyUnanswered++;
                const b = e as BootError;
                const entry = this.entry(plan);
                entry.boots = [...(entry.boots ?? []), { ms: Date.now() - bootStarted, failed: { code: b.code, message: b.message, console: basename(consoleLog), excerpt: b.details } }];
                progress.fail(`${plan.label}: the guest said it was ready and never answered on SSH (${basename(consoleLog)}); booting the same kernel again, once`);
                continue;
              }
              if (said && e instanceof BootError && e.code === 'E_GUEST_UNREACHABLE') readyUnanswered++;
              const control = e instanceof BootError && (e.code === 'E_GUEST_UNREACHABLE' || e.code === 'E_QEMU_EXITED') && plan.series.name !== 'baseline'
                ? await stages.controlBoot(base, join(seriesDir, 'console-control.log'))
                : 'unknown';
              const b = bootFailureVerdict(e, { isBaseline: plan.series.name === 'baseline', control, console, readyUnanswered });
              const splat = b.verdict === 'crash' ? findSplats(b.failure.excerpt ?? [])[0] : undefined;
              bootFailure = { ...b, ...(splat ? { signature: splatSignature(splat) } : {}) };
            }
          }
          if (bootFailure || !guest) break;
          progress.start(`${plan.label} · ${scenario.name}${repeat > 1 ? ` (repeat ${k} of ${repeat})` : ''}`);
          const capture = await guest.runScenario(timed, params, rdir);
          writeFileSync(join(rdir, 'console.log'), capture.consoleLines.join('\n') + '\n');
          if (capture.hang) writeFileSync(join(rdir, 'hang.txt'), capture.hang.evidence.join('\n') + '\n');
          const j = judgeScenario({
            scenario: timed,
            series: plan.series,
            params,
            capture: capture.capture,
            captureError: capture.error ? failureOf(capture.error).message : null,
            consoleLines: capture.consoleLines,
            guestAlive: capture.guestAlive,
            qemuExitCode: capture.qemuExitCode,
            hang: capture.hang,
            leakBaseline: baselineLeaksSoFar(this.summary.runs, kconfigNames(plan.series)),
          });
          writeJudgementFiles(rdir, j);
          attempts.push({ verdict: j.verdict, failures: j.failures, notes: j.notes, ...(j.metrics ? { metrics: j.metrics } : {}), ...(j.signature ? { signature: j.signature } : {}), ...(j.leaks ? { leaks: j.leaks } : {}), bootMs, scenarioMs: capture.scenarioMs, dir: rdir });
          if (repeat > 1) progress.info(`${plan.label} · ${scenario.name}: repeat ${k} of ${repeat}: ${j.verdict}`);
          if (needsFreshGuest(capture, j.verdict, { repeating: repeat > 1 })) {
            await guest.stop();
            guest = null;
          }
        }
        const build = kernel.buildMs;
        if (repeat === 1 && attempts.length === 1) {
          const a = attempts[0]!;
          this.record(plan, scenario.name, a.verdict, a.failures, { build, boot: a.bootMs, scenario: a.scenarioMs }, { metrics: a.metrics, params, notes: a.notes, signature: a.signature, leaks: a.leaks });
        } else if (attempts.length) {
          // A boot that failed between repeats is that repeat's verdict (and the rest's).
          const all: Attempt[] = [...attempts];
          if (bootFailure) while (all.length < repeat) all.push({ verdict: bootFailure.verdict, failures: [bootFailure.failure], notes: [], bootMs: 0, scenarioMs: 0, ...(bootFailure.signature ? { signature: bootFailure.signature } : {}) });
          const row = combineRepeats(all);
          const shown = attempts[Math.min(row.shown, attempts.length - 1)]!;
          // The row's folder holds the shown repeat's evidence, so every reader of a row's files
          // (reports, kph diff, kph fixture) finds them where a single run leaves them.
          cpSync(shown.dir, sdir, { recursive: true });
          this.record(plan, scenario.name, row.verdict, row.failures, { build, boot: row.bootMs, scenario: row.scenarioMs }, { metrics: row.metrics, params, notes: row.notes, signature: row.signature, repeats: row.repeats, leaks: row.leaks });
        }
        if (bootFailure) {
          const rest = attempts.length ? runnable.slice(i + 1) : runnable.slice(i);
          this.recordAll(plan, rest, bootFailure.verdict, [bootFailure.failure], kernel.buildMs, bootFailure.signature ? { signature: bootFailure.signature } : {});
          break;
        }
      }
    } finally {
      if (guest) await guest.stop();
    }
    if (measuresCoverage(plan.series) && stages.coverage && !this.interrupted) await this.coverage(plan, kernel, seriesDir);
    for (const suite of suites) {
      if (this.interrupted) break;
      await this.runSuite(plan, kernel, suite, seriesDir);
    }
  }

  /** --coverage: the series' added lines against the counters its boots left; information, never a verdict. */
  private async coverage(plan: SeriesPlan, kernel: Kernel, seriesDir: string): Promise<void> {
    const { stages, progress } = this.deps;
    progress.start(`${plan.label}: coverage of the lines the series adds`);
    let cov: SeriesCoverage;
    try {
      cov = await stages.coverage!(kernel, { seriesDir, label: plan.label });
    } catch (e) {
      cov = { addedLines: 0, executedLines: 0, unexecuted: [], error: failureOf(e).message };
    }
    this.entry(plan).coverage = cov;
    const say = cov.error ? progress.fail : progress.info;
    say(`${plan.label}: coverage ${coverageHeadline(cov)}`);
  }

  /** One peer suite on a boot of its own, after the scenarios: a row per test and one for the run. */
  private async runSuite(plan: SeriesPlan, kernel: Kernel, suite: SuiteSpec, seriesDir: string): Promise<void> {
    const { stages, progress } = this.deps;
    // The run's row folder holds the console of the suite's boot and the runner's whole output.
    const dir = join(seriesDir, suiteRunRowName(suite.name));
    mkdirSync(dir, { recursive: true });
    if (!stages.runSuite) {
      this.recordSuites(plan, 'infra-error', [{ code: 'E_INFRA', message: 'this kph cannot run peer suites' }], kernel.buildMs);
      return;
    }
    progress.start(`${plan.label} · ${suite.name}: ${suite.tests.length} tests on a boot of their own`);
    const cap = await stages.runSuite(kernel, suite, { consoleLog: join(dir, 'console.log'), name: `kph/${basename(this.plan.outDir)}/${plan.dirName}/${suite.name}`, logDir: dir });
    const { rows } = suite.name === 'kselftests' ? judgeKselftests({ ...cap, suite: suite.name, tests: suite.tests }) : judgeSuiteRun({ ...cap, suite: suite.name, tests: suite.tests });
    writeFileSync(join(dir, 'output.txt'), cap.output);
    for (const row of rows) {
      const rdir = join(this.plan.outDir, plan.dirName, row.scenario);
      mkdirSync(rdir, { recursive: true });
      if (row.scenario !== suiteRunRowName(suite.name) && row.output.length) writeFileSync(join(rdir, 'output.txt'), row.output.join('\n') + '\n');
      const isRun = row.scenario === suiteRunRowName(suite.name);
      this.record(plan, row.scenario, row.verdict, row.failures, { build: kernel.buildMs, boot: isRun ? cap.bootMs : 0, scenario: row.durationMs }, { metrics: row.metrics, notes: isRun ? [...(row.notes ?? []), ...(cap.notes ?? [])] : row.notes });
    }
    const run = rows[0]!;
    const m = run.metrics ?? {};
    progress.info(`${plan.label} · ${suite.name}: ${m.testsPassed}/${m.tests} tests, ${m.checksPassed}/${m.checks} checks passed in ${m.wallSec} s (${run.verdict})`);
  }
}

function readConsole(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** checks.json, audit.log, records.jsonl and events.jsonl of a judged scenario. */
export function writeJudgementFiles(dir: string, j: Judgement): void {
  writeFileSync(join(dir, 'checks.json'), JSON.stringify(j.checks, null, 2) + '\n');
  if (j.notes.length) writeFileSync(join(dir, 'notes.txt'), j.notes.join('\n') + '\n');
  const ctx = j.ctx;
  if (!ctx) return;
  const lines = (xs: string[]) => xs.join('\n') + (xs.length ? '\n' : '');
  writeFileSync(join(dir, 'audit.log'), lines(ctx.audit.records.map((r) => r.line)));
  writeFileSync(join(dir, 'records.jsonl'), lines(ctx.audit.records.map((r) => JSON.stringify({ type: r.type, typeNumber: r.typeNumber, timestamp: r.timestamp, serial: r.serial, fields: r.fields }))));
  writeFileSync(join(dir, 'events.jsonl'), lines((ctx.cn?.events ?? []).map((e) => JSON.stringify(e))));
}

export type { SeriesPlan };

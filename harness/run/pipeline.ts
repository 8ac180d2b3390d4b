// The data flow of one `kph run`: for each series, source → patch → config → build, then image
// → vm → ssh → capture for each scenario, then parse → assert → verdict, and the reports.
// Stage failures become verdicts (apply-error, build-error, ...); nothing is lost: every run
// gets a row in summary.json and a folder.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { decideVerdict, exitCodeFor } from '../assert/verdict.js';
import { buildKernel, type BuildResult } from '../build/kernel.js';
import { ApplyError, BootError, BuildError, ConfigDroppedError, KphError } from '../core/errors.js';
import { loadScenario, listScenarioNames, resolveParams } from '../core/load-scenarios.js';
import { baseConfigFragment, resultsDir } from '../core/paths.js';
import { checkBaseline } from '../diff/baselines.js';
import { compareSignatures } from '../diff/compare.js';
import { signatureFromRun } from '../diff/load.js';
import { renderChangesMarkdown } from '../diff/render.js';
import type { Check, ParamValue, Scenario, ScenarioContext } from '../core/scenario.js';
import type { Accel, BaseTree, Failure, RunResult, Series, Summary, Verdict } from '../core/types.js';
import { runScenarioInGuest } from '../capture/scenario.js';
import { buildContext } from '../capture/context.js';
import { ensureGuestImage, type GuestImage } from '../image/guest.js';
import { buildSelftests, SELFTEST_SCENARIOS, uploadSelftests, type SelftestBuild } from '../image/selftests.js';
import { prepareSeriesTree } from '../patch/apply.js';
import { resolveSeries, seriesLabel } from '../patch/series.js';
import { findSplats } from '../parse/console.js';
import type { Runner } from '../process/exec.js';
import { renderJunit, renderKtap, renderMarkdown } from '../report/formats.js';
import { githubAnnotations } from '../report/github.js';
import { renderHtml, type FormatDiff } from '../report/html.js';
import type { Progress } from '../report/progress.js';
import { parseBaseSpec, prepareBase } from '../source/base.js';
import { connectGuest, makeClientKey, type GuestSession } from '../ssh/guest.js';
import { chooseAccel, type AccelChoice } from '../vm/accel.js';
import { startVm, type Vm } from '../vm/vm.js';

export interface RunRequest {
  base: string;
  series: string[];
  /** Scenario names; empty means all. */
  scenarios: string[];
  params: string[];
  outDir?: string;
  accel: 'auto' | Accel;
  cache: string;
  jobs?: number;
  /** Boot-to-SSH deadline; default 60 s under KVM, 180 s under TCG. */
  bootTimeoutMs?: number;
  /** Extra kernel command-line arguments. */
  append?: string[];
  /** Load scenarios from here instead of scenarios/. */
  scenariosDir?: string;
  /** Compare each series' record formats with results/baselines/ (a row "format-baseline" per series). */
  checkFormats?: boolean;
  /** Write format diffs between consecutive revisions and against baseline (formats-diff.md/json). */
  compare?: boolean;
}

export interface RunDeps {
  runner: Runner;
  progress: Progress;
  qemu?: string;
}

export interface RunOutcome {
  summary: Summary;
  outDir: string;
  exitCode: number;
}

export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}-${randomBytes(2).toString('hex')}`;
}

/** A booted guest with an SSH session. */
export interface BootedGuest {
  vm: Vm;
  session: GuestSession;
  bootMs: number;
}

export async function bootGuest(opts: {
  runner: Runner;
  qemu?: string;
  kernel: string;
  image: GuestImage;
  accel: Accel;
  consoleLog: string;
  bootTimeoutMs?: number;
  append?: string[];
  /** QEMU's -name, so ps tells which run a VM belongs to. */
  name?: string;
}): Promise<BootedGuest> {
  const key = makeClientKey();
  const started = Date.now();
  const vm = await startVm({
    runner: opts.runner,
    qemu: opts.qemu,
    kernel: opts.kernel,
    rootImage: opts.image.image,
    accel: opts.accel,
    consoleLog: opts.consoleLog,
    authorizedKeyB64: Buffer.from(key.publicKey + '\n').toString('base64'),
    extraCmdline: opts.append,
    name: opts.name,
  });
  try {
    const tcg = opts.accel === 'tcg';
    const session = await connectGuest({
      vm,
      key,
      hostKey: opts.image.hostKey,
      deadlineMs: opts.bootTimeoutMs ?? (tcg ? 180_000 : 60_000),
      silenceMs: tcg ? 60_000 : 30_000,
    });
    return { vm, session, bootMs: Date.now() - started };
  } catch (e) {
    await vm.stop();
    throw e;
  }
}

interface SeriesPlan {
  series: Series;
  label: string;
  dir: string;
  runnable: Scenario[];
  skipped: { scenario: Scenario; why: string }[];
}

export async function runMatrix(req: RunRequest, deps: RunDeps): Promise<RunOutcome> {
  const { runner, progress } = deps;
  // Everything a user can get wrong is checked before anything is built.
  if (req.series.length === 0) throw new KphError('E_USAGE', 'cli', 'No series given.');
  const seriesList = req.series.map((s) => resolveSeries(s));
  const names = req.scenarios.length ? req.scenarios : listScenarioNames(req.scenariosDir);
  const scenarios = await Promise.all(names.map((n) => loadScenario(n, req.scenariosDir)));
  const params = resolveParams(scenarios, req.params);
  const baseSpec = parseBaseSpec(req.base);

  const runId = newRunId();
  const outDir = req.outDir ?? join(resultsDir, runId);
  mkdirSync(outDir, { recursive: true });
  const runs: RunResult[] = [];
  const summary: Summary = { base: { spec: baseSpec.spec, version: '?' }, accel: 'tcg', startedAt: new Date().toISOString(), runs };

  const plans: SeriesPlan[] = seriesList.map((series) => {
    const label = seriesLabel(series);
    const provides = new Set(series.meta.provides);
    const runnable: Scenario[] = [];
    const skipped: SeriesPlan['skipped'] = [];
    for (const s of scenarios) {
      const missing = (s.needs?.capabilities ?? []).filter((c) => !provides.has(c));
      const applies = s.appliesTo ? s.appliesTo(provides) : true;
      if (missing.length) skipped.push({ scenario: s, why: `needs ${missing.join(', ')}, which ${label} does not provide` });
      else if (applies !== true) skipped.push({ scenario: s, why: applies });
      else runnable.push(s);
    }
    return { series, label, dir: join(outDir, label.replace(/[^\w@.-]/g, '_')), runnable, skipped };
  });

  const record = (plan: SeriesPlan, scenario: string, verdict: Verdict, failures: Failure[], durationsMs: RunResult['durationsMs'], metrics?: Record<string, number>) => {
    const dir = join(plan.dir, scenario);
    mkdirSync(dir, { recursive: true });
    const r: RunResult = { series: plan.series.name, revision: plan.series.revision, scenario, verdict, failures, durationsMs, ...(metrics ? { metrics } : {}), dir: relative(outDir, dir) };
    writeFileSync(join(dir, 'verdict.json'), JSON.stringify(r, null, 2) + '\n');
    runs.push(r);
    const mark = verdict === 'pass' ? progress.succeed : verdict === 'skip' ? progress.info : progress.fail;
    mark(`${plan.label} · ${scenario}: ${verdict}${failures[0] ? ` — ${failures[0].message.split('\n')[0]}` : ''}`);
  };
  const recordAll = (plan: SeriesPlan, verdict: Verdict, failures: Failure[], build = 0) => {
    for (const s of plan.runnable) record(plan, s.name, verdict, failures, { build, boot: 0, scenario: 0 });
  };

  let base: BaseTree | null = null;
  let image: GuestImage | null = null;
  let accel: AccelChoice | null = null;
  try {
    progress.start(`preparing base ${baseSpec.spec}`);
    base = await prepareBase(baseSpec, { runner, cache: req.cache, log: (m) => progress.update(m) });
    summary.base.version = base.version;
    progress.succeed(`base ${base.spec}: Linux ${base.version}`);
  } catch (e) {
    const f = failureOf(e);
    progress.fail(`base ${baseSpec.spec}: ${f.message}`);
    for (const plan of plans) recordAll(plan, 'infra-error', [f]);
  }

  for (const plan of base ? plans : []) {
    mkdirSync(plan.dir, { recursive: true });
    for (const { scenario, why } of plan.skipped) record(plan, scenario.name, 'skip', [{ message: why }], { build: 0, boot: 0, scenario: 0 });
    if (plan.runnable.length === 0) continue;

    // patch + config + build
    let build: BuildResult;
    try {
      progress.start(`${plan.label}: applying ${plan.series.patches.length} patch(es)`);
      const tree = await prepareSeriesTree(base!, plan.series, { runner, cache: req.cache, logFile: join(plan.dir, 'apply.log') });
      if (tree.offsets.length) writeFileSync(join(plan.dir, 'apply-offsets.txt'), tree.offsets.join('\n') + '\n');
      const fragments = [
        { origin: 'harness base (harness/config/base.config)', text: readFileSync(baseConfigFragment, 'utf8') },
        { origin: `series ${plan.label}`, text: plan.series.meta.config.join('\n') },
        ...plan.runnable.map((s) => ({ origin: `scenario ${s.name}`, text: (s.needs?.config ?? []).join('\n') })),
      ];
      progress.start(`${plan.label}: building`);
      build = await buildKernel({ base: base!, series: plan.series, srcDir: tree.dir, fragments, cache: req.cache, logDir: plan.dir, jobs: req.jobs, onProgress: (n) => progress.update(`${plan.label}: building (${n} objects)`) }, runner);
      progress.succeed(`${plan.label}: ${build.cached ? 'kernel already built' : `built in ${(build.durationMs / 1000).toFixed(0)} s`} (${build.bzImage})`);
    } catch (e) {
      const verdict: Verdict = e instanceof ApplyError ? 'apply-error' : e instanceof ConfigDroppedError ? 'config-error' : e instanceof BuildError ? 'build-error' : 'infra-error';
      recordAll(plan, verdict, [failureOf(e)]);
      continue;
    }

    // selftests (harness/image/selftests.ts): built against this series' headers, uploaded after each boot
    let selftests: SelftestBuild | null = null;
    if (plan.runnable.some((s) => SELFTEST_SCENARIOS.includes(s.name))) {
      progress.start(`${plan.label}: building selftests`);
      selftests = await buildSelftests({ runner, buildDir: build.buildDir, logFile: join(plan.dir, 'selftests.log') });
      (selftests.error ? progress.fail : progress.succeed)(`${plan.label}: selftests ${selftests.error ? `did not build: ${selftests.error.split('\n')[0]}` : selftests.cached ? 'already built' : 'built'}`);
    }

    // image and accelerator, once per run
    try {
      if (!image) {
        progress.start('guest image');
        image = await ensureGuestImage({ runner, cache: req.cache, log: (m) => progress.update(m), logFile: join(outDir, 'image.log') });
        progress.succeed(`guest image ${image.cached ? 'cached' : `made in ${(image.durationMs / 1000).toFixed(0)} s`}: ${image.image}`);
      }
      if (!accel) {
        progress.start('probing the accelerator');
        accel = await chooseAccel({ runner, qemu: deps.qemu, want: req.accel });
        summary.accel = accel.accel;
        summary.accelReason = accel.reason;
        progress.info(`accelerator: ${accel.accel} (${accel.reason})`);
      }
    } catch (e) {
      recordAll(plan, 'infra-error', [failureOf(e)], build.durationMs);
      continue;
    }

    // boot once per series; boot again after a scenario that killed the guest
    let guest: BootedGuest | null = null;
    let boots = 0;
    try {
      for (const scenario of plan.runnable) {
        const sdir = join(plan.dir, scenario.name);
        mkdirSync(sdir, { recursive: true });
        let bootMs = 0;
        if (!guest) {
          boots++;
          progress.start(`${plan.label}: booting (${accel.accel})`);
          try {
            guest = await bootGuest({ runner, qemu: deps.qemu, kernel: build.bzImage, image, accel: accel.accel, consoleLog: join(plan.dir, boots === 1 ? 'console.log' : `console-${boots}.log`), bootTimeoutMs: req.bootTimeoutMs, append: req.append, name: `kph/${basename(outDir)}/${plan.label}` });
            bootMs = guest.bootMs;
            progress.succeed(`${plan.label}: guest answered on SSH ${(bootMs / 1000).toFixed(1)} s after QEMU started`);
            const upErr = selftests ? await uploadSelftests(guest.session, selftests) : null;
            if (upErr) progress.fail(`${plan.label}: ${upErr}`);
          } catch (e) {
            const splat = e instanceof BootError && e.code === 'E_BOOT_SPLAT';
            const f = failureOf(e);
            for (const s of plan.runnable.slice(plan.runnable.indexOf(scenario))) record(plan, s.name, splat ? 'crash' : 'infra-error', [f], { build: build.durationMs, boot: 0, scenario: 0 });
            break;
          }
        }
        const started = Date.now();
        const firstLine = guest.vm.lines().length;
        let checks: Check[] = [];
        let ctx: ScenarioContext | null = null;
        let captureError: unknown = null;
        let raw: Awaited<ReturnType<typeof runScenarioInGuest>> | null = null;
        const p = params.get(scenario.name) ?? {};
        progress.start(`${plan.label} · ${scenario.name}`);
        try {
          raw = await runScenarioInGuest(guest.session, scenario, p, scenario.name, sdir, (scenario.timeoutSec ?? 300) * 1000);
          ctx = buildContext(plan.series, p, scenario.name, raw);
          checks = scenario.expect(ctx);
        } catch (e) {
          captureError = e;
        }
        // Give a dying kernel a moment to print its report before judging.
        const vm = guest.vm;
        await new Promise((r) => setTimeout(r, vm.alive() ? 100 : 500));
        const consoleSlice = guest.vm.lines().slice(firstLine);
        writeFileSync(join(sdir, 'console.log'), consoleSlice.join('\n') + '\n');
        const splats = findSplats(consoleSlice);
        const durations = { build: build.durationMs, boot: bootMs, scenario: Date.now() - started };
        if (ctx && raw) writeCaptureFiles(sdir, ctx);
        if (captureError && splats.length === 0 && guest.vm.alive()) {
          record(plan, scenario.name, 'infra-error', [failureOf(captureError)], durations);
        } else if (captureError && splats.length === 0) {
          record(plan, scenario.name, 'crash', [{ message: `QEMU exited during the scenario (code ${guest.vm.exitCode()}) without a recognised splat`, excerpt: consoleSlice.slice(-30) }], durations);
        } else {
          const v = decideVerdict({
            checks,
            auditBefore: ctx?.audit.before ?? null,
            auditAfter: ctx?.audit.after ?? null,
            cn: ctx?.cn?.summary ?? null,
            splats,
            flushTimedOut: raw?.flushTimedOut ?? false,
          });
          let metrics: Record<string, number> | undefined;
          try {
            metrics = ctx && scenario.measure ? scenario.measure(ctx) : undefined;
          } catch {
            metrics = undefined;
          }
          writeFileSync(join(sdir, 'checks.json'), JSON.stringify(checks, null, 2) + '\n');
          record(plan, scenario.name, v.verdict, v.failures, durations, metrics);
        }
        if (!guest.vm.alive() || splats.length) {
          guest.session.end();
          await guest.vm.stop();
          guest = null;
        }
      }
    } finally {
      if (guest) {
        guest.session.end();
        await guest.vm.stop();
      }
    }
  }

  if (req.checkFormats) {
    for (const plan of plans) {
      const captured = runs.filter((r) => r.series === plan.series.name && r.revision === plan.series.revision && (r.verdict === 'pass' || r.verdict === 'fail'));
      if (!captured.length) continue;
      writeSummary(outDir, summary); // read by signatureFromRun
      const check = checkBaseline(signatureFromRun(outDir, plan.label));
      const none = { build: 0, boot: 0, scenario: 0 };
      if (check.status === 'missing') record(plan, 'format-baseline', 'skip', [{ message: `no committed baseline ${relative(resultsDir, check.file)}: run \`kph formats update ${outDir}\`` }], none);
      else record(plan, 'format-baseline', check.status === 'match' ? 'pass' : 'fail', check.changes.map((c) => ({ message: `record formats differ from ${relative(resultsDir, check.file)}: ${c.scenario}: ${c.message}` })), none);
    }
  }
  writeSummary(outDir, summary); // read by compareRevisions
  const diffs = req.compare ? compareRevisions(outDir, plans.map((p) => p.label), summary) : [];
  writeReports(outDir, summary, diffs);
  return { summary, outDir, exitCode: exitCodeFor(runs.map((r) => r.verdict)) };
}

/**
 * `--compare`: format diffs between consecutive revisions of each series (in the order given)
 * and between each revision and baseline, when baseline ran too.
 */
export function compareRevisions(outDir: string, labels: string[], summary: Summary): FormatDiff[] {
  const have = new Set(summary.runs.filter((r) => r.verdict === 'pass' || r.verdict === 'fail').map((r) => seriesLabel({ name: r.series, revision: r.revision })));
  const pairs: [string, string][] = [];
  const revisions = labels.filter((l) => l !== 'baseline' && have.has(l));
  revisions.forEach((l, i) => {
    const prev = revisions.slice(0, i).reverse().find((p) => p.split('@')[0] === l.split('@')[0]);
    if (prev) pairs.push([prev, l]);
  });
  if (have.has('baseline')) for (const l of revisions) pairs.push(['baseline', l]);
  return pairs.map(([from, to]) => {
    const a = signatureFromRun(outDir, from);
    const b = signatureFromRun(outDir, to);
    return { from, to, changes: compareSignatures(a, b), a, b };
  });
}

/** summary.json, junit.xml, results.ktap, report.md, report.html (+ formats-diff.*, GitHub output). */
function writeSummary(outDir: string, summary: Summary): void {
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
}

export function writeReports(outDir: string, summary: Summary, diffs: FormatDiff[] = [], env = process.env): void {
  writeSummary(outDir, summary);
  writeFileSync(join(outDir, 'junit.xml'), renderJunit(summary));
  writeFileSync(join(outDir, 'results.ktap'), renderKtap(summary));
  let md = renderMarkdown(summary);
  if (diffs.length) {
    const formats = ['## Record and event formats', '', ...diffs.map((d) => renderChangesMarkdown(d.from, d.to, d.changes))].join('\n');
    writeFileSync(join(outDir, 'formats-diff.md'), formats + '\n');
    writeFileSync(join(outDir, 'formats-diff.json'), JSON.stringify(diffs.map(({ from, to, changes }) => ({ from, to, changes })), null, 2) + '\n');
    md += '\n' + formats + '\n';
  }
  writeFileSync(join(outDir, 'report.md'), md);
  writeFileSync(join(outDir, 'report.html'), renderHtml(summary, diffs));
  if (env.GITHUB_ACTIONS) {
    for (const line of githubAnnotations(summary)) process.stdout.write(line + '\n');
    if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, md);
  }
}

function writeCaptureFiles(dir: string, ctx: ScenarioContext): void {
  writeFileSync(join(dir, 'audit.log'), ctx.audit.records.map((r) => r.line).join('\n') + (ctx.audit.records.length ? '\n' : ''));
  writeFileSync(join(dir, 'records.jsonl'), ctx.audit.records.map((r) => JSON.stringify({ type: r.type, typeNumber: r.typeNumber, timestamp: r.timestamp, serial: r.serial, fields: r.fields })).join('\n') + (ctx.audit.records.length ? '\n' : ''));
  writeFileSync(join(dir, 'events.jsonl'), (ctx.cn?.events ?? []).map((e) => JSON.stringify(e)).join('\n') + (ctx.cn?.events.length ? '\n' : ''));
}

function failureOf(e: unknown): Failure {
  if (e instanceof KphError) return { message: e.message, excerpt: e.details.length ? e.details : undefined };
  if (e instanceof Error) return { message: e.message };
  return { message: String(e) };
}

// `kph patchcheck`: is every prefix of the series a kernel that builds, and what does each
// patch add? In one work folder of its own (patchcheckWorkDir), step 0 builds the base with the
// series' config (the reference), then for k = 1..n the tree is brought to patches 1..k
// (only the files patch k changes are rewritten, so make recompiles what they reach, ccache
// the rest) and built with the same make invocation and config as every kph kernel
// (buildKernel + kernelFragments). Per patch: applies, builds (the compiler's error lines),
// new compiler warnings in the files it touched against step k-1, and checkpatch.pl --strict.
//
// The stages are injected (realStages gives the real ones), so the loop's decisions are unit
// tested with fakes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildKernel } from '../build/kernel.js';
import { ApplyError, BuildError, ConfigDroppedError, InfraError } from '../core/errors.js';
import { kconfigNames, seriesLabel } from '../core/label.js';
import { PATCHCHECK_SCHEMA_VERSION, type PatchcheckSummary, type PatchRow } from '../core/patchcheck.js';
import { patchcheckWorkDir } from '../core/paths.js';
import type { BaseTree, PatchFile, Series } from '../core/types.js';
import { kernelFragments } from '../kernel/kernel.js';
import { extractBuildErrors } from '../parse/build-log.js';
import { touchedFiles } from '../parse/patch.js';
import { prepareSeriesTree, withDirLock } from '../patch/apply.js';
import type { Runner } from '../process/exec.js';
import type { Progress } from '../report/progress.js';
import { runCheckpatch, type CheckpatchResult } from './checkpatch.js';
import { compiledSources, diffWarnings, nextWarningState, parseCompilerWarnings, type WarningState } from './warnings.js';
import { compareSignatures } from '../diff/compare.js';
import { signatureFromRun } from '../diff/load.js';
import { parseKconfig } from '../config/kconfig.js';
import type { Kernel } from '../kernel/kernel.js';
import type { AccelChoice } from '../vm/accel.js';
import { matchScenarios, type RunPlan } from '../plan/plan.js';
import { createReporters } from '../report/reporter.js';
import { RunLoop, type RunStages } from '../run/run.js';
import { realStages as realRunStages } from '../run/stages.js';
import type { ParamValue, Scenario } from '../core/scenario.js';
import { parseBaseSpec } from '../source/base.js';
import type { FormatSignature } from '../diff/signature.js';
import type { StepBoot } from '../core/patchcheck.js';

/** What the loop needs from the world; realStages gives the real ones. */
export interface PatchcheckStages {
  /** Bring the work tree to `prefix` (patches 1..k). Throws ApplyError. */
  apply(prefix: Series, logFile: string): Promise<{ srcDir: string; offsets: string[] }>;
  /**
   * Build the tree as it is now; build.log goes to logDir. Throws BuildError, or
   * ConfigDroppedError when `last` and a requested option did not survive.
   */
  build(prefix: Series, srcDir: string, logDir: string, last: boolean): Promise<StepBuild>;
  checkpatch(srcDir: string, patchFile: string): Promise<{ output: string; result: CheckpatchResult }>;
  /**
   * --boot: boot the kernel the step just built and run the scenarios on it, as `kph run` does,
   * into runDir (a results folder). Its verdicts and format signature, or why nothing ran.
   */
  bootRun?(prefix: Series, built: StepBuild, runDir: string): Promise<StepRun | { error: string }>;
}

/** A step's build: its log and, for --boot, the kernel it left. */
export interface StepBuild {
  logFile: string;
  dropped: string[];
  bzImage?: string;
  buildDir?: string;
  configPath?: string;
}

/** What the scenarios on a step's kernel gave: a verdict per scenario and the records' formats. */
export interface StepRun {
  verdicts: Record<string, string>;
  signature: FormatSignature;
}

export interface PatchcheckRequest {
  base: BaseTree;
  series: Series;
  cache: string;
  outDir: string;
  kphVersion: string;
  jobs?: number;
  progress: Progress;
  /** Called with the summary after every step (patchcheck.json is rewritten). */
  onUpdate?: (s: PatchcheckSummary) => void;
  /** --boot: the scenarios run on every step that builds (stages.bootRun). */
  boot?: { scenarios: string[] };
}

/** What a patchcheck does not do yet, said in every summary and report. */
export const NOT_CHECKED = ['debug-kernel profiles (lockdep, KASAN, UBSAN, kfence): not built; every step uses the series\' own config (--kconfig PROFILE builds every step with one)'];
export const NOT_BOOTED = 'booting each step and running scenarios: not asked (--boot); a step that builds is not known to boot';

/** What this patchcheck did not do: a debug profile (unless --kconfig built every step with one), booting (unless --boot). */
export function notChecked(series: Pick<Series, 'kconfig'>, booted: boolean): string[] {
  return [...(series.kconfig?.length ? [] : NOT_CHECKED), ...(booted ? [] : [NOT_BOOTED])];
}

const sha = (parts: string[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
};

/** The series cut after patch k: its own content hash, the series' config and metadata. */
export function seriesPrefix(series: Series, k: number): Series {
  const patches = series.patches.slice(0, k);
  return { ...series, patches, contentHash: sha(['patchcheck-prefix', series.contentHash, String(k), ...patches.flatMap((p) => [p.name, p.text])]) };
}

/** A file whose change may change the kernel's config: Kconfig files, *.config fragments under configs/, the kconfig tool. */
export const isConfigInput = (f: string) => /(^|\/)Kconfig[^/]*$/.test(f) || /(^|\/)configs\/[^/]+$/.test(f) || f.startsWith('scripts/kconfig/');

/** What of the prefix decides its config: the patches so far that touch a config input. Steps with the same key share one configuration. */
export function configTreeKey(prefix: Series): string {
  const ps = prefix.patches.filter((p) => touchedFiles(p.text).some(isConfigInput));
  return sha(['kconfig', ...ps.flatMap((p) => [p.name, p.text])]);
}

/** The patch's subject without "[PATCH n/m]", else its file name. */
export function patchSubject(p: PatchFile): string {
  const m = /^Subject: (.*(?:\n[ \t].*)*)/m.exec(p.text);
  if (!m) return p.name.replace(/\.(patch|diff)$/, '');
  return m[1]!.replace(/\n[ \t]+/g, ' ').replace(/^(\[[^\]]*\]\s*)+/, '').trim();
}

/** steps/00-base, steps/01-0001-nsproxy-count-the-nsproxies-in-use */
export function stepDirName(k: number, p?: PatchFile): string {
  const name = p ? p.name.replace(/\.(patch|diff)$/, '').replace(/[^\w.@-]+/g, '_').slice(0, 60) : 'base';
  return join('steps', `${String(k).padStart(2, '0')}-${name}`);
}

/** What --boot needs beyond the build: the scenarios and how to boot (the run's own stages). */
export interface PatchcheckBootOptions {
  scenarios: Scenario[];
  params: Map<string, Record<string, ParamValue>>;
  /**
   * The accelerator for every step, probed once (vm/accel.ts) with the first kernel booted: step
   * 0's, the base's own. Throws (--accel kvm on a host where KVM fails) before any step boots.
   */
  probe: (kernel: string) => Promise<AccelChoice>;
  kphVersion: string;
  bootTimeoutMs?: number;
}

export function realStages(req: Pick<PatchcheckRequest, 'base' | 'series' | 'cache' | 'jobs' | 'progress'>, runner: Runner, bootOpts?: PatchcheckBootOptions): PatchcheckStages {
  const workDir = patchcheckWorkDir(req.cache, req.base, req.series);
  const log = (m: string) => req.progress.update(m);
  return {
    ...(bootOpts ? { bootRun: (prefix: Series, built: StepBuild, runDir: string) => bootAndRun(req, runner, bootOpts, prefix, built, runDir) } : {}),
    async apply(prefix, logFile) {
      const t = await prepareSeriesTree(req.base, prefix, { runner, cache: req.cache, logFile, log, workDir });
      return { srcDir: t.dir, offsets: t.offsets };
    },
    async build(prefix, srcDir, logDir, last) {
      const b = await buildKernel(
        {
          base: req.base,
          series: req.series,
          srcDir,
          fragments: kernelFragments(req.series),
          cache: req.cache,
          logDir,
          jobs: req.jobs,
          workDir,
          treeKey: prefix.contentHash,
          configTreeKey: configTreeKey(prefix),
          tolerateDropped: !last,
          log,
          onProgress: (n) => req.progress.update(`${seriesLabel(req.series)} step ${prefix.patches.length}: building (${n} objects)`),
        },
        runner,
      );
      return { logFile: b.logFile, dropped: b.dropped, bzImage: b.bzImage, buildDir: b.buildDir, configPath: b.config };
    },
    checkpatch: (srcDir, patchFile) => runCheckpatch(runner, srcDir, patchFile),
  };
}

/**
 * A step's kernel through the run loop of `kph run` (the same boot, capture, judge and reports),
 * with the kernel already built: runDir is a results folder like a run's.
 */
async function bootAndRun(req: Pick<PatchcheckRequest, 'base' | 'cache' | 'progress'>, runner: Runner, o: PatchcheckBootOptions, prefix: Series, built: StepBuild, runDir: string): Promise<StepRun | { error: string }> {
  if (!built.bzImage || !built.buildDir || !built.configPath) return { error: 'the step left no kernel image' };
  const kernel: Kernel = { base: req.base, series: prefix, bzImage: built.bzImage, buildDir: built.buildDir, configPath: built.configPath, config: parseKconfig(readFileSync(built.configPath, 'utf8')), offsets: [], cached: true, buildMs: 0 };
  const accelChoice = await o.probe(kernel.bzImage);
  const plan: RunPlan = { baseSpec: parseBaseSpec(req.base.spec), outDir: runDir, scenarios: o.scenarios, params: o.params, series: matchScenarios([prefix], o.scenarios) };
  const stages: RunStages = {
    ...realRunStages({ runner, progress: req.progress, cache: req.cache, accel: accelChoice.accel, accelChoice, bootTimeoutMs: o.bootTimeoutMs, outDir: runDir }),
    prepareBase: async () => req.base,
    kernel: async () => kernel,
  };
  const loop = new RunLoop(plan, { stages, reporters: createReporters(['progress', 'markdown', 'html'], { outDir: runDir, progress: req.progress, env: {}, textOut: process.stdout }), progress: req.progress, kphVersion: o.kphVersion });
  await loop.run();
  const rows = loop.summary.runs.filter((r) => r.scenario !== 'format-baseline');
  const label = plan.series[0]!.label;
  if (rows.length && rows.every((r) => r.verdict === 'boot-error' || r.verdict === 'infra-error')) return { error: `${rows[0]!.verdict}: ${rows[0]!.failures[0]?.message ?? 'no scenario ran'}` };
  return { verdicts: Object.fromEntries(rows.map((r) => [r.scenario, r.verdict])), signature: signatureFromRun(runDir, label) };
}

const countCompiled = (log: string) => compiledSources(log).length;

function verdictOf(row: Omit<PatchRow, 'verdict'>): PatchRow['verdict'] {
  if (row.apply.status === 'error' || row.build.status === 'error' || row.build.status === 'config-error' || row.checkpatch.errors > 0 || (row.boot?.regressions.length ?? 0) > 0) return 'fail';
  if (row.warnings.new.length || row.checkpatch.warnings || row.checkpatch.checks) return 'warn';
  return 'ok';
}

/**
 * Step 0, then every patch in order. Throws InfraError when the base itself does not build
 * (nothing could be judged) or a tool fails; a patch's faults are rows, not exceptions.
 */
export async function runPatchcheck(req: PatchcheckRequest, stages: PatchcheckStages): Promise<PatchcheckSummary> {
  const { series, outDir, progress } = req;
  const label = seriesLabel(series);
  const n = series.patches.length;
  const workDir = patchcheckWorkDir(req.cache, req.base, series);
  const summary: PatchcheckSummary = {
    schemaVersion: PATCHCHECK_SCHEMA_VERSION,
    kind: 'patchcheck',
    kph: { version: req.kphVersion },
    base: { spec: req.base.spec, version: req.base.version },
    series: { label, name: series.name, revision: series.revision, ...(series.kconfig?.length ? { kconfig: kconfigNames(series) } : {}), ...(series.source ? { source: series.source } : {}) },
    workDir,
    startedAt: new Date().toISOString(),
    complete: false,
    firstBuildFailure: null,
    patches: [],
    notChecked: notChecked(series, Boolean(req.boot)),
    ...(req.boot ? { boot: { scenarios: req.boot.scenarios, firstFormatChange: null, firstRegression: null } } : {}),
  };
  const update = () => req.onUpdate?.(summary);
  const rel = (p: string) => relative(outDir, p);

  // --boot: each step that built is booted and its scenarios run; compared with the last step that booted.
  let lastRun: (StepRun & { k: number }) | null = null;
  const bootStep = async (k: number, prefix: Series, built: StepBuild, dir: string): Promise<StepBoot | undefined> => {
    if (!req.boot || !stages.bootRun) return undefined;
    const t = Date.now();
    const runDir = join(dir, 'run');
    progress.update(`${label} step ${k}/${n}: booting and running ${req.boot.scenarios.length} scenario(s)`);
    const r = await stages.bootRun(prefix, built, runDir);
    if ('error' in r) return { status: 'error', ms: Date.now() - t, run: rel(runDir), verdicts: {}, formatChanges: [], regressions: [], error: r.error };
    const prev = lastRun;
    const formatChanges = prev ? compareSignatures(prev.signature, r.signature).map((c) => `${c.scenario}: ${c.message}`) : [];
    const regressions = prev ? Object.entries(prev.verdicts).filter(([sc, v]) => v === 'pass' && r.verdicts[sc] !== 'pass').map(([sc]) => `${sc}: pass at step ${prev.k}, ${r.verdicts[sc] ?? 'not run'} at step ${k}`) : [];
    lastRun = { ...r, k };
    if (k > 0 && summary.boot) {
      if (formatChanges.length && summary.boot.firstFormatChange === null) summary.boot.firstFormatChange = k;
      if (regressions.length && summary.boot.firstRegression === null) summary.boot.firstRegression = k;
    }
    return { status: 'ok', ms: Date.now() - t, run: rel(runDir), verdicts: r.verdicts, formatChanges, regressions };
  };

  // One patchcheck of a (base, series) at a time: the steps share one tree.
  return withDirLock(workDir, `patchcheck ${label}`, (m) => progress.update(m), async () => {
    // Step 0: the reference.
    const dir0 = join(outDir, stepDirName(0));
    mkdirSync(dir0, { recursive: true });
    progress.start(`${label} step 0/${n}: the base (${req.base.version}) with the series' config`);
    const t0 = Date.now();
    const tree0 = await stages.apply(seriesPrefix(series, 0), join(dir0, 'apply.log'));
    let built0: StepBuild;
    try {
      built0 = await stages.build(seriesPrefix(series, 0), tree0.srcDir, dir0, n === 0);
    } catch (e) {
      if (e instanceof BuildError) {
        throw new InfraError('build', `The base ${req.base.spec} does not build with the series' config: no patch can be judged against it.`, { hint: `See ${join(dir0, 'build.log')}.`, details: e.details });
      }
      throw e;
    }
    const log0 = readFileSync(built0.logFile, 'utf8');
    const warnings0 = parseCompilerWarnings(log0, tree0.srcDir);
    let state: WarningState = nextWarningState(new Map(), warnings0, [], compiledSources(log0));
    summary.reference = {
      build: { status: 'ok', ms: Date.now() - t0, compiled: countCompiled(log0), errors: [], log: rel(built0.logFile), ...(built0.dropped.length ? { configMissing: built0.dropped } : {}) },
      warnings: warnings0.length,
      dir: stepDirName(0),
    };
    const boot0 = await bootStep(0, seriesPrefix(series, 0), built0, dir0);
    if (boot0) summary.reference.boot = boot0;
    progress.succeed(`${label} step 0/${n}: base built in ${((Date.now() - t0) / 1000).toFixed(0)} s (${summary.reference.build.compiled} objects compiled, ${warnings0.length} warnings)`);
    update();

    let applyBroken = false;
    for (let k = 1; k <= n; k++) {
      const patch = series.patches[k - 1]!;
      const stepRel = stepDirName(k, patch);
      const dir = join(outDir, stepRel);
      mkdirSync(dir, { recursive: true });
      const patchFile = join(dir, patch.name.endsWith('.patch') || patch.name.endsWith('.diff') ? patch.name : 'patch.patch');
      writeFileSync(patchFile, patch.text);
      const files = touchedFiles(patch.text).filter((f) => f !== '/dev/null' && f !== 'dev/null');
      const subject = patchSubject(patch);
      progress.start(`${label} step ${k}/${n}: ${subject}`);

      // checkpatch needs no build: every patch gets it, even past one that does not apply.
      const cp = await stages.checkpatch(tree0.srcDir, patchFile);
      writeFileSync(join(dir, 'checkpatch.txt'), cp.output);
      const checkpatch = { ...cp.result, output: rel(join(dir, 'checkpatch.txt')) };

      const row: Omit<PatchRow, 'verdict'> = {
        index: k,
        name: patch.name,
        subject,
        files,
        apply: { status: 'not-reached', offsets: [], errors: [] },
        build: { status: 'not-reached', ms: 0, compiled: 0, errors: [] },
        notCompiled: [],
        warnings: { new: [], gone: [], inTouchedFiles: 0 },
        checkpatch,
        dir: stepRel,
      };
      let builtNow: StepBuild | null = null;
      const prefix = seriesPrefix(series, k);
      if (!applyBroken) {
        let srcDir = tree0.srcDir;
        try {
          const t = await stages.apply(prefix, join(dir, 'apply.log'));
          srcDir = t.srcDir;
          row.apply = { status: 'ok', offsets: t.offsets, errors: [] };
        } catch (e) {
          if (!(e instanceof ApplyError)) throw e;
          applyBroken = true; // the patches after it are written on top of it
          row.apply = { status: 'error', offsets: [], errors: [e.message.split('\n')[0]!, ...e.details] };
        }
        if (row.apply.status === 'ok') {
          const t = Date.now();
          const logFile = join(dir, 'build.log');
          try {
            const b = await stages.build(prefix, srcDir, dir, k === n);
            row.build = { status: 'ok', ms: Date.now() - t, compiled: 0, errors: [], log: rel(b.logFile), ...(b.dropped.length ? { configMissing: b.dropped } : {}) };
            builtNow = b;
          } catch (e) {
            if (e instanceof ConfigDroppedError) {
              row.build = { status: 'config-error', ms: Date.now() - t, compiled: 0, errors: [e.message.split('\n')[0]!], log: rel(logFile) };
            } else if (e instanceof BuildError) {
              const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
              const errors = extractBuildErrors(text);
              row.build = { status: 'error', ms: Date.now() - t, compiled: 0, errors: errors.length ? errors : e.details, log: rel(logFile) };
            } else throw e;
          }
          const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
          const compiled = compiledSources(text);
          row.build.compiled = compiled.length;
          row.build.sources = compiled;
          const warnings = parseCompilerWarnings(text, srcDir);
          const diff = diffWarnings(state, warnings, files, compiled);
          row.warnings = {
            new: diff.added,
            gone: diff.removed.map(({ file, message, function: fn }) => ({ file, message, ...(fn ? { function: fn } : {}) })),
            inTouchedFiles: diff.inTouched.length,
          };
          if (row.build.status === 'ok') {
            // The reference moves on only with a tree that built; after one that did not, the
            // next patch is compared with the last that did.
            state = nextWarningState(state, warnings, files, compiled);
            row.notCompiled = files.filter((f) => /\.c$/.test(f) && !compiled.includes(f));
          } else if (summary.firstBuildFailure === null) {
            summary.firstBuildFailure = k;
          }
        }
      }
      if (req.boot) row.boot = builtNow ? await bootStep(k, prefix, builtNow, dir) : { status: 'not-reached', ms: 0, verdicts: {}, formatChanges: [], regressions: [] };
      const done: PatchRow = { ...row, verdict: verdictOf(row) };
      summary.patches.push(done);
      const cpText = `checkpatch ${done.checkpatch.errors} errors, ${done.checkpatch.warnings} warnings, ${done.checkpatch.checks} checks`;
      const buildText =
        done.apply.status === 'error' ? 'does not apply'
        : done.build.status === 'not-reached' ? 'not built (an earlier patch does not apply)'
        : done.build.status === 'error' ? `does NOT build (${(done.build.ms / 1000).toFixed(0)} s)`
        : done.build.status === 'config-error' ? 'config lost a requested option'
        : `builds (${(done.build.ms / 1000).toFixed(0)} s, ${done.build.compiled} objects compiled)`;
      const b = done.boot;
      const bootText = !b ? '' : b.status === 'error' ? `; boot: ${b.error}` : b.status === 'ok' ? `; ${Object.values(b.verdicts).filter((v) => v === 'pass').length}/${Object.keys(b.verdicts).length} scenarios pass${b.formatChanges.length ? `, ${b.formatChanges.length} format change(s)` : ''}${b.regressions.length ? `, ${b.regressions.length} REGRESSION(S): ${b.regressions.join('; ')}` : ''}` : '';
      const line = `${label} ${k}/${n} ${subject}: ${buildText}, ${done.warnings.new.length} new warning(s), ${cpText}${bootText}`;
      if (done.verdict === 'fail') progress.fail(line);
      else progress.succeed(line);
      update();
    }
    summary.complete = true;
    summary.finishedAt = new Date().toISOString();
    update();
    return summary;
  });
}

// The real stages behind the run loop, and `runMatrix`, the one entry point of `kph run`:
// plan (every input checked) → RunLoop over kernel, guest, judge, reporters.
import { createHash, randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { seriesLabel } from '../core/label.js';
import { timeFactors } from '../config/profiles.js';
import { repoRoot, resultsDir } from '../core/paths.js';
import type { BaseTree, Summary } from '../core/types.js';
import { checkBaseline } from '../diff/baselines.js';
import { compareSignatures } from '../diff/compare.js';
import { signatureFromRun } from '../diff/load.js';

import { bootGuest, GuestHandle, kmemleakEnabled, type NsDeathsOptions } from '../guest/guest.js';
import { NS_DEATH_WAIT_MS, nsFamilies } from '../judge/ns-deaths.js';
import { ensureGuestImage, type GuestImage } from '../image/guest.js';
import { buildSelftests, uploadSelftests } from '../image/selftests.js';
import { kvmProbeKernel, produceKernel, type Kernel } from '../kernel/kernel.js';
import { planRun, type RunRequest } from '../plan/plan.js';
import type { Runner } from '../process/exec.js';
import type { FormatDiff } from '../report/html.js';
import type { Progress } from '../report/progress.js';
import { createReporters, DEFAULT_REPORTERS, type Reporter } from '../report/reporter.js';
import { prepareBase } from '../source/base.js';
import { chooseAccel, type AccelChoice } from '../vm/accel.js';
import { prepareAuditTestsuite, runAuditTestsuite, type PreparedSuite } from '../suite/audit-testsuite.js';
import { buildKselftests, runKselftests } from '../suite/kselftests.js';
import type { SuiteSpec } from '../suite/suite.js';
import { fileSha256, readBaselineSuiteRun, storeBaselineSuiteRun, type SuiteIdentity } from '../suite/baseline-cache.js';
import { failureOf } from './run.js';
import { bootAgain, saidReady } from './policy.js';
import { isSuiteRow } from '../suite/suite.js';
import { RunLoop, type GuestLike, type RunOutcome, type RunStages, type SuiteRunCapture } from './run.js';
import { measuresCoverage } from '../config/profiles.js';
import { measureCoverage } from '../coverage/collect.js';
import { newCounterState, withCounters, type CounterState } from '../coverage/guest.js';
import { seriesTreeDir } from '../patch/apply.js';

export type { RunRequest, RunOutcome };

/** make -j for each build when `seriesInFlight` series build side by side: the cores shared out, at least 1. */
export function makeJobs(seriesInFlight: number | undefined, cores = cpus().length): number | undefined {
  if (!seriesInFlight || seriesInFlight <= 1) return undefined;
  return Math.max(1, Math.floor(cores / seriesInFlight));
}

export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}-${randomBytes(2).toString('hex')}`;
}

export function kphVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export interface RealStageOptions {
  runner: Runner;
  progress: Progress;
  cache: string;
  qemu?: string;
  jobs?: number;
  accel: RunRequest['accel'];
  bootTimeoutMs?: number;
  append?: string[];
  outDir: string;
  checkFormats?: boolean;
  compare?: boolean;
  /** Never use (but still store) baseline's cached suite results (suite/baseline-cache.ts). */
  noSuiteCache?: boolean;
  /** The accelerator already chosen, with its reason (patchcheck probes once, for every step). */
  accelChoice?: AccelChoice;
}

export function realStages(o: RealStageOptions): RunStages {
  const { runner, progress } = o;
  let image: GuestImage | null = null;
  let accel: 'kvm' | 'tcg' = 'tcg';
  /** Kernels built in this run, by series id: the baseline's serves control boots. */
  const kernels = new Map<string, Kernel>();
  /** Kernels being made in this run (--jobs N: side by side): a control boot waits for baseline's. */
  const making = new Set<Promise<Kernel>>();
  /** Peer suites prepared (copied and built in the cache) once per run, also when series run side by side. */
  const prepared = new Map<string, Promise<PreparedSuite>>();
  /** Coverage kernels (--coverage), by series id: their boots' counters (coverage/guest.ts). */
  const counters = new Map<string, CounterState>();
  const countersOf = (id: string) => {
    const st = counters.get(id) ?? newCounterState();
    counters.set(id, st);
    return st;
  };
  const boot = async (kernel: Kernel, consoleLog: string, name: string, opts: { kmemleak?: boolean; nsDeaths?: NsDeathsOptions } = {}): Promise<GuestHandle> =>
    new GuestHandle(await bootGuest({ runner, qemu: o.qemu, kernel: kernel.bzImage, image: image!, accel, consoleLog, bootTimeoutMs: o.bootTimeoutMs, timeFactor: timeFactors(kernel.series).boot, append: o.append, name }), opts);
  /**
   * A peer suite's own boot. As for the scenarios' boots (policy.ts: bootAgain), a guest that said
   * it was ready and never answered is booted again once, said in `notes` (the run's row). A boot
   * that never said ready is the kernel's fault (scenarios on it booted, or would have said so);
   * ready twice and never answering blames nothing.
   */
  const suiteBoot = async (kernel: Kernel, what: string, opts: { consoleLog: string; name: string }): Promise<{ g: GuestHandle; notes: string[] } | { error: NonNullable<SuiteRunCapture['error']>; notes: string[] }> => {
    const notes: string[] = [];
    for (let n = 1; ; n++) {
      const consoleLog = n === 1 ? opts.consoleLog : opts.consoleLog.replace(/\.log$/, `-${n}.log`);
      try {
        return { g: await boot(kernel, consoleLog, opts.name), notes };
      } catch (e) {
        const f = failureOf(e, 'E_BOOT');
        const console = existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8').split('\n') : [];
        if (bootAgain(e, console, n - 1)) {
          notes.push(`boot ${n} said it was ready and never answered on SSH (${basename(consoleLog)}): booted again. ${f.message}`);
          progress.fail(`${seriesLabel(kernel.series)} · ${what}: the guest said it was ready and never answered on SSH; booting the same kernel again, once`);
          continue;
        }
        const ready = saidReady(console);
        return ready
          ? { notes, error: { verdict: 'infra-error', code: 'E_INFRA', message: `${what}'s boot said it was ready and never answered on SSH, twice: ${f.message}`, excerpt: f.excerpt } }
          : { notes, error: { verdict: 'boot-error', code: 'E_BOOT', message: `${what}'s boot never answered: ${f.message}`, excerpt: f.excerpt } };
      }
    }
  };
  /**
   * Baseline's suite results come from kph's cache when the same kernel, image, accelerator and
   * suite ran there before (suite/baseline-cache.ts); a clean run of baseline is stored. Every
   * other series runs.
   */
  const throughBaselineCache = async (kernel: Kernel, suite: SuiteSpec, content: string, consoleLog: string, run: () => Promise<SuiteRunCapture>): Promise<SuiteRunCapture> => {
    if (kernel.series.id !== 'baseline') return run();
    const id: SuiteIdentity = { kernel: fileSha256(kernel.bzImage), image: image!.image, accel, suite: suite.name, tests: suite.tests, content };
    const hit = o.noSuiteCache ? null : readBaselineSuiteRun(o.cache, id);
    if (hit) {
      writeFileSync(consoleLog, ['kph: not booted: ' + hit.notes![0], ...hit.consoleLines].join('\n') + '\n');
      progress.info(`baseline · ${suite.name}: from kph's cache (same kernel, image and suite)`);
      return hit;
    }
    const cap = await run();
    storeBaselineSuiteRun(o.cache, id, cap);
    return cap;
  };
  /** `--suite kselftests`: built from the series' own tree (cached by its build stamp), run on a boot of their own. */
  const runKselftestsSuite = async (kernel: Kernel, suite: SuiteSpec, opts: { consoleLog: string; name: string; logDir: string }): Promise<SuiteRunCapture> => {
    const none = { output: '', exitCode: null, timedOut: false, consoleLines: [] as string[], guestAlive: true, wallMs: 0, bootMs: 0 };
    progress.update(`${seriesLabel(kernel.series)}: building the kselftests (gcc -static, the series' headers)`);
    const built = await buildKselftests({ runner, buildDir: kernel.buildDir, names: suite.tests, logFile: join(opts.logDir, 'kselftests-build.log') });
    if (built.error) return { ...none, error: { verdict: 'infra-error', code: 'E_INFRA', message: `the kselftests did not build: ${built.error.split('\n')[0]}`, excerpt: built.error.split('\n').slice(1, 20) } };
    const broken = Object.keys(built.errors);
    progress.info(`${seriesLabel(kernel.series)} · kselftests: ${built.cached ? 'already built' : `built in ${(built.buildMs / 1000).toFixed(0)} s`} (${built.binaries.length} binaries${broken.length ? `; ${broken.join(', ')} did not build` : ''}) in ${built.dir}`);
    const withErrors = { ...none, buildErrors: built.errors };
    if (!built.binaries.length) return { ...withErrors, output: 'kph-kselftests-done\n', error: null };
    const content = createHash('sha256');
    for (const b of [...built.binaries].sort()) content.update(b).update('\0').update(fileSha256(join(built.dir, b)));
    return throughBaselineCache(kernel, suite, content.digest('hex'), opts.consoleLog, () => runBuiltKselftests(kernel, built, withErrors, opts));
  };
  const runBuiltKselftests = (kernel: Kernel, built: Awaited<ReturnType<typeof buildKselftests>>, withErrors: Omit<SuiteRunCapture, 'error'>, opts: { consoleLog: string; name: string }): Promise<SuiteRunCapture> =>
    onSuiteBoot(kernel, 'the kselftests', opts, withErrors, (session) => runKselftests(session, built));
  const runPreparedSuite = (kernel: Kernel, suite: SuiteSpec, p: PreparedSuite, opts: { consoleLog: string; name: string }): Promise<SuiteRunCapture> =>
    onSuiteBoot(kernel, `the suite ${suite.name}`, opts, {}, (session) => runAuditTestsuite(session, p, suite.tests));
  /**
   * A suite's runner on a boot of its own (suiteBoot): the console lines it caused, whether the
   * guest lived; a runner that throws on a live guest is infra-error, on a dead one the kernel's
   * (judged from the console). The guest is always stopped.
   */
  const onSuiteBoot = async (
    kernel: Kernel,
    what: string,
    opts: { consoleLog: string; name: string },
    extra: Partial<Omit<SuiteRunCapture, 'error'>>,
    runner: (session: GuestHandle['guest']['session']) => Promise<{ output: string; exitCode: number | null; timedOut: boolean; wallMs: number }>,
  ): Promise<SuiteRunCapture> => {
    const none = { output: '', exitCode: null, timedOut: false, consoleLines: [] as string[], guestAlive: true, wallMs: 0, bootMs: 0, ...extra };
    const b = await suiteBoot(kernel, what, opts);
    if ('error' in b) return { ...none, notes: b.notes, error: b.error };
    const { g, notes } = b;
    const vm = g.guest.vm;
    const first = vm.lines().length;
    try {
      const r = await runner(g.guest.session);
      await new Promise((res) => setTimeout(res, vm.alive() ? 100 : 500));
      return { ...none, notes, output: r.output, exitCode: r.exitCode, timedOut: r.timedOut, error: null, consoleLines: vm.lines().slice(first), guestAlive: vm.alive(), wallMs: r.wallMs, bootMs: g.bootMs };
    } catch (e) {
      const f = failureOf(e);
      const alive = vm.alive();
      return { ...none, notes, error: alive ? { verdict: 'infra-error', code: 'E_INFRA', message: f.message, excerpt: f.excerpt } : null, consoleLines: vm.lines().slice(first), guestAlive: alive, bootMs: g.bootMs };
    } finally {
      await g.stop();
    }
  };
  return {
    prepareBase: (spec) => prepareBase(spec, { runner, cache: o.cache, log: (m) => progress.update(m) }),
    async kernel(base, plan, logDir) {
      const p = produceKernel({ base, series: plan.series, cache: o.cache, logDir, jobs: o.jobs, onProgress: (t) => progress.update(t) }, runner);
      making.add(p);
      try {
        const k = await p;
        kernels.set(plan.series.id, k);
        return k;
      } finally {
        making.delete(p);
      }
    },
    async guestEnvironment(kernel) {
      image = await ensureGuestImage({ runner, cache: o.cache, log: (m) => progress.update(m), logFile: join(o.outDir, 'image.log') });
      if (o.accelChoice) {
        accel = o.accelChoice.accel;
        return { accel, reason: o.accelChoice.reason };
      }
      // The probe's kernel: the base's unpatched one when it is at hand (a series' kernel that
      // hangs early would look like a KVM that does), else the first kernel of the run.
      const probe = kernel ? kvmProbeKernel(o.cache, kernel, [...kernels.values()].find((x) => x.series.id === 'baseline' && x.base.dir === kernel.base.dir)?.bzImage) : undefined;
      if (o.accel !== 'tcg') progress.update(`probing KVM: a boot sector${probe ? `, then ${probe.name}` : ''}`);
      const a = await chooseAccel({ runner, qemu: o.qemu, want: o.accel, ...probe });
      accel = a.accel;
      return { accel: a.accel, reason: a.reason };
    },
    async boot(kernel, opts): Promise<GuestLike> {
      const selftests = opts.selftests ? await buildSelftests({ runner, buildDir: kernel.buildDir, logFile: join(opts.logDir, 'selftests.log') }) : null;
      if (selftests?.error) progress.fail(`${seriesLabel(kernel.series)}: selftests did not build: ${selftests.error.split('\n')[0]}`);
      const kmemleak = kmemleakEnabled(kernel.config);
      // A series whose records say when a namespace dies: each scenario's namespaces waited for (judge/ns-deaths.ts).
      const families = nsFamilies(kernel.series.meta.records);
      const nsDeaths = families.length ? { names: kernel.series.meta.records ?? {}, families, waitMs: Math.ceil(NS_DEATH_WAIT_MS * timeFactors(kernel.series).scenario) } : undefined;
      const g = await boot(kernel, opts.consoleLog, opts.name, { kmemleak, nsDeaths });
      const upErr = selftests ? await uploadSelftests(g.guest.session, selftests) : null;
      if (upErr) progress.fail(`${seriesLabel(kernel.series)}: ${upErr}`);
      if (kmemleak) {
        // Before the first scenario: what the boot leaked is not a scenario's (guest/guest.ts).
        progress.update(`${seriesLabel(kernel.series)}: kmemleak: scan, wait, scan, clear what the boot left`);
        await g.prepareKmemleak();
      }
      if (!measuresCoverage(kernel.series)) return g;
      return withCounters(g, g.guest.session, { state: countersOf(kernel.series.id), buildDir: kernel.buildDir, seriesDir: opts.logDir, timeoutMs: Math.ceil(120_000 * timeFactors(kernel.series).scenario), say: (m) => progress.update(`${seriesLabel(kernel.series)}: ${m}`) });
    },
    async coverage(kernel, { seriesDir, label }) {
      const st = countersOf(kernel.series.id);
      return measureCoverage({
        runner,
        label,
        patches: kernel.series.patches,
        baseDir: kernel.base.dir,
        srcDir: kernel.srcDir ?? seriesTreeDir(o.cache, kernel.base, kernel.series),
        buildDir: kernel.buildDir,
        bootDirs: st.dirs,
        snapshots: st.snapshots,
        lost: st.lost,
        notes: st.notes,
        infoFile: join(seriesDir, 'coverage.info'),
        outDir: o.outDir,
      });
    },
    async controlBoot(base: BaseTree, consoleLog) {
      // The base's kernel built in this run: with --kconfig, the baseline with the same profiles.
      // With series side by side, baseline's may still be building: wait for what is being made.
      await Promise.allSettled([...making]);
      const k = [...kernels.values()].find((x) => x.series.name === 'baseline' && x.base.dir === base.dir);
      if (!k || !image) return 'unknown';
      progress.start(`control boot: the base's unpatched kernel (${seriesLabel(k.series)}) with the same image and QEMU`);
      try {
        const g = await boot(k, consoleLog, 'kph/control/baseline');
        await g.stop();
        return 'boots';
      } catch {
        return 'fails';
      }
    },
    async runSuite(kernel, suite, opts) {
      const none = { output: '', exitCode: null, timedOut: false, consoleLines: [] as string[], guestAlive: true, wallMs: 0, bootMs: 0 };
      if (suite.name === 'kselftests') return runKselftestsSuite(kernel, suite, opts);
      let p: PreparedSuite;
      try {
        let making = prepared.get(suite.path);
        if (!making) {
          making = prepareAuditTestsuite({ runner, cache: o.cache, spec: suite, log: (m) => progress.update(m) });
          prepared.set(suite.path, making);
          // A failed preparation is tried again by the next series, as before.
          making.catch(() => { if (prepared.get(suite.path) === making) prepared.delete(suite.path); });
          const q = await making;
          progress.info(`${suite.name}: ${q.cached ? 'helpers already built' : `helpers built in ${(q.buildMs / 1000).toFixed(0)} s`} (${q.dir})`);
        }
        p = await making;
      } catch (e) {
        const f = failureOf(e);
        return { ...none, error: { verdict: 'infra-error', code: 'E_INFRA', message: f.message, excerpt: f.excerpt } };
      }
      const ready = p;
      return throughBaselineCache(kernel, suite, p.key, opts.consoleLog, () => runPreparedSuite(kernel, suite, ready, opts));
    },
    ...(o.checkFormats
      ? {
          formatBaseline(outDir: string, label: string, against?: string) {
            // A debug kernel's records are checked against the plain series' committed baseline
            // (debug options change no record format), which only a plain run writes.
            const check = checkBaseline(signatureFromRun(outDir, label), undefined, against);
            return { status: check.status, file: relative(resultsDir, check.file), changes: check.changes.map((c) => `${c.scenario}: ${c.message}`), uncovered: check.uncovered };
          },
        }
      : {}),
    ...(o.compare ? { compare: compareRevisions } : {}),
  };
}

/**
 * `--compare`: format diffs between consecutive revisions of each series (in the order given)
 * and between each revision and baseline, when baseline ran too.
 */
export function compareRevisions(outDir: string, labels: string[], summary: Summary): FormatDiff[] {
  const have = new Set(summary.runs.filter((r) => (r.verdict === 'pass' || r.verdict === 'fail' || r.verdict === 'leak') && !isSuiteRow(r.scenario)).map((r) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig })));
  const pairs: [string, string][] = [];
  // With --kconfig every label has the run's profiles: its baseline is `baseline+<profiles>`.
  const baseline = summary.series.find((e) => e.name === 'baseline' && e.revision === null)?.label ?? 'baseline';
  const revisions = labels.filter((l) => l !== baseline && have.has(l));
  revisions.forEach((l, i) => {
    const prev = revisions.slice(0, i).reverse().find((p) => p.split('@')[0] === l.split('@')[0]);
    if (prev) pairs.push([prev, l]);
  });
  if (have.has(baseline)) for (const l of revisions) pairs.push([baseline, l]);
  return pairs.map(([from, to]) => {
    const a = signatureFromRun(outDir, from);
    const b = signatureFromRun(outDir, to);
    return { from, to, changes: compareSignatures(a, b), a, b };
  });
}

export interface RunMatrixDeps {
  runner: Runner;
  progress: Progress;
  qemu?: string;
  /** Where text reporters write (stderr with --json). */
  textOut?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** Extra reporters (tests). */
  extraReporters?: Reporter[];
  /** Receives the loop before it runs, so a signal handler can interrupt it. */
  onLoop?: (loop: RunLoop) => void;
}

export async function runMatrix(req: RunRequest, deps: RunMatrixDeps): Promise<RunOutcome> {
  const plan = await planRun(req, newRunId());
  const reporters = [
    ...createReporters(req.reporters ?? DEFAULT_REPORTERS, { outDir: plan.outDir, progress: deps.progress, env: deps.env ?? process.env, textOut: deps.textOut ?? process.stdout }),
    ...(deps.extraReporters ?? []),
  ];
  const stages = realStages({ runner: deps.runner, progress: deps.progress, cache: req.cache, qemu: deps.qemu, jobs: makeJobs(req.jobs), accel: req.accel, bootTimeoutMs: req.bootTimeoutMs, append: req.append, outDir: plan.outDir, checkFormats: req.checkFormats, compare: req.compare, noSuiteCache: req.noSuiteCache });
  const loop = new RunLoop(plan, { stages, reporters, progress: deps.progress, kphVersion: kphVersion() });
  deps.onLoop?.(loop);
  return loop.run();
}


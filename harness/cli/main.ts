// The `kph` command line: doctor, list, build, boot, run, clean. Maps results and errors to
// the exit codes of design.md (0 pass, 1 the series' fault, 2 usage, 3 infrastructure, 4 inconclusive).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CAPTURED_FILES } from '../core/captured.js';
import { formatBootPhases } from '../vm/boot-phases.js';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { KphError, UsageError } from '../core/errors.js';
import { plainSeriesLabel, seriesLabel } from '../core/label.js';
import { BUILTIN_PROFILES, listBuiltinProfiles, resolveKconfigProfiles, timeFactors, withCoverage, withKconfig } from '../config/profiles.js';
import { parseKconfig } from '../config/kconfig.js';
import { listScenarioNames, loadScenario, resolveParams } from '../core/load-scenarios.js';
import { cacheDir, repoRoot, resultsDir, scenariosDir as defaultScenariosDir } from '../core/paths.js';
import { patchcheckExitCode, type PatchcheckSummary } from '../core/patchcheck.js';
import { realStages as realPatchcheckStages, runPatchcheck } from '../patchcheck/patchcheck.js';
import { renderPatchcheckTerminal, writePatchcheckJson, writePatchcheckReports } from '../patchcheck/report.js';
import { bootGuest } from '../guest/guest.js';
import { ensureGuestImage } from '../image/guest.js';
import { kvmProbeKernel, produceKernel, type Kernel } from '../kernel/kernel.js';
import { cachedBaselineKernel } from '../build/kernel.js';
import { listBundledSeries, resolveSeries } from '../patch/series.js';
import { realRunner, stopAllManaged } from '../process/exec.js';
import { createProgress, silentProgress } from '../report/progress.js';
import { terminalReport, wantsColour } from '../report/terminal.js';
import { BUILTIN_REPORTERS, createReporters, DEFAULT_REPORTERS, writeFileAtomic } from '../report/reporter.js';
import { readSummary, rejudgeRun } from '../run/rejudge.js';
import type { RunLoop } from '../run/run.js';
import { compareRevisions, kphVersion, newRunId, runMatrix } from '../run/stages.js';
import { mergeRuns } from '../run/merge.js';
import { exportKcidb } from '../report/kcidb.js';
import { parseShard } from '../plan/shard.js';
import { MAX_REPEAT } from '../plan/plan.js';
import { parseBaseSpec, prepareBase, DEFAULT_BASE } from '../source/base.js';
import { chooseAccel, type AccelChoice } from '../vm/accel.js';
import { runDoctor } from './doctor.js';
import { writeBaseline } from '../diff/baselines.js';
import { diffRunBugs, renderBugDiffMarkdown, renderBugDiffText } from '../diff/bugs.js';
import { compareSignatures } from '../diff/compare.js';
import { loadSignature, seriesInRun } from '../diff/load.js';
import { digestSignatures } from '../diff/digest.js';
import { renderChangelog, renderChangesMarkdown, renderDigestText } from '../diff/render.js';

const collect = (v: string, prev: string[]) => [...prev, v];
/** A path as the user would type it: relative to the working directory when that is shorter. */
const shortPath = (p: string) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && r.length < p.length ? r : p;
};
/** A positive whole number, or a usage error naming what was given (exit 2). */
const positiveInt = (v: string) => {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError(`expected a positive whole number, got "${v}".`);
  return Number(v);
};
/** --repeat N: 1..100, checked while the command line is parsed (exit 2 before anything is built). */
const repeatArg = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_REPEAT) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_REPEAT}, got "${v}".`);
  return Number(v);
};
/** --min-coverage PCT: a percentage from 0 to 100, checked while the command line is parsed (exit 2). */
const percentArg = (v: string) => {
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 100) throw new InvalidArgumentError(`expected a percentage from 0 to 100, got "${v}".`);
  return Number(v);
};
/** --shard K/N, checked while the command line is parsed (exit 2 before anything is built). */
const shardArg = (v: string) => {
  try {
    return parseShard(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};
const accelOption = () => new Option('--accel <accel>', 'accelerator: auto probes KVM and falls back to TCG').choices(['auto', 'kvm', 'tcg']).default('auto');
const baseOption = () => new Option('--base <spec>', 'kernel source: debian:6.12, tree:PATH or tar:PATH').default(DEFAULT_BASE);
const seriesOption = () => new Option('-s, --series <spec>', 'baseline, NAME@REV (kernel-patches/NAME/REV), a patch directory or an mbox; repeatable').argParser(collect).default([]);
const kconfigOption = () =>
  new Option('--kconfig <profile|file>', `debug kernel: a built-in profile (${BUILTIN_PROFILES.join(', ')}) or a Kconfig fragment file, merged after the series' config; its own cached kernel, labelled SERIES+PROFILE; repeatable`).argParser(collect).default([]);
/** The series of `spec` with the --kconfig profiles (resolved first: an unknown one is a usage error before anything else). */
const seriesWith = (specs: string[], kconfig: string[], coverage = false) => {
  const profiles = resolveKconfigProfiles(kconfig);
  return specs.map((spec) => withCoverage(withKconfig(resolveSeries(spec), profiles), coverage));
};
const coverageKernelOption = () => new Option('--coverage', "the series' coverage kernel (SERIES+coverage: gcov in the objects its C files build), as kph run --coverage uses it");

/** `--all`: baseline and every bundled series but those marked "status": "wip". */
function allSeriesSpecs(): string[] {
  return ['baseline', ...listBundledSeries().filter((s) => s.meta.status !== 'wip').map((s) => `${s.name}@${s.revision}`)];
}

export async function main(argv: string[]): Promise<number> {
  const progress = createProgress();
  const cache = cacheDir();
  let exitCode = 0;
  /** The one kernel of (base, series): what `kph run` tests is what `kph build` and `kph boot` give. */
  const kernelFor = async (series: ReturnType<typeof resolveSeries>, baseSpec: string, jobs?: number): Promise<Kernel> => {
    const base = await prepareBase(parseBaseSpec(baseSpec), { runner: realRunner, cache, log: (m) => progress.update(m) });
    const logDir = join(cache, 'logs', series.id);
    mkdirSync(logDir, { recursive: true });
    progress.start(`${seriesLabel(series)}: applying ${series.patches.length} patch(es)`);
    const k = await produceKernel({ base, series, cache, logDir, jobs, onProgress: (t) => progress.update(t) }, realRunner);
    progress.succeed(`${seriesLabel(series)}: ${k.cached ? 'already built' : `built in ${(k.buildMs / 1000).toFixed(0)} s`}`);
    return k;
  };
  const program = new Command('kph')
    .description('Build kernels carrying namespace/audit patch series, boot them in QEMU, and check the audit records and proc-connector events they emit.')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('doctor')
    .description('check the host: tools, base source, cache, and the accelerator (by a real KVM probe)')
    .option('--json', 'print the report as JSON')
    .addOption(accelOption())
    .action(async (o: { json?: boolean; accel: 'auto' | 'kvm' | 'tcg' }) => {
      const r = await runDoctor(realRunner, cache, o.accel);
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        for (const c of r.checks) process.stdout.write(`${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'} ${c.name.padEnd(12)} ${c.detail}\n`);
        process.stdout.write(`\naccelerator: ${r.accel} (${r.accelReason}; probe ${r.probeMs} ms)\n`);
      }
      exitCode = r.ok ? 0 : 3;
    });

  program
    .command('list')
    .description('list bundled series (with what they provide), scenarios and the debug-kernel profiles of --kconfig')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const series = listBundledSeries();
      const scenarios = await Promise.all(listScenarioNames().map((n) => loadScenario(n)));
      const profiles = resolveKconfigProfiles(listBuiltinProfiles());
      if (o.json) {
        process.stdout.write(JSON.stringify({ series: series.map((s) => ({ spec: `${s.name}@${s.revision}`, ...s.meta })), scenarios: scenarios.map((s) => ({ name: s.name, description: s.description, needs: s.needs ?? {}, params: s.params ?? {} })), kconfigProfiles: profiles.map((p) => ({ name: p.name, file: relative(repoRoot, p.path), options: [...parseKconfig(p.text)].map(([k, v]) => (v === 'n' ? `# ${k} is not set` : `${k}=${v}`)), bootFactor: p.bootFactor, scenarioFactor: p.scenarioFactor })) }, null, 2) + '\n');
        return;
      }
      process.stdout.write('Series (--series):\n  baseline                        the unpatched base kernel\n');
      for (const s of series) process.stdout.write(`  ${`${s.name}@${s.revision}`.padEnd(32)}${s.meta.title}${s.meta.status === 'wip' ? ' [wip: not in --all]' : ''}\n${' '.repeat(34)}provides: ${s.meta.provides.join(', ') || '-'}\n`);
      process.stdout.write('\nScenarios (--scenario):\n');
      for (const s of scenarios) {
        const needs = s.needs?.capabilities?.length ? ` [needs ${s.needs.capabilities.join(', ')}]` : '';
        const params = s.params ? ` (params: ${Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
        process.stdout.write(`  ${s.name.padEnd(32)}${s.description}${needs}${params}\n`);
      }
      process.stdout.write('\nDebug-kernel profiles (--kconfig, or the path of a Kconfig fragment):\n');
      for (const p of profiles) process.stdout.write(`  ${p.name.padEnd(32)}${[...parseKconfig(p.text)].map(([k, v]) => (v === 'n' ? `!${k.replace(/^CONFIG_/, '')}` : k.replace(/^CONFIG_/, '') + (v === 'y' ? '' : `=${v}`))).join(' ')} (boot x${p.bootFactor}, scenarios x${p.scenarioFactor})\n`);
    });

  program
    .command('build')
    .description('apply a series and build its kernel (cached; prints the bzImage path)')
    .addOption(seriesOption())
    .addOption(baseOption())
    .addOption(kconfigOption())
    .addOption(coverageKernelOption())
    .option('-j, --jobs <n>', 'make -j', positiveInt)
    .action(async (o: { series: string[]; base: string; jobs?: number; kconfig: string[]; coverage?: boolean }) => {
      if (!o.series.length) throw new UsageError('kph build needs --series.');
      const series = seriesWith(o.series, o.kconfig, o.coverage); // every series and profile checked before anything is built
      for (const one of series) {
        const k = await kernelFor(one, o.base, o.jobs);
        process.stdout.write(`${k.bzImage}\n`);
      }
    });

  program
    .command('boot')
    .description('build a series, boot it and open an SSH shell in the guest (or run --command)')
    .addOption(seriesOption())
    .addOption(baseOption())
    .addOption(accelOption())
    .addOption(kconfigOption())
    .addOption(coverageKernelOption())
    .option('-c, --command <cmd>', 'run this command in the guest instead of a shell, print its output and exit with its code')
    .action(async (o: { series: string[]; base: string; accel: 'auto' | 'kvm' | 'tcg'; command?: string; kconfig: string[]; coverage?: boolean }) => {
      if (o.series.length !== 1) throw new UsageError('kph boot takes exactly one --series.');
      const series = seriesWith(o.series, o.kconfig, o.coverage)[0]!;
      const b = await kernelFor(series, o.base);
      const logDir = join(cache, 'logs', series.id);
      progress.succeed(`kernel: ${b.bzImage}`);
      progress.start('guest image');
      const image = await ensureGuestImage({ runner: realRunner, cache, log: (m) => progress.update(m) });
      progress.succeed(`image: ${image.image}`);
      const probe = kvmProbeKernel(cache, b);
      if (o.accel !== 'tcg') progress.start(`probing KVM: a boot sector, then ${probe.name}`);
      const accel = await chooseAccel({ runner: realRunner, want: o.accel, ...probe });
      progress.info(`accelerator: ${accel.accel} (${accel.reason})`);
      progress.start('booting');
      const guest = await bootGuest({ runner: realRunner, kernel: b.bzImage, image, accel: accel.accel, consoleLog: join(logDir, 'console.log'), timeFactor: timeFactors(series).boot, name: `kph/boot/${series.id.replace(/[^\w@.-]/g, '_')}` });
      progress.succeed(`guest answered in ${(guest.bootMs / 1000).toFixed(1)} s: ${formatBootPhases(guest.phases)} (console: ${join(logDir, 'console.log')})`);
      try {
        if (o.command) {
          const r = await guest.session.exec(o.command);
          process.stdout.write(r.stdout);
          process.stderr.write(r.stderr);
          exitCode = r.code;
        } else {
          await guest.session.interactiveShell();
        }
      } finally {
        guest.session.end();
        await guest.vm.stop();
      }
    });

  program
    .command('run')
    .description('build, boot and run scenarios for each series; write results/<run-id>/')
    .addOption(seriesOption())
    .option('--all', 'every bundled series and baseline')
    .option('--scenario <name>', 'scenario to run (default: all); repeatable', collect, [] as string[])
    .option('--param <k=v>', 'scenario parameter, NAME=VALUE or SCENARIO.NAME=VALUE; repeatable', collect, [] as string[])
    .option('--out <dir>', 'results folder (default results/<run-id>)')
    .addOption(baseOption())
    .addOption(accelOption())
    .option('-j, --jobs <n>', 'series side by side, each building or running its guest (make -j cores/N each; default 1)', positiveInt)
    .option('--boot-timeout <seconds>', 'boot-to-SSH deadline (default 180 under TCG, 60 under KVM)', positiveInt)
    .option('--append <args>', 'extra kernel command-line arguments (e.g. "loglevel=8")')
    .option('--scenarios-dir <dir>', 'load scenarios from this folder instead of scenarios/')
    .option('--check-formats', 'compare each series\' record formats with results/baselines/ (fails with the diff)')
    .option('--compare', 'show format diffs between consecutive revisions and against baseline')
    .option('--reporter <name>', `reporter (repeatable; default all): ${Object.keys(BUILTIN_REPORTERS).filter((n) => n !== 'summary').join(', ')}; summary.json is always written`, collect, [] as string[])
    .option('--json', 'print summary.json to stdout (and nothing else)')
    .option('--shard <K/N>', 'run shard K of N: a deterministic split by whole series (merge the shards with kph merge)', shardArg)
    .option('--shard-costs <path>', 'balance the shards by the costs recorded in these runs (a summary.json, a results folder, or a folder of them); default: by patch count')
    .option('--suite <name=path>', 'also run a peer test suite from this path on every series, on a boot of its own after the scenarios (audit-testsuite=PATH, or KPH_SUITE_AUDIT_TESTSUITE=PATH; kselftests, no path: the base tree’s namespace selftests built from each series’ tree); repeatable', collect, [] as string[])
    .option('--suite-only', 'run the --suite suites only, no scenario')
    .option('--no-suite-cache', "run baseline's suites again even when kph's cache holds their results for the same kernel, guest image and suite")
    .option('--repeat <n>', `run each scenario N times on the same kernel (1..${MAX_REPEAT}; a fresh guest after any repeat that did not pass): pass only when all pass, flaky when they differ`, repeatArg)
    .option('--verbose', 'end with the whole report (report.md) instead of the one-screen summary')
    .option('--coverage', "measure which lines the series add ran: each series with patches on a coverage kernel of its own (SERIES+coverage: gcov in the objects its C files build), the lines in summary.json, the report and <series>/coverage.info; never changes a verdict")
    .option('--min-coverage <pct>', 'with --coverage: exit 1, naming the lines, when a series\' share of added lines that ran is below PCT (0..100)', percentArg)
    .addOption(kconfigOption())
    .action(async (o: { coverage?: boolean; minCoverage?: number; kconfig: string[]; suite: string[]; suiteCache: boolean; suiteOnly?: boolean; repeat?: number; verbose?: boolean; shard?: ReturnType<typeof parseShard>; shardCosts?: string; checkFormats?: boolean; compare?: boolean; series: string[]; all?: boolean; scenario: string[]; param: string[]; out?: string; base: string; accel: 'auto' | 'kvm' | 'tcg'; jobs?: number; bootTimeout?: number; append?: string; scenariosDir?: string; reporter: string[]; json?: boolean }) => {
      const series = o.all ? [...new Set([...allSeriesSpecs(), ...o.series])] : o.series;
      if (!series.length) throw new UsageError('kph run needs --series (or --all).');
      const unknown = o.reporter.filter((n) => !BUILTIN_REPORTERS[n]);
      if (unknown.length) throw new UsageError(`Unknown reporter ${unknown.join(', ')}.`, { hint: `Built-in: ${Object.keys(BUILTIN_REPORTERS).join(', ')}` });
      // Ctrl-C or SIGTERM: every report for what ran (interrupted: true), then exit 130; the
      // process layer's own handler (registered later) kills QEMU and make on the way out.
      let loop: RunLoop | null = null;
      const onSignal = (sig: NodeJS.Signals) => {
        loop?.interrupt();
        process.stderr.write(`kph: ${sig}: reports written for what ran\n`);
        process.exit(sig === 'SIGINT' ? 130 : 143);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // The handlers go whatever happens (a usage error found by the plan included): left behind,
      // they would answer a later signal with an exit code of this run.
      const r = await runMatrix(
        { base: o.base, series, scenarios: o.scenario, params: o.param, outDir: o.out ? resolve(o.out) : undefined, accel: o.accel, cache, jobs: o.jobs, bootTimeoutMs: o.bootTimeout ? o.bootTimeout * 1000 : undefined, append: o.append ? o.append.split(/\s+/).filter(Boolean) : undefined, scenariosDir: o.scenariosDir ? resolve(o.scenariosDir) : undefined, checkFormats: o.checkFormats, compare: o.compare, reporters: o.reporter.length ? o.reporter : DEFAULT_REPORTERS, shard: o.shard, shardCosts: o.shardCosts ? resolve(o.shardCosts) : undefined, suites: o.suite, suiteOnly: o.suiteOnly, noSuiteCache: !o.suiteCache, repeat: o.repeat, kconfig: o.kconfig, coverage: o.coverage, minCoverage: o.minCoverage },
        { runner: realRunner, progress, textOut: o.json ? process.stderr : process.stdout, onLoop: (l) => (loop = l) },
      ).finally(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      });
      if (o.json) process.stdout.write(JSON.stringify(r.summary, null, 2) + '\n');
      else process.stdout.write(terminalReport(r.summary, r.outDir, { verbose: o.verbose, color: wantsColour(process.stdout), shownDir: shortPath(r.outDir) }));
      exitCode = r.exitCode;
    });

  program
    .command('patchcheck')
    .description('before posting a series: build it patch by patch (1..k for every k, incrementally, in a work tree of its own), with the new compiler warnings and checkpatch.pl --strict of each patch; writes patchcheck.json and reports')
    .addOption(seriesOption())
    .option('--out <dir>', 'results folder, new or empty (default results/patchcheck-<run-id>)')
    .addOption(baseOption())
    .option('-j, --jobs <n>', 'make -j', positiveInt)
    .option('--boot', 'also boot every step that builds and run the scenarios on it: the first patch that changes a record or event format, and the first after which a scenario that passed no longer passes')
    .option('--scenario <name>', 'with --boot: scenario to run on every step (default: all); repeatable', collect, [] as string[])
    .addOption(accelOption())
    .option('--json', 'print patchcheck.json to stdout (and nothing else)')
    .addOption(kconfigOption())
    .action(async (o: { series: string[]; out?: string; base: string; jobs?: number; json?: boolean; boot?: boolean; scenario: string[]; accel: 'auto' | 'kvm' | 'tcg'; kconfig: string[] }) => {
      // Every input checked before anything is unpacked or built (exit 2).
      if (o.series.length !== 1) throw new UsageError(`kph patchcheck takes exactly one --series (got ${o.series.length}).`, { hint: 'A bundled NAME@REV, a directory of git format-patch files, or an mbox.' });
      const series = seriesWith(o.series, o.kconfig)[0]!;
      if (!series.patches.length) throw new UsageError(`${o.series[0]} has no patches to check.`);
      const baseSpec = parseBaseSpec(o.base);
      if (o.scenario.length && !o.boot) throw new UsageError('--scenario needs --boot: without it no step is booted.');
      const names = o.boot ? (o.scenario.length ? [...new Set(o.scenario)] : listScenarioNames()) : [];
      const scenarios = await Promise.all(names.map((n) => loadScenario(n))); // an unknown name is a usage error here
      const outDir = resolve(o.out ?? join(resultsDir, `patchcheck-${newRunId()}`));
      if (existsSync(outDir) && readdirSync(outDir).length) throw new UsageError(`--out ${outDir} is not empty.`, { hint: 'Choose a new or empty folder.' });
      mkdirSync(outDir, { recursive: true });
      const base = await prepareBase(baseSpec, { runner: realRunner, cache, log: (m) => progress.update(m) });
      let latest: PatchcheckSummary | null = null;
      const onSignal = (sig: NodeJS.Signals) => {
        if (latest) writePatchcheckReports(outDir, { ...latest, interrupted: true });
        process.stderr.write(`kph: ${sig}: reports written for the steps that ran\n`);
        process.exit(sig === 'SIGINT' ? 130 : 143);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const req = { base, series, cache, outDir, jobs: o.jobs, kphVersion: kphVersion(), progress, onUpdate: (s: PatchcheckSummary) => { latest = s; writePatchcheckJson(outDir, s); }, ...(o.boot ? { boot: { scenarios: names } } : {}) };
      // One accelerator for every step, probed with the base's kernel: the cached baseline's,
      // before any build (a refused --accel kvm stops here), else step 0's, the first booted.
      let probed: Promise<AccelChoice> | undefined;
      const probe = (kernel: string, kernelLabel = "step 0's kernel, the base's") =>
        (probed ??= chooseAccel({ runner: realRunner, want: o.accel, kernel, kernelLabel }).then((a) => {
          progress.info(`accelerator: ${a.accel} (${a.reason})`);
          return a;
        }));
      const cachedBaseline = o.boot && o.accel !== 'tcg' ? cachedBaselineKernel(cache, base) : undefined;
      if (cachedBaseline) await probe(cachedBaseline, "baseline's kernel");
      const bootOpts = o.boot ? { scenarios, params: resolveParams(scenarios, []), probe, kphVersion: kphVersion() } : undefined;
      const s = await runPatchcheck(req, realPatchcheckStages(req, realRunner, bootOpts));
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      writePatchcheckReports(outDir, s);
      if (o.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      else process.stdout.write(renderPatchcheckTerminal(s, { outDir: shortPath(outDir), color: wantsColour(process.stdout) }));
      exitCode = patchcheckExitCode(s);
    });

  program
    .command('merge')
    .description('merge the results folders of the shards of one run (kph run --shard K/N) into one: summary.json, reports, format diffs, the exit code of the whole')
    .argument('<dirs...>', 'results folders (one per shard)')
    .requiredOption('--out <dir>', 'the merged results folder (new or empty)')
    .option('--compare', 'format diffs between consecutive revisions and against baseline, across the shards')
    .option('--link', 'symlink the series\' folders instead of copying them')
    .option('--reporter <name>', 'reporter (repeatable; default all but progress); summary.json is always written', collect, [] as string[])
    .option('--json', 'print the merged summary.json to stdout (and nothing else)')
    .action((dirs: string[], o: { out: string; compare?: boolean; link?: boolean; reporter: string[]; json?: boolean }) => {
      const unknown = o.reporter.filter((n) => !BUILTIN_REPORTERS[n]);
      if (unknown.length) throw new UsageError(`Unknown reporter ${unknown.join(', ')}.`, { hint: `Built-in: ${Object.keys(BUILTIN_REPORTERS).join(', ')}` });
      const outDir = resolve(o.out);
      const names = o.reporter.length ? o.reporter : DEFAULT_REPORTERS.filter((n) => n !== 'progress');
      // Creating reporters writes nothing; mergeRuns refuses unmergeable folders before any reporter runs.
      const r = mergeRuns(dirs, {
        outDir,
        link: o.link,
        compare: o.compare ? compareRevisions : undefined,
        reporters: createReporters(names, { outDir, progress: silentProgress, env: process.env, textOut: o.json ? process.stderr : process.stdout }),
        onReporterError: (n, phase, e) => progress.fail(`reporter ${n} failed in ${phase}: ${e instanceof Error ? e.message : String(e)}`),
      });
      if (o.json) process.stdout.write(JSON.stringify(r.summary, null, 2) + '\n');
      else {
        if (existsSync(join(outDir, 'report.md'))) process.stdout.write(`${readFileSync(join(outDir, 'report.md'), 'utf8')}\n`);
        if (r.missingSeries.length) process.stdout.write(`Missing from the merged run (no folder holds them): ${r.missingSeries.join(', ')}${r.missingShards.length ? ` (shards ${r.missingShards.join(', ')})` : ''}\n`);
        process.stdout.write(`Merged ${dirs.length} folder(s), ${r.summary.runs.length} result(s): ${outDir}\n`);
      }
      exitCode = r.exitCode;
    });

  const exportCmd = program.command('export').description('write a results folder in another system\'s format');
  exportCmd
    .command('kcidb')
    .description('the run as KernelCI KCIDB JSON (schema v5.3): checkouts (base + series as patchset), builds, tests (kph.<scenario>[.<check>])')
    .argument('<run>', 'results folder of a run (or of kph merge)')
    .option('--origin <name>', 'the CI system\'s name in KCIDB ([a-z0-9_]+)', 'kph')
    .option('--url-base <url>', 'where the results folder is published: log URLs are URL/<path in the folder> (default: file:// URLs)')
    .option('--out <file>', 'output file, - for stdout (default RUN/kcidb.json)')
    .action((run: string, o: { origin: string; urlBase?: string; out?: string }) => {
      const dir = resolve(run);
      const doc = exportKcidb(readSummary(dir), dir, { origin: o.origin, urlBase: o.urlBase });
      const text = JSON.stringify(doc, null, 2) + '\n';
      if (o.out === '-') process.stdout.write(text);
      else {
        const file = resolve(o.out ?? join(dir, 'kcidb.json'));
        writeFileAtomic(file, text);
        process.stdout.write(`${file}: ${doc.checkouts.length} checkout(s), ${doc.builds.length} build(s), ${doc.tests.length} test(s)\n`);
      }
    });

  program
    .command('judge')
    .description('judge a results folder again with the current scenario code: new verdicts, checks.json and reports; no build, no boot')
    .argument('<run>', 'results folder of a run')
    .option('--scenarios-dir <dir>', 'take the scenarios this folder holds from it, the others from scenarios/')
    .option('--json', 'print the new summary.json to stdout')
    .action(async (run: string, o: { scenariosDir?: string; json?: boolean }) => {
      const outDir = resolve(run);
      const reporters = createReporters(DEFAULT_REPORTERS.filter((n) => n !== 'progress'), { outDir, progress: silentProgress, env: process.env, textOut: o.json ? process.stderr : process.stdout });
      const r = await rejudgeRun(outDir, { scenariosDir: o.scenariosDir ? resolve(o.scenariosDir) : undefined, reporters, onReporterError: (n, phase, e) => progress.fail(`reporter ${n} failed in ${phase}: ${e instanceof Error ? e.message : String(e)}`) });
      if (o.json) process.stdout.write(JSON.stringify(r.summary, null, 2) + '\n');
      else {
        for (const c of r.changes) process.stdout.write(`${c.series} · ${c.scenario}: ${c.from} → ${c.to}\n`);
        process.stdout.write(`${r.summary.runs.length} result(s) judged again, ${r.changes.length} verdict(s) changed; reports in ${outDir}\n`);
      }
      exitCode = r.exitCode;
    });

  program
    .command('fixture')
    .description('copy what a run captured of a scenario (the files judging reads) into its test fixtures (scenarios/<name>/fixtures/<series>)')
    .argument('<run>', 'results folder of a run')
    .argument('<scenario>', 'scenario name')
    .option('-s, --series <label>', 'series (when the run holds several)')
    .option('--scenarios-dir <dir>', 'scenarios folder (default scenarios/)')
    .action((run: string, scenario: string, o: { series?: string; scenariosDir?: string }) => {
      const summary = readSummary(resolve(run));
      const rows = summary.runs.filter((r) => r.scenario === scenario && (!o.series || seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig }) === o.series) && existsSync(join(run, r.dir, 'guest')));
      if (!rows.length) throw new UsageError(`${run} has no captured ${scenario}${o.series ? ` for ${o.series}` : ''}.`);
      if (rows.length > 1) throw new UsageError(`${run} has ${scenario} for several series (${rows.map((r) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig })).join(', ')}): say which with --series.`);
      const row = rows[0]!;
      const root = o.scenariosDir ? resolve(o.scenariosDir) : defaultScenariosDir;
      if (!existsSync(join(root, scenario, 'scenario.ts'))) throw new UsageError(`No scenario ${scenario} in ${root}.`);
      const dest = join(root, scenario, 'fixtures', seriesLabel({ name: row.series, revision: row.revision, kconfig: row.kconfig }).replace(/[^\w@.-]/g, '_'));
      rmSync(dest, { recursive: true, force: true });
      mkdirSync(dest, { recursive: true });
      // Only what judging reads: the scenario's own inputs (script.sh, env, rules) stay in scenario.ts.
      for (const f of CAPTURED_FILES) if (existsSync(join(run, row.dir, 'guest', f))) cpSync(join(run, row.dir, 'guest', f), join(dest, f));
      process.stdout.write(`${dest}\n`);
    });

  program
    .command('diff')
    .description('compare record and event formats of two runs (results folders or baseline files), and between two runs the kernel bugs (splat signatures) that are new and gone; exit 1 when they differ')
    .argument('<a>', 'results folder or results/baselines/<series>.json')
    .argument('[b]', 'results folder or baseline file (default: a again, with --from/--to)')
    .option('--from <series>', 'series in A (when A holds several)')
    .option('--to <series>', 'series in B (when B holds several)')
    .addOption(new Option('--format <fmt>', 'output: text (each change once, with its scenarios and example lines), markdown and json (also every change per scenario), changelog (a block for the next revision\'s cover letter)').choices(['text', 'markdown', 'json', 'changelog']).default('text'))
    .action((a: string, b: string | undefined, o: { from?: string; to?: string; format: 'text' | 'markdown' | 'json' | 'changelog' }) => {
      const sa = loadSignature(a, o.from);
      const sb = loadSignature(b ?? a, o.to);
      const changes = compareSignatures(sa, sb);
      const digest = digestSignatures(sa, sb, changes);
      // Kernel bugs only between two results folders: a baseline file holds formats alone.
      const bugs = diffRunBugs({ path: a, series: sa.series }, { path: b ?? a, series: sb.series });
      if (o.format === 'json') process.stdout.write(JSON.stringify({ from: sa.series, to: sb.series, digest, changes, ...(bugs ? { bugs: { new: bugs.added, gone: bugs.gone, both: bugs.kept } } : {}) }, null, 2) + '\n');
      else if (o.format === 'markdown') process.stdout.write(renderChangesMarkdown(sa.series, sb.series, changes, digest) + (bugs ? renderBugDiffMarkdown(bugs) : ''));
      else if (o.format === 'changelog') process.stdout.write(renderChangelog(digest));
      else process.stdout.write(renderDigestText(digest) + (bugs ? `\n${renderBugDiffText(bugs)}` : ''));
      exitCode = changes.length || (bugs && (bugs.added.length || bugs.gone.length)) ? 1 : 0;
    });

  const formats = program.command('formats').description('committed record-format baselines (results/baselines/)');
  formats
    .command('update')
    .description('write results/baselines/<series>.json from a results folder')
    .argument('<run>', 'results folder of a run')
    .option('-s, --series <label>', 'only this series (repeatable)', collect, [] as string[])
    .action((run: string, o: { series: string[] }) => {
      const labels = o.series.length ? o.series : seriesInRun(run);
      // A debug kernel's run (--kconfig) is checked against the plain series' baseline, never written to it.
      const profiled = new Map(readSummary(resolve(run)).runs.filter((r) => r.kconfig?.length).map((r) => [seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig }), plainSeriesLabel({ name: r.series, revision: r.revision })]));
      for (const l of labels) {
        if (profiled.has(l)) {
          process.stderr.write(`${l}: a debug kernel's run (--kconfig): its formats are checked against ${profiled.get(l)}'s baseline, not written to it; baseline not written (update it from a run without --kconfig)\n`);
          exitCode = 1;
          continue;
        }
        const sig = loadSignature(run, l);
        if (!Object.keys(sig.scenarios).length) {
          process.stderr.write(`${l}: no scenario captured records in ${run}; baseline not written\n`);
          exitCode = 1;
          continue;
        }
        process.stdout.write(`${writeBaseline(sig)}\n`);
      }
    });

  program
    .command('clean')
    .description('remove builds and patched trees (and more with the options)')
    .option('--images', 'also guest images and the debootstrap rootfs')
    .option('--bases', 'also unpacked base trees')
    .option('--ccache', 'also the compiler cache')
    .option('--all', 'the whole cache')
    .action((o: { images?: boolean; bases?: boolean; ccache?: boolean; all?: boolean }) => {
      const parts = o.all ? ['.'] : ['work', 'logs', ...(o.images ? ['images'] : []), ...(o.bases ? ['bases'] : []), ...(o.ccache ? ['ccache'] : [])];
      for (const p of parts) {
        const dir = join(cache, p);
        if (!existsSync(dir)) continue;
        rmSync(dir, { recursive: true, force: true });
        process.stdout.write(`removed ${dir}\n`);
      }
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    await stopAllManaged();
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof KphError) {
      progress.fail(`${e.stage}: ${e.message}`);
      for (const d of e.details) process.stderr.write(`  ${d}\n`);
      return e.exitCode;
    }
    progress.fail(`internal error: ${(e as Error).stack ?? String(e)}`);
    return 3;
  }
}

// Configure and build a kernel out of tree (O=), with ccache, one build directory per
// (base, series), and a stamp keyed by (base content, series content, config) so a build
// that is already there is reused, not redone.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { BuildError, ConfigDroppedError, InfraError } from '../core/errors.js';
import type { BaseTree, Series } from '../core/types.js';
import { findDroppedOptions, mergeFragments, parseKconfig, renderFragment, type FragmentSource } from '../config/kconfig.js';
import { countBuildSteps, extractBuildErrors } from '../parse/build-log.js';
import type { Runner } from '../process/exec.js';
import { workDir } from '../core/paths.js';
import { withDirLock, withWorkDirLock } from '../patch/apply.js';

export interface BuildRequest {
  base: BaseTree;
  series: Series;
  /** The patched (or base) source tree. */
  srcDir: string;
  fragments: FragmentSource[];
  cache: string;
  /** Where build.log goes (the run's series folder). */
  logDir: string;
  jobs?: number;
  useCcache?: boolean;
  onProgress?: (objects: number) => void;
  /** Messages such as "waiting for the work folder (held by pid N)"; stderr when not given. */
  log?: (msg: string) => void;
  /**
   * The work folder whose build/ is used (default the (base, series) folder of `kph build`):
   * `kph patchcheck` builds its steps in a folder of its own.
   */
  workDir?: string;
  /**
   * What the source tree holds when that is not the series' content (a patchcheck step: the
   * series cut after patch k): part of the build stamp.
   */
  treeKey?: string;
  /**
   * What of that tree decides the config (a patchcheck step: the patches so far that touch
   * Kconfig files): part of the config stamp, so a step that changes no Kconfig file is not
   * configured again (and its .config, untouched, triggers no syncconfig).
   */
  configTreeKey?: string;
  /**
   * Return requested options that olddefconfig dropped (BuildResult.dropped) instead of
   * throwing ConfigDroppedError: a patchcheck step before the patch that adds the option.
   */
  tolerateDropped?: boolean;
}

export interface BuildResult {
  bzImage: string;
  buildDir: string;
  config: string;
  /** True when the stamp matched and make was not run. */
  cached: boolean;
  durationMs: number;
  logFile: string;
  /** With tolerateDropped: requested options the config does not have ("CONFIG_X=y (from ...)"). */
  dropped: string[];
}

/**
 * A baseline kernel already built in the cache (plain: no --kconfig), with its build stamp: for
 * `base`, or the newest of any base. The KVM probe prefers it to a series' own kernel.
 */
export function cachedBaselineKernel(cache: string, base?: { dir: string }): string | undefined {
  const bases = base ? [dirname(workDir(cache, base, { id: 'baseline' }))] : existsSync(join(cache, 'work')) ? readdirSync(join(cache, 'work')).map((b) => join(cache, 'work', b)) : [];
  const found: { f: string; t: number }[] = [];
  for (const b of bases) {
    const build = join(b, 'baseline', 'build');
    const f = join(build, 'arch/x86/boot/bzImage');
    try {
      if (readFileSync(join(build, '.kph-build-stamp'), 'utf8')) found.push({ f, t: statSync(f).mtimeMs });
    } catch {
      // not built, or being rebuilt
    }
  }
  return found.sort((a, b) => b.t - a.t)[0]?.f;
}

export function buildDirFor(cache: string, base: BaseTree, series: Series, dir = workDir(cache, base, series)): string {
  return join(dir, 'build');
}

function sha(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

function buildEnv(cache: string, useCcache: boolean): Record<string, string> {
  return {
    // Fixed build identity: init/version.o and ccache hits do not depend on who or when.
    KBUILD_BUILD_TIMESTAMP: '2026-01-01',
    KBUILD_BUILD_USER: 'kph',
    KBUILD_BUILD_HOST: 'kph',
    // ASCII quotes in compiler messages, whatever the user's locale: logs are parsed and diffed.
    // (The kernel's Makefile unexports LC_ALL; gcc's quotes follow LC_CTYPE.)
    LANG: 'C',
    LC_CTYPE: 'C',
    ...(useCcache
      ? { CCACHE_DIR: join(cache, 'ccache'), CCACHE_BASEDIR: cache, CCACHE_NOHASHDIR: '1', CCACHE_MAXSIZE: '8G' }
      : {}),
  };
}

export function buildKernel(req: BuildRequest, runner: Runner): Promise<BuildResult> {
  // One build per (base, series) work folder at a time, across kph processes.
  if (req.workDir) return withDirLock(req.workDir, `build ${req.series.id}`, req.log, () => buildKernelLocked(req, runner));
  return withWorkDirLock(req.cache, req.base, req.series, req.log, () => buildKernelLocked(req, runner));
}

async function buildKernelLocked(req: BuildRequest, runner: Runner): Promise<BuildResult> {
  const started = Date.now();
  const buildDir = buildDirFor(req.cache, req.base, req.series, req.workDir);
  mkdirSync(buildDir, { recursive: true });
  mkdirSync(req.logDir, { recursive: true });
  const logFile = join(req.logDir, 'build.log');
  writeFileSync(logFile, '');
  const useCcache = req.useCcache ?? true;
  const env = buildEnv(req.cache, useCcache);
  const jobs = req.jobs ?? cpus().length;
  const make = (args: string[]) => ['-C', req.srcDir, `O=${buildDir}`, ...(useCcache ? ['CC=ccache gcc', 'HOSTCC=ccache gcc'] : []), ...args];

  const merged = mergeFragments(req.fragments);
  const fragmentText = renderFragment(merged.options);
  for (const c of merged.conflicts) {
    appendFileSync(logFile, `note: ${c.option} requested as ${c.values.map((v) => `${v.value} by ${v.origin}`).join(' and ')}; the last wins\n`);
  }
  const configStampFile = join(buildDir, '.kph-config-stamp');
  // Keyed by the options asked for, not by who asked: selecting fewer scenarios whose needs
  // the base already covers must not reconfigure (and so rebuild) the kernel.
  const configKey = sha([req.base.contentId, req.series.contentHash, ...(req.configTreeKey ? [req.configTreeKey] : []), ...fragmentText.split('\n').sort()]);
  const configPath = join(buildDir, '.config');

  // Configure: tinyconfig + fragment, olddefconfig; redone only when its inputs changed.
  let dropped: string[] = [];
  const checkDropped = () => {
    const lost = findDroppedOptions(merged.options, parseKconfig(readFileSync(configPath, 'utf8')));
    if (lost.length && req.tolerateDropped) {
      dropped = lost.map((d) => `${d.option}=${d.wanted} (from ${d.origin}; got ${d.got ?? 'unset'})`);
      appendFileSync(logFile, `note: not in this tree's config: ${dropped.join(', ')}\n`);
    } else if (lost.length) {
      writeFileSync(configStampFile, ''); // configure again next time
      throw new ConfigDroppedError(
        lost.map((d) => ({ option: `${d.option} (from ${d.origin})`, wanted: d.wanted, got: d.got })),
        {
          hint: `Their dependencies are not met. Add the options they depend on to the fragment that asks for them (see \`make O=${buildDir} menuconfig\`, search with "/"). Final config: ${configPath}`,
        },
      );
    }
  };
  const configStamp = existsSync(configStampFile) ? readFileSync(configStampFile, 'utf8') : '';
  if (configStamp !== configKey || !existsSync(configPath)) {
    const fragFile = join(buildDir, 'kph.fragment.config');
    writeFileSync(fragFile, fragmentText);
    const steps: [string, string[]][] = [
      ['make', make(['tinyconfig'])],
      ['bash', [join(req.srcDir, 'scripts/kconfig/merge_config.sh'), '-m', '-O', buildDir, configPath, fragFile]],
      ['make', make(['olddefconfig'])],
    ];
    for (const [file, args] of steps) {
      const r = await runner.run(file, args, { cwd: req.srcDir, env, logFile, allowFailure: true, groupDiesWithParent: true });
      if (r.exitCode !== 0) {
        throw new BuildError(`Kernel configuration failed: ${r.command}`, {
          hint: `See ${logFile}.`,
          details: extractBuildErrors(readFileSync(logFile, 'utf8')),
        });
      }
    }
    checkDropped();
    writeFileSync(configStampFile, configKey);
  } else if (req.tolerateDropped !== undefined) {
    // A patchcheck step on the config of the step before: what it lacks is said (or, at the
    // last step, refused) again.
    checkDropped();
  }

  const bzImage = join(buildDir, 'arch/x86/boot/bzImage');
  const buildStampFile = join(buildDir, '.kph-build-stamp');
  const buildKey = sha([configKey, ...(req.treeKey ? [req.treeKey] : []), readFileSync(configPath, 'utf8')]);
  if (existsSync(bzImage) && existsSync(buildStampFile) && readFileSync(buildStampFile, 'utf8') === buildKey) {
    appendFileSync(logFile, `build stamp matches (${buildKey.slice(0, 12)}): nothing to build\n`);
    return { bzImage, buildDir, config: configPath, cached: true, durationMs: Date.now() - started, logFile, dropped };
  }
  if (existsSync(buildStampFile)) writeFileSync(buildStampFile, '');

  let objects = 0;
  let pending = '';
  // make's compilers are its children: the whole group dies with kph, SIGKILL included.
  const proc = runner.spawn('make', make([`-j${jobs}`, 'bzImage']), {
    cwd: req.srcDir,
    env,
    groupDiesWithParent: true,
    onStdout: (c) => {
      appendFileSync(logFile, c);
      pending += c;
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        objects += countBuildSteps(pending.slice(0, cut));
        pending = pending.slice(cut + 1);
        req.onProgress?.(objects);
      }
    },
    onStderr: (c) => appendFileSync(logFile, c),
  });
  const code = await proc.exited;
  if (proc.error) throw new InfraError('build', proc.error.message, { hint: 'Install the kernel build dependencies (`npm run setup`).' });
  if (code !== 0 || !existsSync(bzImage)) {
    const errors = extractBuildErrors(readFileSync(logFile, 'utf8'));
    if (code >= 128) throw new InfraError('build', `make was killed (exit ${code}).`, { hint: `See ${logFile}.` });
    throw new BuildError(`The kernel did not build (make exited ${code}).`, {
      hint: `Full log: ${logFile}`,
      details: errors.length ? errors : readFileSync(logFile, 'utf8').trim().split('\n').slice(-20),
    });
  }
  writeFileSync(buildStampFile, buildKey);
  return { bzImage, buildDir, config: configPath, cached: false, durationMs: Date.now() - started, logFile, dropped };
}

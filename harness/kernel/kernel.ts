// The kernel stage: base tree → patched tree → config → bzImage, for one (base, series). The
// one function `kph build`, `kph boot` and `kph run` use, so they all get the same kernel: the
// config is the harness fragment plus the series' own, never what the selected scenarios want
// (a scenario's needs are checked against the kernel instead, see missingScenarioOptions).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildKernel, cachedBaselineKernel } from '../build/kernel.js';
import { findDroppedOptions, parseKconfig, type FragmentSource, type KconfigValue } from '../config/kconfig.js';
import { plainSeriesLabel, seriesLabel } from '../core/label.js';
import { profileFragments } from '../config/profiles.js';
import { baseConfigFragment } from '../core/paths.js';
import type { BaseTree, Series } from '../core/types.js';
import { prepareSeriesTree } from '../patch/apply.js';
import type { Runner } from '../process/exec.js';

export interface KernelRequest {
  base: BaseTree;
  series: Series;
  cache: string;
  /** Where apply.log, apply-offsets.txt and build.log go. */
  logDir: string;
  jobs?: number;
  onProgress?: (text: string) => void;
}

export interface Kernel {
  base: BaseTree;
  series: Series;
  bzImage: string;
  buildDir: string;
  /** The patched tree it was built from (kph's copy: hard links into the base, patched files replaced). */
  srcDir?: string;
  configPath: string;
  /** The final .config. */
  config: Map<string, KconfigValue>;
  /** Hunks that applied at an offset. */
  offsets: string[];
  cached: boolean;
  buildMs: number;
}

/**
 * The fragments every kernel of a series is configured from, in order (later wins): the
 * harness's, the series' own, then its debug-kernel profiles (`--kconfig`), each with its origin
 * so a dropped option names who asked for it.
 */
export function kernelFragments(series: Series): FragmentSource[] {
  return [
    { origin: 'harness base (harness/config/base.config)', text: readFileSync(baseConfigFragment, 'utf8') },
    { origin: `series ${plainSeriesLabel(series)}`, text: series.meta.config.join('\n') },
    ...profileFragments(series),
  ];
}

/**
 * Apply, configure and build (each step reused when its inputs did not change). Throws
 * ApplyError, ConfigDroppedError or BuildError for the series' faults, InfraError otherwise.
 */
export async function produceKernel(req: KernelRequest, runner: Runner): Promise<Kernel> {
  const label = seriesLabel(req.series);
  const tree = await prepareSeriesTree(req.base, req.series, { runner, cache: req.cache, logFile: join(req.logDir, 'apply.log') });
  req.onProgress?.(`${label}: building`);
  const b = await buildKernel(
    {
      base: req.base,
      series: req.series,
      srcDir: tree.dir,
      fragments: kernelFragments(req.series),
      cache: req.cache,
      logDir: req.logDir,
      jobs: req.jobs,
      onProgress: (n) => req.onProgress?.(`${label}: building (${n} objects)`),
    },
    runner,
  );
  return {
    base: req.base,
    series: req.series,
    bzImage: b.bzImage,
    buildDir: b.buildDir,
    srcDir: tree.dir,
    configPath: b.config,
    config: parseKconfig(readFileSync(b.config, 'utf8')),
    offsets: tree.offsets,
    cached: b.cached,
    buildMs: b.durationMs,
  };
}

/** The scenario's `needs.config` lines the kernel does not satisfy, as "CONFIG_X=y (got n)". Pure. */
export function missingScenarioOptions(needs: string[] | undefined, config: Map<string, KconfigValue>): string[] {
  const wanted = [...parseKconfig((needs ?? []).join('\n'))].map(([option, value]) => ({ option, value, origin: 'scenario' }));
  return findDroppedOptions(wanted, config).map((d) => `${d.option}=${d.wanted} (the kernel has ${d.got ?? 'it unset'})`);
}

/**
 * The kernel the KVM probe boots (vm/accel.ts) before `kernel` is booted: the base's unpatched
 * one when it is built (`baseline`, this run's, else the cache's), since a series' kernel that
 * hangs early would look like a KVM that does; else `kernel` itself, saying so.
 */
export function kvmProbeKernel(cache: string, kernel: Kernel, baseline?: string): { kernel: string; kernelLabel: string; name: string } {
  const b = baseline ?? cachedBaselineKernel(cache, kernel.base);
  if (b) return { kernel: b, kernelLabel: "baseline's kernel", name: "baseline's kernel" };
  const name = `${seriesLabel(kernel.series)}'s kernel`;
  return { kernel: kernel.bzImage, kernelLabel: `${name}: no baseline kernel is built yet, and a hang of its own would look the same`, name };
}

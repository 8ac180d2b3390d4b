// Debug-kernel profiles: `--kconfig PROFILE|FILE` (repeatable) on build, boot, run and
// patchcheck. A profile is a Kconfig fragment merged after the harness's and the series' own
// (harness/config/profiles/<name>.config for the built-ins, any fragment file for the user's);
// its options are checked like theirs (a dropped one is a config-error naming the profile).
// A profiled kernel is a kernel of its own: the series' id, and so its work folder, lock, build
// stamp and logs, get "+<profile>", and its label too (`ns-serial@v5+lockdep`), so it never
// reuses or overwrites the plain kernel's build and its rows are never mistaken for the plain
// series' rows. Debug kernels are slower: each profile says by how much its boot and its
// scenarios may take longer (`# kph-time-factor: boot=B scenario=S`), and the deadlines are
// scaled by the product over the profiles given.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { repoRoot } from '../core/paths.js';
import type { Series } from '../core/types.js';
import { mergeFragments, type FragmentSource } from './kconfig.js';

export const profilesDir = join(repoRoot, 'harness', 'config', 'profiles');

/** The built-in profiles, in the order the README lists them. */
export const BUILTIN_PROFILES = ['lockdep', 'kasan', 'ubsan', 'kfence', 'kmemleak'] as const;

export interface KconfigProfile {
  /** The built-in's name, or the file's name without its extension: what the label shows. */
  name: string;
  /** 'coverage': the kernel of `kph run --coverage` (coverageProfile), never given by --kconfig. */
  kind: 'builtin' | 'file' | 'coverage';
  /** What the series' id (work folder, lock, logs) gets: the name, or the file's name and a hash of its path. */
  id: string;
  /** The fragment file (absolute). */
  path: string;
  text: string;
  /** How much longer a boot and a scenario may take on this kernel (1 when the fragment does not say). */
  bootFactor: number;
  scenarioFactor: number;
}

const FACTOR = /^#\s*kph-time-factor:\s*(.*)$/m;

/**
 * A fragment's `# kph-time-factor: boot=1.8 scenario=1.55` line, or 1 and 1 without one. Either
 * key may be left out (1). Throws on a malformed line (a factor that is not a number > 0).
 */
export function parseTimeFactor(text: string): { boot: number; scenario: number } {
  const m = FACTOR.exec(text);
  const out = { boot: 1, scenario: 1 };
  if (!m) return out;
  for (const part of m[1]!.trim().split(/[\s,]+/).filter(Boolean)) {
    const kv = /^(boot|scenario)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!kv || Number(kv[2]) <= 0) throw new Error(`"${m[0].trim()}": expected boot=N and/or scenario=N with N a number above 0, got "${part}"`);
    out[kv[1] as 'boot' | 'scenario'] = Number(kv[2]);
  }
  return out;
}

const sha8 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

/** `my-debug.config` → `my-debug`: a user fragment's name in labels (only [\w.-]). */
export function fragmentName(path: string): string {
  return basename(path).replace(/\.(config|cfg|fragment|kconfig)$/, '').replace(/[^\w.-]/g, '_') || 'fragment';
}

function profile(kind: KconfigProfile['kind'], name: string, id: string, path: string, text: string): KconfigProfile {
  const where = kind === 'file' ? `kconfig fragment ${path}` : `kconfig profile ${name}`;
  let factors: { boot: number; scenario: number };
  try {
    // A line that is neither an option nor a comment is refused here, before anything is built.
    mergeFragments([{ origin: where, text }]);
    factors = parseTimeFactor(text);
  } catch (e) {
    throw new UsageError(`--kconfig ${kind === 'file' ? path : name}: ${(e as Error).message}`, {
      hint: 'A fragment holds lines such as CONFIG_X=y or "# CONFIG_X is not set", and comments.',
    });
  }
  return { name, kind, id, path, text, bootFactor: factors.boot, scenarioFactor: factors.scenario };
}

/** The names of the built-in profiles found in `dir`. */
export function listBuiltinProfiles(dir = profilesDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.config'))
    .map((f) => f.replace(/\.config$/, ''))
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}
const order = (n: string) => {
  const i = (BUILTIN_PROFILES as readonly string[]).indexOf(n);
  return i < 0 ? BUILTIN_PROFILES.length : i;
};

/**
 * Resolve `--kconfig` arguments, in order, once each: a built-in profile's name, or the path of
 * a fragment file. Usage errors (exit 2), before anything is built: an unknown name, a file
 * that does not exist, a line that is not an option.
 */
export function resolveKconfigProfiles(args: string[], opts: { dir?: string; cwd?: string } = {}): KconfigProfile[] {
  const dir = opts.dir ?? profilesDir;
  const cwd = opts.cwd ?? process.cwd();
  const builtins = listBuiltinProfiles(dir);
  const out: KconfigProfile[] = [];
  for (const arg of args) {
    let p: KconfigProfile;
    if (builtins.includes(arg)) {
      const path = join(dir, `${arg}.config`);
      p = profile('builtin', arg, arg, path, readFileSync(path, 'utf8'));
    } else {
      const path = resolve(cwd, arg);
      const looksLikePath = /[/.]/.test(arg) || existsSync(path);
      if (!looksLikePath) {
        throw new UsageError(`--kconfig ${arg}: no such profile.`, { hint: `Built-in profiles: ${builtins.join(', ')}; or give the path of a Kconfig fragment file.` });
      }
      if (!existsSync(path) || !statSync(path).isFile()) {
        throw new UsageError(`--kconfig ${arg}: ${path} is not a file.`, { hint: `Give a Kconfig fragment file, or a built-in profile: ${builtins.join(', ')}.` });
      }
      const name = fragmentName(path);
      p = profile('file', name, `file-${name}-${sha8(path)}`, path, readFileSync(path, 'utf8'));
    }
    if (!out.some((q) => q.id === p.id)) out.push(p);
  }
  return out;
}

/**
 * The series as a kernel of its own with these profiles: its id (work folder, lock, logs) and its
 * content hash get the profiles, its label (seriesLabel) shows them. No profiles: the series as is.
 */
export function withKconfig(series: Series, profiles: KconfigProfile[]): Series {
  if (!profiles.length) return series;
  const all = [...(series.kconfig ?? []), ...profiles.filter((p) => !(series.kconfig ?? []).some((q) => q.id === p.id))];
  const h = createHash('sha256').update(series.contentHash).update('\0');
  for (const p of profiles) h.update(p.id).update('\0').update(p.text).update('\0');
  return { ...series, id: `${series.id}+${profiles.map((p) => p.id).join('+')}`, contentHash: h.digest('hex'), kconfig: all };
}

/** Where a profile's lines came from, as config-error messages name it. */
export function profileOrigin(p: KconfigProfile): string {
  if (p.kind === 'coverage') return `kph run --coverage (${relative(repoRoot, p.path)})`;
  return p.kind === 'builtin' ? `kconfig profile ${p.name} (${relative(repoRoot, p.path)})` : `kconfig fragment ${p.path}`;
}

/** A profile's fragment as summary.json names it: relative to the repository, or the user's file as given. */
export function profileSource(p: KconfigProfile): string {
  return p.kind === 'file' ? p.path : relative(repoRoot, p.path);
}

export const coverageFragment = join(repoRoot, 'harness', 'config', 'coverage', 'coverage.config');

/** The profile `kph run --coverage` adds: gcov in the kernel, the series' objects profiled (coverage/objects.ts). */
export function coverageProfile(path = coverageFragment): KconfigProfile {
  return profile('coverage', 'coverage', 'coverage', path, readFileSync(path, 'utf8'));
}

/**
 * The series as its coverage kernel (`ns-serial@v5+coverage`, after any --kconfig profiles).
 * Baseline too (`baseline+coverage`: gcov in, nothing profiled, nothing measured): a run's kernels
 * then differ only by the series, so what is compared with baseline (kmemleak's leaks, a suite's
 * known failures: both matched by profiles) is compared like with like, and the series' coverage
 * kernels build from baseline's objects (ccache) instead of each from nothing.
 */
export function withCoverage(series: Series, on = true): Series {
  if (!on) return series;
  return withKconfig(series, [coverageProfile()]);
}

/** Whether the series' kernel is a coverage kernel (withCoverage). */
export function isCoverageKernel(series: Pick<Series, 'kconfig'>): boolean {
  return (series.kconfig ?? []).some((p) => p.kind === 'coverage');
}

/** Whether a run measures the series' added lines: a coverage kernel of a series with patches (not baseline's). */
export function measuresCoverage(series: Pick<Series, 'kconfig' | 'patches'>): boolean {
  return isCoverageKernel(series) && series.patches.length > 0;
}

/** The profiles' fragments, after the harness's and the series' own (later wins). */
export function profileFragments(series: Pick<Series, 'kconfig'>): FragmentSource[] {
  return (series.kconfig ?? []).map((p) => ({ origin: profileOrigin(p), text: p.text }));
}

/** How much longer boots and scenarios may take on the series' kernel: the product over its profiles. */
export function timeFactors(series: Pick<Series, 'kconfig'>): { boot: number; scenario: number } {
  let boot = 1;
  let scenario = 1;
  for (const p of series.kconfig ?? []) {
    boot *= p.bootFactor;
    scenario *= p.scenarioFactor;
  }
  return { boot: Math.round(boot * 1000) / 1000, scenario: Math.round(scenario * 1000) / 1000 };
}

/** A scenario's time (its timeoutSec, default 300 s) on a kernel with this factor, in whole seconds. */
export function scaledScenarioTimeoutSec(timeoutSec: number | undefined, factor: number): number {
  return Math.ceil((timeoutSec ?? 300) * factor);
}

/** The scenario as it runs on a profiled kernel: its time scaled (itself when the factor is 1). */
export function withScenarioFactor<S extends { timeoutSec?: number }>(scenario: S, factor: number): S {
  if (factor === 1) return scenario;
  return { ...scenario, timeoutSec: scaledScenarioTimeoutSec(scenario.timeoutSec, factor) };
}

// Where things live: the repository (bundled series, scenarios, image recipe) and the cache.
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const patchesDir = join(repoRoot, 'kernel-patches');
export const scenariosDir = join(repoRoot, 'scenarios');
export const imagesDir = join(repoRoot, 'images');
export const resultsDir = join(repoRoot, 'results');
export const baseConfigFragment = join(repoRoot, 'harness', 'config', 'base.config');

/** A (base, series) work folder in the cache: src/ (the patched tree) and build/ (O=). */
export function workDir(cache: string, base: { dir: string }, series: { id: string }): string {
  return join(cache, 'work', base.dir.split('/').pop()!, series.id);
}

/** The cache (unpacked bases, patched trees, builds, images): KPH_CACHE_DIR or ~/.cache/kph. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KPH_CACHE_DIR) return resolve(env.KPH_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'kph');
}

/**
 * `kph patchcheck`'s work folder of a (base, series): src/ holds patches 1..k in turn, build/
 * builds each step incrementally. Its own, so a patchcheck never leaves `kph build`'s tree of
 * the series cut short (nor rebuilds it).
 */
export function patchcheckWorkDir(cache: string, base: { dir: string }, series: { id: string }): string {
  return join(cache, 'work', base.dir.split('/').pop()!, 'patchcheck', series.id);
}

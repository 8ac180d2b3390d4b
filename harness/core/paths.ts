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

/** The cache (unpacked bases, patched trees, builds, images): KPH_CACHE_DIR or ~/.cache/kph. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KPH_CACHE_DIR) return resolve(env.KPH_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'kph');
}

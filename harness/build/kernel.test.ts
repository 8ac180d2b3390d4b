import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedBaselineKernel } from './kernel.js';

/** A cache folder with baseline builds: `stamp` is the build stamp's content ('' while a build runs). */
function cacheWith(builds: { base: string; stamp?: string; mtime?: number }[]): string {
  const cache = mkdtempSync(join(tmpdir(), 'kph-cached-baseline-'));
  for (const b of builds) {
    const build = join(cache, 'work', b.base, 'baseline', 'build');
    mkdirSync(join(build, 'arch/x86/boot'), { recursive: true });
    const bz = join(build, 'arch/x86/boot/bzImage');
    writeFileSync(bz, 'kernel');
    if (b.mtime) utimesSync(bz, b.mtime, b.mtime);
    if (b.stamp !== undefined) writeFileSync(join(build, '.kph-build-stamp'), b.stamp);
  }
  return cache;
}

describe('cachedBaselineKernel', () => {
  it("finds the base's baseline kernel only when its build finished (a stamp with a key)", () => {
    const cache = cacheWith([{ base: 'debian-a', stamp: 'key' }, { base: 'debian-b', stamp: '' }, { base: 'debian-c' }]);
    expect(cachedBaselineKernel(cache, { dir: '/bases/debian-a' })).toBe(join(cache, 'work/debian-a/baseline/build/arch/x86/boot/bzImage'));
    expect(cachedBaselineKernel(cache, { dir: '/bases/debian-b' })).toBeUndefined();
    expect(cachedBaselineKernel(cache, { dir: '/bases/debian-c' })).toBeUndefined();
    expect(cachedBaselineKernel(cache, { dir: '/bases/debian-none' })).toBeUndefined();
  });

  it('without a base: the newest finished baseline kernel of any base; none in an empty cache', () => {
    const cache = cacheWith([{ base: 'debian-old', stamp: 'k', mtime: 1_700_000_000 }, { base: 'debian-new', stamp: 'k', mtime: 1_800_000_000 }, { base: 'debian-building', stamp: '', mtime: 1_900_000_000 }]);
    expect(cachedBaselineKernel(cache)).toBe(join(cache, 'work/debian-new/baseline/build/arch/x86/boot/bzImage'));
    expect(cachedBaselineKernel(mkdtempSync(join(tmpdir(), 'kph-empty-cache-')))).toBeUndefined();
  });
});

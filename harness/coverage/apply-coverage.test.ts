// The coverage kernel's tree: prepareSeriesTree on a tiny base (real cp and patch, no kernel).
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverageProfile, isCoverageKernel, measuresCoverage, withCoverage } from '../config/profiles.js';
import { seriesLabel } from '../core/label.js';
import type { BaseTree, Series } from '../core/types.js';
import { prepareSeriesTree } from '../patch/apply.js';
import { realRunner } from '../process/exec.js';
import { GCOV_MARK } from './objects.js';

const patch = [
  'diff --git a/kernel/foo.c b/kernel/foo.c',
  '--- a/kernel/foo.c',
  '+++ b/kernel/foo.c',
  '@@ -1,3 +1,4 @@',
  ' int a;',
  ' int b;',
  '+int c;',
  ' int d;',
  '',
].join('\n');

function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'kph-cov-apply-'));
  const baseDir = join(root, 'bases', 'debian-x');
  mkdirSync(join(baseDir, 'kernel'), { recursive: true });
  writeFileSync(join(baseDir, 'kernel', 'Makefile'), 'obj-y = foo.o bar.o\n');
  writeFileSync(join(baseDir, 'kernel', 'foo.c'), 'int a;\nint b;\nint d;\n');
  writeFileSync(join(baseDir, 'kernel', 'bar.c'), 'int e;\n');
  const base: BaseTree = { spec: 'tree:x', version: '6.12.0', dir: baseDir, contentId: 'base-1' };
  const series: Series = { name: 'toy', revision: 'v1', id: 'toy@v1', contentHash: 'h1', patches: [{ name: '0001-foo.patch', text: patch }], meta: { title: 't', origin: '', config: [], records: {}, provides: [] }, source: null };
  return { root, cache: join(root, 'cache'), base, series };
}

describe('the coverage kernel', () => {
  it('is the series with the coverage profile: its own id, hash and label; baseline\'s too, measuring nothing', () => {
    const { series } = fixture();
    const c = withCoverage(series);
    expect(c.id).toBe('toy@v1+coverage');
    expect(seriesLabel(c)).toBe('toy@v1+coverage');
    expect(c.contentHash).not.toBe(series.contentHash);
    expect(isCoverageKernel(c)).toBe(true);
    expect(isCoverageKernel(series)).toBe(false);
    expect(measuresCoverage(c)).toBe(true);
    expect(measuresCoverage(series)).toBe(false);
    // Baseline (no patches): a coverage kernel like the series', so kmemleak and suite comparisons
    // with it are like with like; nothing of it is measured.
    const base = withCoverage({ ...series, id: 'baseline', name: 'baseline', revision: null, patches: [] });
    expect(seriesLabel(base)).toBe('baseline+coverage');
    expect(isCoverageKernel(base)).toBe(true);
    expect(measuresCoverage(base)).toBe(false);
    expect(withCoverage(series, false)).toBe(series);
    expect(coverageProfile().text).toMatch(/^CONFIG_GCOV_KERNEL=y$/m);
    expect(coverageProfile().text).toMatch(/^# CONFIG_GCOV_PROFILE_ALL is not set$/m);
    expect(coverageProfile().text).toMatch(/^CONFIG_DEBUG_FS=y$/m);
  });

  it('gets GCOV_PROFILE lines for the touched objects in a new Makefile, never written into the base', async () => {
    const { cache, base, series } = fixture();
    const c = withCoverage(series);
    const t = await prepareSeriesTree(base, c, { runner: realRunner, cache, logFile: join(cache, 'apply.log') });
    const mk = join(t.dir, 'kernel', 'Makefile');
    expect(readFileSync(mk, 'utf8')).toBe(`obj-y = foo.o bar.o\n${GCOV_MARK}\nGCOV_PROFILE_foo.o := y\n`);
    expect(readFileSync(join(base.dir, 'kernel', 'Makefile'), 'utf8')).toBe('obj-y = foo.o bar.o\n');
    // A new file, not the base's inode: the tree is hard links into the base.
    expect(statSync(mk).ino).not.toBe(statSync(join(base.dir, 'kernel', 'Makefile')).ino);
    expect(statSync(join(t.dir, 'kernel', 'bar.c')).ino).toBe(statSync(join(base.dir, 'kernel', 'bar.c')).ino);
    expect(t.changed).toEqual(['kernel/Makefile', 'kernel/foo.c']);
    expect(readFileSync(join(cache, 'apply.log'), 'utf8')).toContain('kernel/Makefile: GCOV_PROFILE_foo.o := y');
    // The plain kernel's tree of the same series has no such line.
    const plain = await prepareSeriesTree(base, series, { runner: realRunner, cache });
    expect(readFileSync(join(plain.dir, 'kernel', 'Makefile'), 'utf8')).toBe('obj-y = foo.o bar.o\n');
  });
});

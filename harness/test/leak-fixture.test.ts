// The fixture series leaks-on-unshare (64 bytes kmalloc'ed for every new network namespace and
// kept nowhere), which harness/test/e2e-debug/kmemleak.e2e.test.ts runs under --kconfig
// kmemleak: it resolves, touches only kernel/nsproxy.c, is signed off, leaks only on the
// CLONE_NEWNET path unshare-net takes, and applies to the unpacked 6.12 base in kph's cache
// (patch --dry-run on a copy of the file; skipped where no base was unpacked).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir } from '../core/paths.js';
import { touchedFiles } from '../parse/patch.js';
import { resolveSeries } from '../patch/series.js';

const dir = join(import.meta.dirname, 'fixtures', 'series', 'leaks-on-unshare');
const bases = () => {
  const b = join(cacheDir(), 'bases');
  return existsSync(b) ? readdirSync(b).filter((d) => d.startsWith('debian-')).map((d) => join(b, d)).filter((d) => existsSync(join(d, 'kernel', 'nsproxy.c'))) : [];
};

describe('fixture series leaks-on-unshare', () => {
  it('one signed-off patch to kernel/nsproxy.c: a kmalloc(64) kept nowhere, only for CLONE_NEWNET', () => {
    const s = resolveSeries(dir);
    expect(s.patches).toHaveLength(1);
    const text = s.patches[0]!.text;
    expect(touchedFiles(text)).toEqual(['kernel/nsproxy.c']);
    expect(text).toMatch(/^Signed-off-by: kph developers <kph@example.invalid>$/m);
    expect(text).toContain('+static noinline void kph_leak_netns(void)');
    expect(text).toContain('+\tchar *leak = kmalloc(64, GFP_KERNEL);');
    expect(text).toMatch(/\+\tif \(flags & CLONE_NEWNET\)\n\+\t\tkph_leak_netns\(\);/);
    // No kfree anywhere: the leak is the point.
    expect(text).not.toMatch(/^\+.*kfree/m);
    expect(s.meta.provides).toEqual([]);
    expect(s.meta.notes).toContain('kmemleak');
  });

  it.skipIf(!bases().length)('applies to the 6.12 base tree with patch -p1 (a copy of kernel/nsproxy.c)', () => {
    const work = mkdtempSync(join(tmpdir(), 'kph-leak-apply-'));
    mkdirSync(join(work, 'kernel'));
    cpSync(join(bases()[0]!, 'kernel', 'nsproxy.c'), join(work, 'kernel', 'nsproxy.c'));
    const s = resolveSeries(dir);
    const r = spawnSync('patch', ['--dry-run', '-p1', '-F0'], { cwd: work, input: s.patches[0]!.text, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/offset|fuzz/i);
  });
});

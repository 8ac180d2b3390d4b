// End to end: kph killed outright (SIGKILL, no handler runs) during a build and during a boot,
// and two kph runs on one empty cache at once. Nothing of kph's may outlive it, summary.json
// must still be valid JSON, and two runs must share one build, not race on it.
import { execa, execaSync } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../core/paths.js';
import { summarySchema } from '../../core/summary.js';

const bin = join(repoRoot, 'harness', 'cli', 'bin.mjs');
const realCache = process.env.KPH_CACHE_DIR ?? join(homedir(), '.cache', 'kph');

/**
 * An empty cache but for what costs minutes and is not under test: the unpacked base, the
 * compiler cache and the debootstrap root (so a build is ccache hits, and the image is only
 * assembled). The work folders, builds and images are new.
 */
function emptyCache(): string {
  const c = mkdtempSync(join(tmpdir(), 'kph-cache-'));
  symlinkSync(join(realCache, 'bases'), join(c, 'bases'));
  symlinkSync(join(realCache, 'ccache'), join(c, 'ccache'));
  mkdirSync(join(c, 'images'));
  // The root file system is hard-linked, not symlinked: the image is assembled by copying it.
  for (const d of readdirSync(join(realCache, 'images')).filter((f) => f.startsWith('rootfs-'))) execaSync('cp', ['-al', join(realCache, 'images', d), join(c, 'images', d)]);
  return c;
}

/** Processes whose command line contains `text` (read from ps: a pattern such as "-name kph/..." is no pgrep option). */
async function pids(text: string): Promise<string[]> {
  const r = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return r.stdout.split('\n').filter((l) => l.includes(text) && !/\bps -eo\b/.test(l));
}

async function waitFor(pattern: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await pids(pattern)).length) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

function validSummary(out: string) {
  const s = summarySchema.parse(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));
  return s;
}

describe('kph killed with SIGKILL', () => {
  it('during a build: make and its compilers die with it; summary.json is valid', async () => {
    const cache = emptyCache();
    const out = join(mkdtempSync(join(tmpdir(), 'kph-e2e-')), 'run');
    const child = execa('node', [bin, 'run', '-s', 'baseline', '--scenario', 'unshare-net', '--out', out], { cwd: repoRoot, reject: false, env: { CI: '1', KPH_CACHE_DIR: cache } });
    const building = `O=${cache}/work`;
    expect(await waitFor(building, 180_000), 'make never started').toBe(true);
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGKILL');
    await child;
    await new Promise((r) => setTimeout(r, 5000));
    expect(await pids(building)).toEqual([]);
    expect(await pids(`${cache}/work/`)).toEqual([]); // no cc1, ccache or make of that tree
    const s = validSummary(out);
    expect(s.complete).toBe(false);
    expect(s.runs).toEqual([]);
  });

  it('during a boot: QEMU dies with it; summary.json is valid', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kph-e2e-')), 'run');
    const child = execa('node', [bin, 'run', '-s', 'baseline', '--scenario', 'unshare-net', '--scenario', 'setns-loop', '--out', out], { cwd: repoRoot, reject: false, env: { CI: '1' } });
    const vm = `-name kph/${basename(out)}/`;
    expect(await waitFor(vm, 600_000), 'QEMU never started').toBe(true);
    child.kill('SIGKILL');
    await child;
    await new Promise((r) => setTimeout(r, 3000));
    expect(await pids(vm)).toEqual([]);
    expect(validSummary(out).complete).toBe(false);
  });
});

describe('two kph runs on one empty cache at once', () => {
  it('both pass, one builds and the other waits for it and uses its kernel', async () => {
    const cache = emptyCache();
    const outs = [0, 1].map(() => join(mkdtempSync(join(tmpdir(), 'kph-e2e-')), 'run'));
    const runs = await Promise.all(outs.map((out) => execa('node', [bin, 'run', '-s', 'baseline', '--scenario', 'unshare-net', '--out', out], { cwd: repoRoot, reject: false, all: true, env: { CI: '1', KPH_CACHE_DIR: cache } })));
    for (const r of runs) expect(r.exitCode, (r.all ?? '').slice(-3000)).toBe(0);
    const logs = outs.map((o) => readFileSync(join(o, 'baseline', 'build.log'), 'utf8'));
    expect(logs.filter((l) => /build stamp matches/.test(l))).toHaveLength(1);
    expect(logs.filter((l) => /\bLD\s+vmlinux\b/.test(l))).toHaveLength(1);
    expect((runs.map((r) => r.all ?? '').join('\n'))).toMatch(/waiting for .*: held by pid \d+/);
    const sums = outs.map(validSummary);
    expect(sums[0]!.series[0]!.kernel!.bzImage).toBe(sums[1]!.series[0]!.kernel!.bzImage);
    expect(existsSync(sums[0]!.series[0]!.kernel!.bzImage)).toBe(true);
  });
});

// kph patchcheck on real kernels: each prefix of a series built in patchcheck's own work tree
// (incremental, ccache), real gcc warnings and errors, real checkpatch.pl. The fixture
// breaks-at-2 must be caught at patch 2 (its patch 3 fixes the build); a bundled series
// reports every patch building with checkpatch's counts, and leaves `kph build`'s tree of the
// series as it was; with --boot each step boots and the patch that changes a format is named.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patchcheckSchema, type PatchcheckSummary } from '../../core/patchcheck.js';
import { cacheDir } from '../../core/paths.js';
import { fixtures, kph, resultsFolders } from '../e2e-helpers.js';

const results = resultsFolders('kph-e2e-patchcheck-');
const read = (dir: string): PatchcheckSummary => patchcheckSchema.parse(JSON.parse(readFileSync(join(dir, 'patchcheck.json'), 'utf8')));
const times = (s: PatchcheckSummary) => [`step 0: ${s.reference?.build.ms} ms (${s.reference?.build.compiled} objects)`, ...s.patches.map((p) => `patch ${p.index}: ${p.build.status} in ${p.build.ms} ms (${p.build.compiled} objects: ${(p.build.sources ?? []).join(' ')})`)].join('\n');

describe('kph patchcheck', () => {
  it('bad input is refused before anything is built (exit 2)', async () => {
    for (const args of [['patchcheck'], ['patchcheck', '-s', 'no-such@v1'], ['patchcheck', '-s', 'baseline'], ['patchcheck', '-s', 'a', '-s', 'b']]) {
      const r = await kph(args, 60_000);
      expect(r.code, `${args.join(' ')}\n${r.all}`).toBe(2);
      expect(r.ms).toBeLessThan(20_000);
    }
  });

  it('breaks-at-2: patch 2 is named first with the compiler error (exit 1); patch 1 adds a warning; patch 3 builds', async () => {
    const out = results.make();
    const r = await kph(['patchcheck', '-s', join(fixtures, 'series', 'breaks-at-2'), '--out', out]);
    process.stderr.write(`${r.stdout}\n`);
    expect(r.code, r.all.slice(-4000)).toBe(1);
    const s = read(out);
    process.stderr.write(`${times(s)}\n`);
    expect(s.complete).toBe(true);
    expect(s.firstBuildFailure).toBe(2);
    expect(s.patches.map((p) => p.build.status)).toEqual(['ok', 'error', 'ok']);
    expect(s.patches[1]!.build.errors.join('\n')).toMatch(/kernel\/nsproxy\.c:\d+:\d+: error: implicit declaration of function .nsproxy_in_use./);
    // The first thing the end screen says is the patch that does not build, then gcc's line.
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines[1]).toMatch(/^patch 2\/3 does not build: nsproxy: say how many nsproxies are in use when a task unshares/);
    expect(lines[2]).toMatch(/error: implicit declaration of function .nsproxy_in_use./);
    // ktest's rule against step k-1: patch 1's unused helper is a new warning, patch 3 clears it.
    expect(s.patches[0]!.warnings.new.map((w) => `${w.file}: ${w.message}`)).toEqual(["kernel/nsproxy.c: 'nsproxies_in_use' defined but not used [-Wunused-function]"]);
    expect(s.patches[2]!.warnings.new).toEqual([]);
    expect(s.patches[2]!.warnings.gone.map((w) => w.message)).toEqual(["'nsproxies_in_use' defined but not used [-Wunused-function]"]);
    // Incremental: a step recompiles kernel/nsproxy.c (and what every link redoes), not the kernel.
    for (const p of [s.patches[0]!, s.patches[2]!]) {
      expect(p.build.sources).toContain('kernel/nsproxy.c');
      expect(p.build.compiled, times(s)).toBeLessThan(15);
    }
    expect(s.patches.every((p) => p.checkpatch.errors === 0 && p.checkpatch.warnings === 0)).toBe(true);
    for (const f of ['patchcheck.json', 'report.md', 'report.html', join(s.patches[1]!.dir, 'build.log'), join(s.patches[0]!.dir, 'checkpatch.txt')]) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<table class="matrix">/);
  });

  it('proc-connector-ns@rfc-v2 --boot --scenario unshare-net: each patch builds, with its checkpatch counts; every step booted, patch 1 named as the first to change the event format; kph build\'s tree of the series is left alone', async () => {
    const out = results.make();
    const stateFile = join(cacheDir(), 'work');
    const before = kphBuildState(stateFile);
    const r = await kph(['patchcheck', '-s', 'proc-connector-ns@rfc-v2', '--boot', '--scenario', 'unshare-net', '--accel', 'tcg', '--out', out]);
    process.stderr.write(`${r.stdout}\n`);
    expect(r.code, r.all.slice(-4000)).toBe(0);
    const s = read(out);
    process.stderr.write(`${times(s)}\n`);
    expect(s.firstBuildFailure).toBeNull();
    expect(s.patches.map((p) => p.build.status)).toEqual(['ok', 'ok']);
    // What checkpatch.pl --strict of 6.12.117 says of them (run by hand on the patch files).
    expect(s.patches.map((p) => [p.checkpatch.errors, p.checkpatch.warnings, p.checkpatch.checks])).toEqual([[0, 0, 1], [0, 0, 0]]);
    expect(s.patches[0]!.checkpatch.items[0]?.level).toBe('CHECK');
    expect(r.stdout).toMatch(/all 2 patches build one by one/);
    expect(kphBuildState(stateFile)).toEqual(before);

    // --boot: the base has no namespace events, so the series' expectations fail there and pass from patch 1 on.
    expect(s.boot).toEqual({ scenarios: ['unshare-net'], firstFormatChange: 1, firstRegression: null });
    expect(s.reference!.boot).toMatchObject({ status: 'ok', verdicts: { 'unshare-net': 'fail' } });
    expect(s.patches.map((p) => p.boot?.verdicts['unshare-net'])).toEqual(['pass', 'pass']);
    expect(s.patches[0]!.boot!.formatChanges.join('\n')).toMatch(/^unshare-net: .*\bns\b/m);
    expect(s.patches[1]!.boot!.formatChanges).toEqual([]);
    // Each step's run is a results folder like kph run's, with its captures.
    for (const b of [s.reference!.boot!, ...s.patches.map((p) => p.boot!)]) {
      expect(existsSync(join(out, b.run!, 'summary.json')), b.run).toBe(true);
      expect(existsSync(join(out, b.run!, 'proc-connector-ns@rfc-v2', 'unshare-net', 'events.jsonl')), b.run).toBe(true);
    }
    expect(r.stdout).toMatch(/patch 1\/2 is the first to change a record or event format/);
  });

  it('--scenario without --boot, and an unknown scenario, are usage errors before anything is built', async () => {
    expect((await kph(['patchcheck', '-s', 'proc-connector-ns@rfc-v2', '--scenario', 'unshare-net'], 60_000)).code).toBe(2);
    const r = await kph(['patchcheck', '-s', 'proc-connector-ns@rfc-v2', '--boot', '--scenario', 'no-such-scenario'], 60_000);
    expect(r.code).toBe(2);
  });
});

/** What kph build's trees of the series hold (src.state.json, per base), so a change shows. */
function kphBuildState(workRoot: string): Record<string, string> {
  if (!existsSync(workRoot)) return {};
  const out: Record<string, string> = {};
  for (const b of readdirSync(workRoot)) {
    const f = join(workRoot, b, 'proc-connector-ns@rfc-v2', 'src.state.json');
    if (existsSync(f)) out[b] = readFileSync(f, 'utf8');
  }
  return out;
}

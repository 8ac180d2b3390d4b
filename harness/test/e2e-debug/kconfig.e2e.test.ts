// End to end on debug kernels (--kconfig): real kernels built with a profile in folders of
// their own, booted under QEMU with the profile's boot and scenario factors. ns-serial@v5 under
// lockdep passes unshare-net-serial (the debug boot of ns-serial once done by hand, now one
// command); the fixture series lock-inversion (two mutexes taken in opposite orders on
// unshare(CLONE_NEWNET) and on a fork in the new netns) is a crash verdict with lockdep's
// report under lockdep, and passes on the plain kernel; a fragment whose option does not
// survive olddefconfig is a config error naming the fragment. None may leave a QEMU behind.
//
// Cost: each profiled kernel is a whole build (lockdep: about 20 min on a loaded 2-core
// machine, with ccache cold for its flags), booted 1.8x slower than the plain kernel.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/types.js';
import { fixtures, kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const results = resultsFolders('kph-e2e-kconfig-');
const outDir = () => results.make();
const BUILD_MS = 90 * 60_000;

const failureText = (run: RunResult) => run.failures.flatMap((f) => [f.message, ...(f.excerpt ?? [])]).join('\n');

afterEach(async () => {
  expect(await results.leftoverQemus(true)).toEqual([]);
});

describe('kph run -s ns-serial@v5 --kconfig lockdep', () => {
  it('builds a lockdep kernel of its own, boots it with lockdep active and passes unshare-net-serial', async () => {
    const out = outDir();
    const r = await kph(['run', '-s', 'ns-serial@v5', '--kconfig', 'lockdep', '--scenario', 'unshare-net-serial', '--out', out], BUILD_MS);
    expect(r.code, r.all.slice(-3000)).toBe(0);
    const s = summaryOf(out);
    const run = s.runs.find((x) => x.scenario === 'unshare-net-serial')!;
    expect(run.verdict).toBe('pass');
    expect(run.kconfig).toEqual(['lockdep']);
    const entry = s.series[0]!;
    expect(entry).toMatchObject({ label: 'ns-serial@v5+lockdep', name: 'ns-serial', revision: 'v5', kconfig: [{ name: 'lockdep', source: 'harness/config/profiles/lockdep.config', bootFactor: 1.8, scenarioFactor: 1.55 }] });
    // Its own kernel: not the plain series' build folder, with the validators configured.
    expect(entry.kernel!.bzImage).toContain('/ns-serial@v5+lockdep/build/');
    const config = readFileSync(join(entry.kernel!.bzImage, '..', '..', '..', '..', '.config'), 'utf8');
    for (const o of ['CONFIG_PROVE_LOCKING=y', 'CONFIG_DEBUG_ATOMIC_SLEEP=y', 'CONFIG_PROVE_RCU=y']) expect(config).toContain(o);
    expect(config).toContain('# CONFIG_DEBUG_LOCKDEP is not set');
    // Lockdep ran, and said nothing.
    const console = readFileSync(join(out, entry.dir, 'console.log'), 'utf8');
    expect(console).toMatch(/Lock dependency validator/);
    expect(console).toMatch(/RCU lockdep checking is enabled/);
    expect(console).not.toMatch(/possible circular locking|suspicious RCU usage|sleeping function called from invalid context/);
    // The plain series' kernel is another, and still there (never overwritten).
    const plain = await kph(['build', '-s', 'ns-serial@v5'], BUILD_MS);
    expect(plain.code, plain.all.slice(-2000)).toBe(0);
    expect(plain.stdout.trim()).not.toBe(entry.kernel!.bzImage);
    expect(plain.stdout.trim()).toContain('/ns-serial@v5/build/');
  });
});

describe('a lock-order inversion (fixture series lock-inversion)', () => {
  const series = join(fixtures, 'series', 'lock-inversion');

  it('under --kconfig lockdep is a crash (exit 1) with lockdep\'s report: both locks, the unsafe scenario, the stack', async () => {
    const out = outDir();
    const r = await kph(['run', '-s', series, '--kconfig', 'lockdep', '--scenario', 'unshare-net', '--out', out], BUILD_MS);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    const s = summaryOf(out);
    expect(s.series[0]!.label).toBe('lock-inversion+lockdep');
    const run = s.runs.find((x) => x.scenario === 'unshare-net')!;
    expect(run.verdict).toBe('crash');
    expect(run.failures[0]!.code).toBe('E_SPLAT');
    expect(run.failures[0]!.message).toBe('kernel lockdep: WARNING: possible circular locking dependency detected');
    const text = failureText(run);
    expect(text).toMatch(/is trying to acquire lock:\n.*\(kph_lockinv_a\)/);
    expect(text).toMatch(/but task is already holding lock:\n.*\(kph_lockinv_b\)/);
    expect(text).toContain('*** DEADLOCK ***');
    expect(text).toMatch(/kph_lockinv_fork\+0x/);
    // Every frame of this kernel's stacks is a guess (no unwinder in tinyconfig): lockdep's, the lock's and RCU's helpers are skipped.
    expect(run.signature).toBe('lockdep: kph_lockinv_fork < copy_namespaces < copy_process');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('lock-inversion+lockdep');
  });

  it('on the plain kernel passes unshare-net: one task on each path in turn never deadlocks', async () => {
    const out = outDir();
    const r = await kph(['run', '-s', series, '--scenario', 'unshare-net', '--out', out], BUILD_MS);
    expect(r.code, r.all.slice(-3000)).toBe(0);
    const run = summaryOf(out).runs.find((x) => x.scenario === 'unshare-net')!;
    expect(run.verdict).toBe('pass');
    expect(run.kconfig).toBeUndefined();
  });
});

describe('a fragment whose option does not survive olddefconfig', () => {
  it('is a config error (exit 1) naming the option and the fragment, before anything is compiled', async () => {
    // KASAN alone on tinyconfig: KASAN "depends on !SLUB_TINY", which tinyconfig sets (the
    // built-in kasan profile unsets it).
    const dir = mkdtempSync(join(tmpdir(), 'kph-e2e-fragment-'));
    const fragment = join(dir, 'kasan-only.config');
    writeFileSync(fragment, '# KASAN without what it needs on tinyconfig\nCONFIG_KASAN=y\n');
    const r = await kph(['build', '-s', 'baseline', '--kconfig', fragment], 10 * 60_000);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    expect(r.all).toContain(`CONFIG_KASAN (from kconfig fragment ${fragment})=y (got unset)`);
    expect(r.ms).toBeLessThan(10 * 60_000);
  });
});

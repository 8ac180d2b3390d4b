// --kconfig: the built-in profiles as committed, resolving names and files (usage errors before
// anything is built), the profiled series as a kernel of its own (id, work folder, lock, label),
// the fragments' origins in config errors, and the time factors.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDirFor, buildKernel } from '../build/kernel.js';
import { ConfigDroppedError, UsageError } from '../core/errors.js';
import { kconfigNames, plainSeriesLabel, rowLabel, seriesLabel, uniqueDirNames } from '../core/label.js';
import { patchcheckWorkDir, workDir } from '../core/paths.js';
import type { BaseTree, Series } from '../core/types.js';
import { kernelFragments } from '../kernel/kernel.js';
import { seriesTreeDir, workDirLockFile } from '../patch/apply.js';
import { resolveSeries } from '../patch/series.js';
import type { Runner, RunOutput } from '../process/exec.js';
import { findDroppedOptions, mergeFragments, parseKconfig } from './kconfig.js';
import {
  BUILTIN_PROFILES,
  fragmentName,
  listBuiltinProfiles,
  parseTimeFactor,
  profileFragments,
  profilesDir,
  resolveKconfigProfiles,
  scaledScenarioTimeoutSec,
  timeFactors,
  withKconfig,
  withScenarioFactor,
} from './profiles.js';
import { bootLimits } from '../guest/guest.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kph-profiles-'));
const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-755f8c93ef87', contentId: 'base-1' };
const nsSerial = (): Series => resolveSeries('ns-serial@v5');
const lockdep = () => resolveKconfigProfiles(['lockdep']);

function usageError(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    return e as UsageError;
  }
  throw new Error('no usage error');
}

describe('the built-in profiles as committed', () => {
  it('are lockdep, kasan, ubsan, kfence and kmemleak, one fragment each', () => {
    expect(listBuiltinProfiles()).toEqual([...BUILTIN_PROFILES]);
  });
  it.each([...BUILTIN_PROFILES])('%s: only options and comments, a comment saying why before every option, a time factor', (name) => {
    const text = readFileSync(join(profilesDir, `${name}.config`), 'utf8');
    expect(() => mergeFragments([{ origin: name, text }])).not.toThrow();
    const lines = text.split('\n');
    const isOption = (l: string) => /^CONFIG_\w+=/.test(l) || /^# CONFIG_\w+ is not set$/.test(l);
    lines.forEach((l, i) => {
      if (isOption(l)) expect(lines[i - 1], `${name}.config line ${i + 1}: ${l}`).toMatch(/^# (?!CONFIG_)/);
    });
    expect(text).toMatch(/^# kph-time-factor: boot=\d+(\.\d+)? scenario=\d+(\.\d+)?$/m);
  });
  it('ask for what the issue names', () => {
    const opts = (n: string) => Object.fromEntries(parseKconfig(readFileSync(join(profilesDir, `${n}.config`), 'utf8')));
    expect(opts('lockdep')).toEqual({ CONFIG_DEBUG_KERNEL: 'y', CONFIG_PROVE_LOCKING: 'y', CONFIG_DEBUG_ATOMIC_SLEEP: 'y', CONFIG_PROVE_RCU: 'y', CONFIG_DEBUG_LOCKDEP: 'n' });
    // KASAN on x86_64 tinyconfig: SLUB_TINY must go (KASAN "depends on !SLUB_TINY"), found with olddefconfig.
    expect(opts('kasan')).toMatchObject({ CONFIG_KASAN: 'y', CONFIG_KASAN_GENERIC: 'y', CONFIG_KASAN_INLINE: 'y', CONFIG_SLUB_TINY: 'n' });
    expect(opts('ubsan')).toMatchObject({ CONFIG_UBSAN: 'y', CONFIG_UBSAN_TRAP: 'n' });
    expect(opts('kfence')).toMatchObject({ CONFIG_KFENCE: 'y' });
    expect(opts('kmemleak')).toMatchObject({ CONFIG_DEBUG_KMEMLEAK: 'y', CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF: 'n' });
  });
  it('lockdep carries the factors measured on audit-ns@rfc-v2 (boot 1.8x, scenarios 1.55x); KASAN\'s stay above its measured cost (boot 2.18x, scenarios 1.94x)', () => {
    expect(lockdep()[0]).toMatchObject({ bootFactor: 1.8, scenarioFactor: 1.55 });
    const kasan = resolveKconfigProfiles(['kasan'])[0]!;
    expect(kasan.bootFactor).toBeGreaterThan(2.18);
    expect(kasan.scenarioFactor).toBeGreaterThan(1.94);
    expect(kasan.text).toMatch(/2\.18x .* 1\.94x/s);
  });
});

describe('resolveKconfigProfiles', () => {
  it('takes built-in names and fragment files, in order, each once', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'my-debug.config'), '# mine\n# kph-time-factor: boot=2\nCONFIG_DEBUG_FS=y\n');
    const ps = resolveKconfigProfiles(['lockdep', 'my-debug.config', 'lockdep', './my-debug.config'], { cwd: dir });
    expect(ps.map((p) => [p.name, p.kind])).toEqual([
      ['lockdep', 'builtin'],
      ['my-debug', 'file'],
    ]);
    expect(ps[1]).toMatchObject({ path: join(dir, 'my-debug.config'), bootFactor: 2, scenarioFactor: 1 });
    expect(ps[1]!.id).toMatch(/^file-my-debug-[0-9a-f]{8}$/);
  });
  it('an unknown profile name is a usage error naming the built-ins', () => {
    const e = usageError(() => resolveKconfigProfiles(['lockdp']));
    expect(e.message).toMatch(/--kconfig lockdp: no such profile/);
    expect(e.hint).toContain('lockdep, kasan, ubsan, kfence, kmemleak');
  });
  it('a fragment file that does not exist is a usage error', () => {
    expect(usageError(() => resolveKconfigProfiles(['nope.config'], { cwd: tmp() })).message).toMatch(/--kconfig nope\.config: .*nope\.config is not a file/);
    expect(usageError(() => resolveKconfigProfiles(['some/dir/x'], { cwd: tmp() })).message).toMatch(/is not a file/);
  });
  it('a directory, a line that is not an option, a bad time factor: usage errors', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'frag.d'));
    expect(usageError(() => resolveKconfigProfiles(['frag.d'], { cwd: dir })).message).toMatch(/is not a file/);
    writeFileSync(join(dir, 'bad.config'), 'CONFIG_A=y\nKASAN please\n');
    expect(usageError(() => resolveKconfigProfiles(['bad.config'], { cwd: dir })).message).toMatch(/line 2 is not a Kconfig option/);
    writeFileSync(join(dir, 'slow.config'), '# kph-time-factor: boot=fast\nCONFIG_A=y\n');
    expect(usageError(() => resolveKconfigProfiles(['slow.config'], { cwd: dir })).message).toMatch(/boot=N/);
  });
});

describe('parseTimeFactor and fragmentName', () => {
  it('reads boot and scenario factors, 1 for what is not said', () => {
    expect(parseTimeFactor('CONFIG_A=y\n')).toEqual({ boot: 1, scenario: 1 });
    expect(parseTimeFactor('# kph-time-factor: boot=1.8 scenario=1.55\n')).toEqual({ boot: 1.8, scenario: 1.55 });
    expect(parseTimeFactor('#kph-time-factor: scenario=3')).toEqual({ boot: 1, scenario: 3 });
    expect(() => parseTimeFactor('# kph-time-factor: boot=0')).toThrow(/above 0/);
    expect(() => parseTimeFactor('# kph-time-factor: cpu=2')).toThrow();
  });
  it('names a file by its base name without the extension, only [\\w.-]', () => {
    expect(fragmentName('/x/my debug.config')).toBe('my_debug');
    expect(fragmentName('/x/extra.cfg')).toBe('extra');
    expect(fragmentName('/x/kasan-extra')).toBe('kasan-extra');
  });
});

describe('a profiled series is a kernel of its own', () => {
  const plain = nsSerial();
  const profiled = withKconfig(plain, lockdep());
  it('labels: ns-serial@v5+lockdep, the plain label for baselines, names in rows', () => {
    expect(seriesLabel(profiled)).toBe('ns-serial@v5+lockdep');
    expect(seriesLabel(withKconfig(resolveSeries('baseline'), resolveKconfigProfiles(['lockdep', 'kasan'])))).toBe('baseline+lockdep+kasan');
    expect(plainSeriesLabel(profiled)).toBe('ns-serial@v5');
    expect(kconfigNames(profiled)).toEqual(['lockdep']);
    expect(kconfigNames(plain)).toBeUndefined();
    expect(rowLabel({ series: 'ns-serial', revision: 'v5', kconfig: ['lockdep'] })).toBe('ns-serial@v5+lockdep');
    expect(rowLabel({ series: 'ns-serial', revision: 'v5' })).toBe('ns-serial@v5');
    // Its results folder is not the plain series'.
    expect(uniqueDirNames([seriesLabel(plain), seriesLabel(profiled)])).toEqual(['ns-serial@v5', 'ns-serial@v5_lockdep']);
  });
  it('its id, content hash, work folder, tree, build folder, lock and patchcheck folder differ from the plain series\'', () => {
    expect(withKconfig(plain, [])).toBe(plain);
    expect(profiled.id).toBe('ns-serial@v5+lockdep');
    expect(profiled.contentHash).not.toBe(plain.contentHash);
    expect(profiled.patches).toBe(plain.patches);
    const cache = '/cache';
    expect(workDir(cache, base, profiled)).toBe('/cache/work/debian-755f8c93ef87/ns-serial@v5+lockdep');
    expect(workDir(cache, base, profiled)).not.toBe(workDir(cache, base, plain));
    expect(seriesTreeDir(cache, base, profiled)).not.toBe(seriesTreeDir(cache, base, plain));
    expect(buildDirFor(cache, base, profiled)).not.toBe(buildDirFor(cache, base, plain));
    expect(workDirLockFile(cache, base, profiled)).toBe(`${workDir(cache, base, profiled)}.lock`);
    expect(workDirLockFile(cache, base, profiled)).not.toBe(workDirLockFile(cache, base, plain));
    expect(patchcheckWorkDir(cache, base, profiled)).not.toBe(patchcheckWorkDir(cache, base, plain));
    // Two profiles in another order are another kernel (the later fragment wins a conflict).
    expect(withKconfig(plain, resolveKconfigProfiles(['kasan', 'lockdep'])).id).toBe('ns-serial@v5+kasan+lockdep');
  });
  it('is configured from the harness\'s, the series\' and then the profile\'s fragment, each with its origin', () => {
    const f = kernelFragments(profiled);
    expect(f.map((x) => x.origin)).toEqual(['harness base (harness/config/base.config)', 'series ns-serial@v5', 'kconfig profile lockdep (harness/config/profiles/lockdep.config)']);
    expect(kernelFragments(plain)).toHaveLength(2);
    expect(profileFragments(plain)).toEqual([]);
  });
  it('an option of the profile that olddefconfig dropped names the profile', () => {
    const merged = mergeFragments(kernelFragments(profiled));
    const final = new Map([...merged.options.map((o) => [o.option, o.value] as [string, string])]);
    final.delete('CONFIG_PROVE_RCU');
    expect(findDroppedOptions(merged.options, final)).toEqual([{ option: 'CONFIG_PROVE_RCU', wanted: 'y', got: null, origin: 'kconfig profile lockdep (harness/config/profiles/lockdep.config)' }]);
  });
});

describe('buildKernel with a profile whose option does not survive', () => {
  it('is a config error (exit 1) naming the option and the profile, before make bzImage', async () => {
    const cache = tmp();
    const profiled = withKconfig(nsSerial(), lockdep());
    const calls: string[] = [];
    const ok = (command: string): RunOutput => ({ command, exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 1 });
    const runner: Runner = {
      async run(file, args) {
        calls.push([file, ...args.filter((a) => !a.startsWith('CC=') && !a.startsWith('HOSTCC='))].join(' '));
        if (file === 'make' && args.includes('olddefconfig')) {
          // What olddefconfig left: everything asked for but PROVE_LOCKING (its dependencies "not met").
          const o = args.find((a) => a.startsWith('O='))!.slice(2);
          const asked = readFileSync(join(o, 'kph.fragment.config'), 'utf8');
          writeFileSync(join(o, '.config'), asked.replace('CONFIG_PROVE_LOCKING=y\n', '# CONFIG_PROVE_LOCKING is not set\n'));
        }
        return ok(file);
      },
      spawn() {
        throw new Error('make bzImage must not run');
      },
    };
    const err = await buildKernel({ base, series: profiled, srcDir: '/src', fragments: kernelFragments(profiled), cache, logDir: join(cache, 'logs') }, runner).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigDroppedError);
    expect((err as ConfigDroppedError).exitCode).toBe(1);
    expect((err as Error).message).toContain('CONFIG_PROVE_LOCKING (from kconfig profile lockdep (harness/config/profiles/lockdep.config))=y (got n)');
    // Configured in the profiled kernel's own build folder.
    expect(calls.some((c) => c.includes(`O=${buildDirFor(cache, base, profiled)}`))).toBe(true);
    expect(buildDirFor(cache, base, profiled)).toContain('ns-serial@v5+lockdep');
    // The fragment asked for holds the profile's options after the series' own.
    const fragment = readFileSync(join(buildDirFor(cache, base, profiled), 'kph.fragment.config'), 'utf8');
    expect(fragment).toContain('CONFIG_PROVE_LOCKING=y');
    expect(fragment).toContain('# CONFIG_DEBUG_LOCKDEP is not set');
  });
});

describe('time factors', () => {
  it('multiply over the profiles; none is 1', () => {
    expect(timeFactors(nsSerial())).toEqual({ boot: 1, scenario: 1 });
    expect(timeFactors(withKconfig(nsSerial(), lockdep()))).toEqual({ boot: 1.8, scenario: 1.55 });
    const both = withKconfig(nsSerial(), resolveKconfigProfiles(['lockdep', 'kasan']));
    expect(timeFactors(both).boot).toBeCloseTo(1.8 * resolveKconfigProfiles(['kasan'])[0]!.bootFactor);
  });
  it('scale a scenario\'s time (default 300 s), up to whole seconds, and leave the scenario alone at 1', () => {
    expect(scaledScenarioTimeoutSec(60, 1.55)).toBe(93);
    expect(scaledScenarioTimeoutSec(undefined, 1.55)).toBe(465);
    const s = { name: 'x', timeoutSec: 60, expect: () => [] };
    expect(withScenarioFactor(s, 1)).toBe(s);
    const t = withScenarioFactor(s, 1.55);
    expect(t).toMatchObject({ name: 'x', timeoutSec: 93 });
    expect(t.expect).toBe(s.expect);
    expect(s.timeoutSec).toBe(60);
  });
  it('scale the default boot deadline and the console-silence limit, never a --boot-timeout', () => {
    expect(bootLimits({ accel: 'tcg' })).toEqual({ deadlineMs: 180_000, silenceMs: 60_000 });
    expect(bootLimits({ accel: 'tcg', timeFactor: 1.8 })).toEqual({ deadlineMs: 324_000, silenceMs: 108_000 });
    expect(bootLimits({ accel: 'kvm', timeFactor: 2 })).toEqual({ deadlineMs: 120_000, silenceMs: 60_000 });
    expect(bootLimits({ accel: 'tcg', timeFactor: 1.8, bootTimeoutMs: 90_000 })).toEqual({ deadlineMs: 90_000, silenceMs: 108_000 });
  });
});

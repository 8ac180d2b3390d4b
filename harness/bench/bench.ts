// The repository's benchmark: how long a kernel developer waits, each figure beside its floor
// or peer measured in the same run (this machine is noisy: compare ratios, not seconds).
//   cold   `kph run --series baseline` with an empty cache (unpack, debootstrap, full build)
//   warm   the same run again with nothing changed (no rebuild), beside the sum of the time its
//          scenarios' scripts ran in the guest (what is left is kph's and the capture's)
//   boot   boot-to-SSH, median of several `kph boot --command true`, each boot followed by the
//          floors: the same kernel and image to their first userspace line through kph's QEMU
//          arguments and through QEMU with the plainest arguments (bench/floor.ts)
//   setns  the setns loop's rate with audit rules and the listener (the scenario) beside the
//          same loop with neither (kph boot --command): the capture's own cost
//   edit   (--edit) a copy of proc-connector-ns@rfc-v2: one added .c line changed, then one
//          added header line, each timed from the edit to the verdict of one scenario
//   profiles (--profiles kmemleak,coverage,...) baseline built whole (an empty compiler cache)
//          plain and then under each debug profile (`coverage`: kph's --coverage kernel), each
//          beside the plain one: build time, boot-to-SSH (median of 3) and the time of four
//          scenarios (PROFILE_SCENARIOS, one run) as ratios, with the scenarios' verdicts
// Usage: npm run bench [-- --cold] [-- --edit] [-- --boots 5] [-- --boots-only]
//        [-- --profiles kmemleak,coverage];
// writes results/bench-<time>.json.
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, patchesDir, repoRoot, resultsDir } from '../core/paths.js';
import type { Summary } from '../core/types.js';
import { ensureGuestImage } from '../image/guest.js';
import { realRunner } from '../process/exec.js';
import { chooseAccel } from '../vm/accel.js';
import { editAddedLine } from './edit.js';
import { floorBootKph, floorBootPlain } from './floor.js';

const bin = join(repoRoot, 'harness', 'cli', 'bin.mjs');
/** Run under each profile of --profiles: namespaces made and joined, a clone loop, a setns loop. */
const PROFILE_SCENARIOS = ['unshare-net', 'nsenter', 'clone-flags', 'setns-loop'];
const args = process.argv.slice(2);
const cold = args.includes('--cold');
const boots = Number(args[args.indexOf('--boots') + 1] ?? 3) || 3;
// --boots-only: just the boot figures (no warm run), e.g. while comparing boot changes.
const bootsOnly = args.includes('--boots-only');
const edit = args.includes('--edit');
const profiles = args.includes('--profiles') ? (args[args.indexOf('--profiles') + 1] ?? '').split(',').filter(Boolean) : [];
if (args.includes('--profiles') && !profiles.length) {
  process.stderr.write('bench: --profiles needs a list, e.g. --profiles kmemleak,coverage\n');
  process.exit(2);
}

async function kph(argv: string[], env: Record<string, string> = {}) {
  const t = Date.now();
  const r = await execa('node', [bin, ...argv], { reject: false, env: { CI: '1', ...env }, all: true });
  return { code: r.exitCode, ms: Date.now() - t, out: r.all ?? '', stdout: r.stdout };
}

function summary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

const figures: Record<string, unknown> = { at: new Date().toISOString() };
if (cold && !bootsOnly) {
  const cache = mkdtempSync(join(tmpdir(), 'kph-bench-cache-'));
  const out = mkdtempSync(join(tmpdir(), 'kph-bench-'));
  const r = await kph(['run', '--series', 'baseline', '--out', out], { KPH_CACHE_DIR: cache });
  figures.coldRunMs = r.ms;
  figures.coldExit = r.code;
  figures.coldBuildMs = summary(out).runs[0]?.durationsMs.build;
  rmSync(cache, { recursive: true, force: true });
}
if (!bootsOnly) {
  const out = mkdtempSync(join(tmpdir(), 'kph-bench-'));
  await kph(['run', '--series', 'baseline', '--out', out]); // make sure it is built
  const out2 = mkdtempSync(join(tmpdir(), 'kph-bench-'));
  const r = await kph(['run', '--series', 'baseline', '--out', out2]);
  const s = summary(out2);
  figures.warmRunMs = r.ms;
  figures.warmExit = r.code;
  figures.accel = s.accel;
  const loop = s.runs.find((x) => x.scenario === 'setns-loop');
  figures.setnsPerSec = loop?.metrics?.setnsPerSec;
  figures.setnsN = 1000;
  // What the scenarios' scripts took in the guest (their duration-ms): the rest is kph's.
  let guestMs = 0;
  for (const row of s.runs) {
    const f = join(out2, row.dir, 'guest', 'duration-ms');
    if (existsSync(f)) guestMs += Number(readFileSync(f, 'utf8').trim()) || 0;
  }
  figures.warmGuestScriptMs = guestMs;
  figures.warmRunPerGuestScript = Number((r.ms / guestMs).toFixed(2));
  // The same loop with no audit rule and no listener.
  const bare = await kph(['boot', '--series', 'baseline', '--command', 'kph-setns-loop -n 1000 -t net']);
  const m = /"per_sec":\s*([\d.]+)/.exec(bare.stdout);
  figures.setnsBarePerSec = m ? Number(m[1]) : undefined;
  if (m && typeof figures.setnsPerSec === 'number') figures.setnsCapturedPerBare = Number(((figures.setnsPerSec as number) / Number(m[1])).toFixed(3));
}

if (edit) {
  // A copy of a bundled series as a patch directory at a fixed path (its work tree stays
  // between benchmarks): put back as bundled first, built and run once (not timed).
  const dir = join(cacheDir(), 'bench', 'edit-proc-connector-ns-rfc-v2');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(cacheDir(), 'bench'), { recursive: true });
  cpSync(join(patchesDir, 'proc-connector-ns', 'rfc-v2'), dir, { recursive: true });
  const runOnce = async () => {
    const out = mkdtempSync(join(tmpdir(), 'kph-bench-edit-'));
    const r = await kph(['run', '--series', dir, '--scenario', 'unshare-net', '--out', out]);
    const row = summary(out).runs[0];
    return { ms: r.ms, exit: r.code, verdict: row?.verdict, buildMs: row?.durationsMs.build };
  };
  const prime = await runOnce();
  const editOne = async (file: RegExp) => {
    const patch = readdirSync(dir).filter((f) => f.endsWith('.patch')).sort()[0]!;
    const e = editAddedLine(readFileSync(join(dir, patch), 'utf8'), file, `kph-bench ${Date.now()}`);
    if (!e) return { error: `no added statement in ${file}` };
    writeFileSync(join(dir, patch), e.text);
    return { file: e.file, ...(await runOnce()) };
  };
  figures.edit = { series: 'proc-connector-ns@rfc-v2 (a copy)', scenario: 'unshare-net', prime, cLine: await editOne(/\.c$/), headerLine: await editOne(/^include\/linux\/cn_proc\.h$/) };
}

if (profiles.length) {
  // Each kernel a whole build: a cache of its own with the unpacked base and the guest image
  // shared (read only) and the compiler cache empty, so plain and profile build from nothing alike.
  const cache = mkdtempSync(join(tmpdir(), 'kph-bench-profiles-'));
  for (const d of ['bases', 'images']) symlinkSync(join(cacheDir(), d), join(cache, d));
  const env = { KPH_CACHE_DIR: cache };
  /** What a profile's `scenario` time factor (profiles.ts) scales: these scenarios' own time. */
  const scenarioTime = async (extra: string[]) => {
    const out = mkdtempSync(join(tmpdir(), 'kph-bench-profile-run-'));
    const r = await kph(['run', '--series', 'baseline', ...extra, ...PROFILE_SCENARIOS.flatMap((s) => ['--scenario', s]), '--out', out], env);
    const rows = existsSync(join(out, 'summary.json')) ? summary(out).runs : [];
    rmSync(out, { recursive: true, force: true });
    return { ms: rows.reduce((a, row) => a + row.durationsMs.scenario, 0), exit: r.code, verdicts: Object.fromEntries(rows.map((row) => [row.scenario, row.verdict])) };
  };
  const measure = async (extra: string[]) => {
    const b = await kph(['build', '--series', 'baseline', ...extra], env);
    if (b.code !== 0) return { error: b.out.slice(-2000) };
    const ms: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await kph(['boot', '--series', 'baseline', ...extra, '--command', 'true'], env);
      const m = /guest answered in ([\d.]+) s/.exec(r.out);
      if (m) ms.push(Number(m[1]) * 1000);
    }
    return { buildMs: b.ms, bootToSshMs: { runs: ms, median: [...ms].sort((a, c) => a - c)[Math.floor(ms.length / 2)] }, scenarios: await scenarioTime(extra) };
  };
  const plain = await measure([]);
  const out: Record<string, unknown> = { plain };
  for (const p of profiles) {
    const m = await measure(p === 'coverage' ? ['--coverage'] : ['--kconfig', p]);
    const ratio = (a?: number, b?: number) => (a && b ? Number((a / b).toFixed(2)) : undefined);
    out[p] = 'error' in m || 'error' in plain ? m : { ...m, buildPerPlain: ratio(m.buildMs, plain.buildMs), bootPerPlain: ratio(m.bootToSshMs.median, plain.bootToSshMs.median), scenariosPerPlain: ratio(m.scenarios.ms, plain.scenarios.ms) };
  }
  figures.profiles = out;
  rmSync(cache, { recursive: true, force: true });
}

const bootTimes: number[] = [];
const phaseRuns: Record<string, number[]> = {};
const floorKph: number[] = [];
const floorPlain: number[] = [];
const built = await kph(['build', '--series', 'baseline']);
const kernel = built.stdout.trim().split('\n').pop() ?? '';
const image = await ensureGuestImage({ runner: realRunner, cache: cacheDir(), log: () => undefined });
const accel = (await chooseAccel({ runner: realRunner, want: 'auto', kernel })).accel;
for (let i = 0; i < boots; i++) {
  // In turns, so that the machine's mood weighs on all three alike.
  const r = await kph(['boot', '--series', 'baseline', '--command', 'true']);
  const m = /guest answered in ([\d.]+) s: ([^(]*) \(/.exec(r.out);
  if (m) {
    bootTimes.push(Number(m[1]) * 1000);
    for (const part of m[2]!.split(', ')) {
      const pm = /^(.+) ([\d.]+) s$/.exec(part);
      if (pm) (phaseRuns[pm[1]!] ??= []).push(Number(pm[2]) * 1000);
    }
  }
  const fk = await floorBootKph({ runner: realRunner, kernel, image: image.image, accel });
  if (fk.ms !== undefined) floorKph.push(fk.ms);
  const fp = await floorBootPlain({ kernel, image: image.image, accel });
  if (fp.ms !== undefined) floorPlain.push(fp.ms);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
figures.bootToSshMs = { runs: bootTimes, median: median(bootTimes) };
figures.bootPhasesMedianMs = Object.fromEntries(Object.entries(phaseRuns).map(([k, xs]) => [k, median(xs)]));
figures.floorKphArgsMs = { runs: floorKph, median: median(floorKph) };
figures.floorPlainQemuMs = { runs: floorPlain, median: median(floorPlain) };
if (bootTimes.length && floorKph.length) figures.bootToSshPerFloor = Number((median(bootTimes)! / median(floorKph)!).toFixed(2));
if (floorKph.length && floorPlain.length) figures.floorKphPerPlain = Number((median(floorKph)! / median(floorPlain)!).toFixed(2));
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(figures, null, 2) + '\n');
process.stdout.write(JSON.stringify(figures, null, 2) + `\nwritten to ${file}\n`);

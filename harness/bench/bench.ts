// The repository's benchmark: how long a kernel developer waits. Runs the real CLI and reports
//   cold   `kph run --series baseline` with an empty cache (unpack, debootstrap, full build)
//   warm   the same run again with nothing changed (no rebuild; must stay under 60 s on TCG)
//   boot   boot-to-SSH, median of several `kph boot --command true`
//   setns  the setns loop's rate (calls per second with audit and the listener on)
// Usage: npm run bench [-- --cold] [-- --boots 5]; writes results/bench-<time>.json.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, resultsDir } from '../core/paths.js';
import type { Summary } from '../core/types.js';

const bin = join(repoRoot, 'harness', 'cli', 'bin.mjs');
const args = process.argv.slice(2);
const cold = args.includes('--cold');
const boots = Number(args[args.indexOf('--boots') + 1] ?? 3) || 3;
// --boots-only: just the boot figures (no warm run), e.g. while comparing boot changes.
const bootsOnly = args.includes('--boots-only');

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
}
const bootTimes: number[] = [];
const phaseRuns: Record<string, number[]> = {};
for (let i = 0; i < boots; i++) {
  const r = await kph(['boot', '--series', 'baseline', '--command', 'true']);
  const m = /guest answered in ([\d.]+) s: ([^(]*) \(/.exec(r.out);
  if (!m) continue;
  bootTimes.push(Number(m[1]) * 1000);
  for (const part of m[2]!.split(', ')) {
    const pm = /^(.+) ([\d.]+) s$/.exec(part);
    if (pm) (phaseRuns[pm[1]!] ??= []).push(Number(pm[2]) * 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
figures.bootToSshMs = { runs: bootTimes, median: median(bootTimes) };
figures.bootPhasesMedianMs = Object.fromEntries(Object.entries(phaseRuns).map(([k, xs]) => [k, median(xs)]));
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(figures, null, 2) + '\n');
process.stdout.write(JSON.stringify(figures, null, 2) + `\nwritten to ${file}\n`);

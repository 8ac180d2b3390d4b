// The coverage kernel's counters: read from the guest before each of its boots ends, placed
// beside copies of the build's .gcno files, turned into lcov tracefiles by lcov itself, and
// measured against the series' added lines (coverage/report.ts).
//
// In the guest, gcov's counters are /sys/kernel/debug/gcov/<path of the object when it was
// built>.gcda: seq_file pseudo files that `tar` and `cp` may read as empty
// (Documentation/dev-tools/gcov.rst, "Files copied from sysfs appear empty"), so each is read
// with `cat` into a temporary folder, and that folder goes back as a tar on stdout.
//
// On the host each .gcda goes beside a copy of its .gcno in a folder of the boot's own (not into
// the build folder, which every run of this kernel shares), and `lcov --capture` (geninfo, which
// runs gcov) reads them: the .gcno records the build's working directory, so lcov names the
// sources by their paths in the patched tree.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as tar from 'tar';
import type { SeriesCoverage } from '../core/summary.js';
import type { PatchFile } from '../core/types.js';
import type { Runner } from '../process/exec.js';
import { attributeSeries } from './diff.js';
import { mergeLcov, parseLcov, relativeTo, renderLcov, scenariosByLine, type Snapshot } from './lcov.js';
import { planGcovProfiling, type TreeReader } from './objects.js';
import { seriesCoverage } from './report.js';
import { touchedFiles } from '../parse/patch.js';

export const GCOV_DEBUGFS = '/sys/kernel/debug/gcov';

/** The guest command: every .gcda under debugfs's gcov folder, read with cat, as a tar on stdout. */
export function collectCommand(root = GCOV_DEBUGFS): string {
  return [
    'set -e',
    `[ -d ${root} ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true`,
    `[ -d ${root} ] || { echo "no ${root}: is the kernel built with CONFIG_GCOV_KERNEL?" >&2; exit 3; }`,
    't=$(mktemp -d /tmp/kph-gcov.XXXXXX)',
    `cd ${root}`,
    'find . -name "*.gcda" | while IFS= read -r f; do mkdir -p "$t/${f%/*}"; cat "$f" > "$t/$f"; done',
    'tar -C "$t" -cf - .',
    'rm -rf "$t"',
  ].join('\n');
}

/**
 * The build-folder-relative name (`kernel/nsproxy.gcda`) of a counter file found at `path` in
 * the gcov folder (`root/.cache/kph/work/debian-x/s+coverage/build/kernel/nsproxy.gcda`): the
 * path below the build folder when it is there, else the longest tail whose .gcno the build
 * has (the object's path as the compiler saw it may differ from the host's by a symlink). Null
 * when no .gcno matches. Pure.
 */
export function gcdaTarget(path: string, buildDir: string, hasGcno: (rel: string) => boolean): string | null {
  const abs = '/' + path.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  if (!abs.endsWith('.gcda')) return null;
  const gcno = (rel: string) => hasGcno(rel.replace(/\.gcda$/, '.gcno'));
  const prefix = buildDir.replace(/\/+$/, '') + '/';
  if (abs.startsWith(prefix) && gcno(abs.slice(prefix.length))) return abs.slice(prefix.length);
  const parts = abs.slice(1).split('/');
  for (let i = 0; i < parts.length; i++) {
    const rel = parts.slice(i).join('/');
    if (gcno(rel)) return rel;
  }
  return null;
}

export interface GuestExec {
  exec(command: string, opts?: { timeoutMs?: number }): Promise<{ code: number; stdoutBytes: Buffer; stderr: string }>;
}

/**
 * Read one boot's counters into `dir`: `dir/data/<build-relative>.gcda` beside a copy of the
 * `.gcno`. Returns how many counter files matched the build; throws when the guest could not
 * give them.
 */
export async function collectBootCounters(session: GuestExec, o: { buildDir: string; dir: string; timeoutMs?: number; root?: string }): Promise<{ files: number; unmatched: string[] }> {
  const r = await session.exec(collectCommand(o.root), { timeoutMs: o.timeoutMs ?? 60_000 });
  if (r.code !== 0) throw new Error(`reading the gcov counters in the guest failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const raw = join(o.dir, 'debugfs');
  rmSync(raw, { recursive: true, force: true });
  mkdirSync(raw, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const x = tar.x({ cwd: raw });
    x.on('finish', () => resolve());
    x.on('error', reject);
    x.end(r.stdoutBytes);
  });
  const data = join(o.dir, 'data');
  let files = 0;
  const unmatched: string[] = [];
  for (const f of readdirSync(raw, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.gcda')) continue;
    const rel = gcdaTarget(f, o.buildDir, (g) => existsSync(join(o.buildDir, g)));
    if (!rel) {
      unmatched.push(f);
      continue;
    }
    mkdirSync(dirname(join(data, rel)), { recursive: true });
    copyFileSync(join(raw, f), join(data, rel));
    copyFileSync(join(o.buildDir, rel.replace(/\.gcda$/, '.gcno')), join(data, rel.replace(/\.gcda$/, '.gcno')));
    files++;
  }
  rmSync(raw, { recursive: true, force: true });
  return { files, unmatched };
}

/** `lcov --capture` over one boot's counters (gcov from the same gcc as the build). */
export async function lcovCapture(runner: Runner, dataDir: string, infoFile: string, logFile?: string): Promise<void> {
  const r = await runner.run('lcov', ['--quiet', '--capture', '--directory', dataDir, '--output-file', infoFile], { allowFailure: true, timeoutMs: 10 * 60_000, ...(logFile ? { logFile } : {}) });
  if (r.exitCode !== 0 || !existsSync(infoFile)) {
    throw new Error(`lcov --capture failed (exit ${r.exitCode})${logFile ? `: see ${logFile}` : `: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`}`);
  }
}

export interface MeasureRequest {
  runner: Runner;
  label: string;
  patches: readonly PatchFile[];
  /** The read-only base tree, the series' patched tree (as built), and its build folder. */
  baseDir: string;
  srcDir: string;
  buildDir: string;
  /** Each boot's folder that collectBootCounters filled. */
  bootDirs: string[];
  /** Boots whose counters were lost (the guest was gone before they were read). */
  lost: number;
  /**
   * The counters read after the boot and after each scenario (collectBootCounters folders), in
   * order, to say which scenario ran which line.
   */
  snapshots?: { boot: string; scenario: string; dir: string }[];
  notes?: string[];
  /** The series' tracefile (coverage.info) and the results folder it is named relative to. */
  infoFile: string;
  outDir: string;
}

const reader = (root: string) => (p: string) => (existsSync(join(root, p)) ? readFileSync(join(root, p), 'utf8') : null);

function treeReader(root: string): TreeReader {
  return {
    exists: (p) => existsSync(join(root, p)),
    read: reader(root),
    list: (d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)) : []),
  };
}

/** lcov over every boot, added up, against the lines the series adds: the series' coverage and its coverage.info. */
export async function measureCoverage(req: MeasureRequest): Promise<SeriesCoverage> {
  const sets = [];
  let collected = 0;
  for (const dir of req.bootDirs) {
    if (!existsSync(join(dir, 'data'))) continue;
    collected++;
    const info = join(dir, 'boot.info');
    await lcovCapture(req.runner, join(dir, 'data'), info, join(dir, 'lcov.log'));
    sets.push(parseLcov(readFileSync(info, 'utf8')));
  }
  const merged = mergeLcov(...sets).values();
  const roots = [...new Set([req.srcDir, existsSync(req.srcDir) ? realpathSync(req.srcDir) : req.srcDir])];
  const all = [...merged];
  const files = roots.flatMap((r) => relativeTo(all, r));
  const data = mergeLcov(files);
  const attribution = attributeSeries(
    req.patches.map((p) => p.text),
    reader(req.baseDir),
    reader(req.srcDir),
  );
  const touchedC = [...new Set(req.patches.flatMap((p) => touchedFiles(p.text)))].filter((f) => f.endsWith('.c'));
  const plan = planGcovProfiling(touchedC, treeReader(req.srcDir));
  const objects = [...new Set([...plan.objects.values()].flat())].sort();
  let reachedBy: Map<string, string[]> | undefined;
  let scenarioOrder: string[] | undefined;
  if (req.snapshots?.length) {
    const snaps: Snapshot[] = [];
    for (const s of req.snapshots) {
      if (!existsSync(join(s.dir, 'data'))) continue;
      const info = join(s.dir, 'boot.info');
      await lcovCapture(req.runner, join(s.dir, 'data'), info, join(s.dir, 'lcov.log'));
      const parsed = parseLcov(readFileSync(info, 'utf8'));
      snaps.push({ boot: s.boot, scenario: s.scenario, files: roots.flatMap((r) => relativeTo(parsed, r)) });
    }
    reachedBy = scenariosByLine(snaps);
    scenarioOrder = [...new Set(snaps.map((x) => x.scenario))];
  }
  const cov = seriesCoverage({ patches: req.patches, attribution, data, objects, notProfiled: plan.skipped, ...(reachedBy ? { reachedBy, scenarioOrder } : {}) });
  mkdirSync(dirname(req.infoFile), { recursive: true });
  writeFileSync(req.infoFile, renderLcov(data.values(), req.label.replace(/[^A-Za-z0-9_]/g, '_')));
  const notes = [...(req.notes ?? [])];
  if (!collected) notes.push('no boot of this kernel left counters to read');
  return { ...cov, lcov: relative(req.outDir, req.infoFile), boots: { collected, lost: req.lost }, ...(notes.length ? { notes } : {}) };
}

// Apply a series to a per-(base, series) copy of the base tree. The copy is made once with hard
// links; afterwards only files whose content changes are rewritten, so mtimes of everything
// else survive and a changed patch rebuilds incrementally.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApplyError } from '../core/errors.js';
import type { BaseTree, Series } from '../core/types.js';
import { parsePatchOutput, touchedFiles } from '../parse/patch.js';
import { assertPatchPathsSafe } from './series.js';
import type { Runner } from '../process/exec.js';
import { workDir } from '../core/paths.js';
import { seriesLabel } from '../core/label.js';
import { withLock } from '../process/lock.js';
import { isCoverageKernel } from '../config/profiles.js';
import { planGcovProfiling, withGcovLines, type TreeReader } from '../coverage/objects.js';

export { workDir };

interface TreeState {
  baseContentId: string;
  contentHash: string;
  touched: string[];
}

export interface PreparedTree {
  dir: string;
  /** Files whose content was rewritten this time (empty when nothing changed). */
  changed: string[];
  /** Hunks that applied only at an offset: worth a look, not a failure. */
  offsets: string[];
}

export interface ApplyOptions {
  runner: Runner;
  cache: string;
  logFile?: string;
  log?: (msg: string) => void;
  /**
   * The work folder whose src/ is brought to the series' content (default the (base, series)
   * folder `kph build` uses). `kph patchcheck` gives its own and a series cut after patch k.
   */
  workDir?: string;
}

/** Does `current` already hold what `wanted` holds (null: should not exist)? */
function sameContent(wanted: string | null, current: string): boolean {
  if (wanted === null) return !existsSync(current);
  return existsSync(current) && readFileSync(wanted).equals(readFileSync(current));
}

/** Replace (never modify in place: the file may be a hard link into the base) or remove. */
function putFile(from: string | null, to: string): void {
  if (from === null) {
    if (existsSync(to)) unlinkSync(to);
    return;
  }
  mkdirSync(dirname(to), { recursive: true });
  const tmp = `${to}.kph-tmp`;
  copyFileSync(from, tmp);
  renameSync(tmp, to);
}

/**
 * cache/work/<base>/<series>/src, beside .../build: the relative path from every build directory
 * to its source is the same ("../src"), so ccache (CCACHE_BASEDIR = the cache) hits across
 * series for every object whose inputs the series did not change.
 */

export function seriesTreeDir(cache: string, base: BaseTree, series: Series): string {
  return join(workDir(cache, base, series), 'src');
}

/** The lock file of a (base, series) work folder: held for apply and build (re-entrant). */
export function workDirLockFile(cache: string, base: BaseTree, series: Series): string {
  return `${workDir(cache, base, series)}.lock`;
}

/**
 * Run fn holding the (base, series) work folder against other kph processes (and other tasks
 * of this one). Apply and build take it themselves; a caller that applies and then builds can
 * hold it across both (re-entrant along one async call chain), so no other run gets between.
 */
export function withWorkDirLock<T>(cache: string, base: BaseTree, series: Series, log: ((msg: string) => void) | undefined, fn: () => Promise<T>): Promise<T> {
  return withDirLock(workDir(cache, base, series), `apply and build ${seriesLabel(series)}`, log, fn);
}

/** withWorkDirLock for any work folder (its lock file is `<dir>.lock`): `kph patchcheck`'s own. */
export function withDirLock<T>(dir: string, purpose: string, log: ((msg: string) => void) | undefined, fn: () => Promise<T>): Promise<T> {
  return withLock(`${dir}.lock`, { purpose, log }, fn);
}

/** The tree the patches leave: the stage's copy of a file they touch, else the base's. */
function patchedTreeReader(stage: string, baseDir: string, touched: readonly string[]): TreeReader {
  const at = (p: string) => (touched.includes(p) ? join(stage, p) : join(baseDir, p));
  return {
    exists: (p) => existsSync(at(p)),
    read: (p) => (existsSync(at(p)) ? readFileSync(at(p), 'utf8') : null),
    list: (d) => {
      const names = new Set<string>();
      for (const root of [baseDir, stage]) {
        const dir = join(root, d);
        if (existsSync(dir) && statSync(dir).isDirectory()) for (const n of readdirSync(dir)) names.add(n);
      }
      return [...names].filter((n) => existsSync(at(d ? `${d}/${n}` : n))).sort();
    },
  };
}

export function prepareSeriesTree(base: BaseTree, series: Series, opts: ApplyOptions): Promise<PreparedTree> {
  const dir = opts.workDir ?? workDir(opts.cache, base, series);
  return withDirLock(dir, `apply and build ${seriesLabel(series)}`, opts.log, () => prepareSeriesTreeLocked(base, series, opts, join(dir, 'src')));
}

async function prepareSeriesTreeLocked(base: BaseTree, series: Series, opts: ApplyOptions, dir: string): Promise<PreparedTree> {
  // Checked when the series is resolved; again here, since the files below are written by name.
  assertPatchPathsSafe(series.patches, series.id);
  const stateFile = `${dir}.state.json`;
  let state: TreeState | null = existsSync(stateFile) && existsSync(dir) ? JSON.parse(readFileSync(stateFile, 'utf8')) : null;
  if (state && state.baseContentId !== base.contentId) state = null;
  if (!state) {
    // Hard links: a copy of 80k files in seconds. Files are only ever replaced, never
    // written in place, so the base stays pristine.
    opts.log?.(`creating ${dir} from ${base.dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    const r = await opts.runner.run('cp', ['-al', base.dir, dir], { allowFailure: true });
    if (r.exitCode !== 0) await opts.runner.run('cp', ['-a', base.dir, dir]); // another file system: no hard links
    state = { baseContentId: base.contentId, contentHash: '', touched: [] };
  }
  if (state.contentHash === series.contentHash) return { dir, changed: [], offsets: [] };

  if (opts.logFile) mkdirSync(dirname(opts.logFile), { recursive: true });
  // Apply the whole series to a stage holding only the files it touches.
  let touched = [...new Set(series.patches.flatMap((p) => touchedFiles(p.text)))].sort();
  const stage = mkdtempSync(join(opts.cache, 'stage-'));
  const offsets: string[] = [];
  try {
    const tree = join(stage, 'tree');
    mkdirSync(tree);
    for (const f of touched) {
      if (existsSync(join(base.dir, f))) {
        mkdirSync(dirname(join(tree, f)), { recursive: true });
        copyFileSync(join(base.dir, f), join(tree, f));
      }
    }
    for (const [i, p] of series.patches.entries()) {
      const file = join(stage, `${String(i + 1).padStart(4, '0')}.patch`);
      writeFileSync(file, p.text);
      const r = await opts.runner.run(
        'patch',
        ['-p1', '--batch', '--forward', '--fuzz=0', '--no-backup-if-mismatch', '-r', '-', '-d', tree, '-i', file],
        { allowFailure: true },
      );
      const out = r.stdout + r.stderr;
      if (opts.logFile) writeFileSync(opts.logFile, `== ${p.name}\n${out}\n`, { flag: 'a' });
      const outcome = parsePatchOutput(out, r.exitCode);
      offsets.push(...outcome.offsets.map((o) => `${p.name}: ${o}`));
      if (!outcome.ok) {
        const where = outcome.missingFiles.length
          ? `${outcome.missingFiles.join(', ')} does not exist in the base`
          : outcome.reversed
            ? `${outcome.file}: already applied (reversed patch detected)`
            : outcome.failedHunks.length
              ? `${outcome.file}: ${outcome.failedHunks.map((h) => `hunk #${h.hunk} FAILED at ${h.line}`).join(', ')}`
              : `patch exited ${r.exitCode}`;
        throw new ApplyError(p.name, `Patch ${i + 1}/${series.patches.length} "${p.name}" does not apply to ${base.spec} (${base.version}): ${where}.`, {
          hint: `Rebase the series onto ${base.version}, or use --base with the tree it was written for.${opts.logFile ? ` Full output: ${opts.logFile}` : ''}`,
          details: out.trim().split('\n').slice(-12),
        });
      }
    }
    // A coverage kernel (kph run --coverage): the series' objects profiled by lines in their
    // Kbuild files, written to the stage like the patches' files (so replaced, never edited in place).
    if (isCoverageKernel(series)) {
      const plan = planGcovProfiling(touched.filter((f) => f.endsWith('.c')), patchedTreeReader(tree, base.dir, touched));
      for (const [file, lines] of plan.makefiles) {
        const from = touched.includes(file) ? join(tree, file) : join(base.dir, file);
        mkdirSync(dirname(join(tree, file)), { recursive: true });
        writeFileSync(join(tree, file), withGcovLines(readFileSync(from, 'utf8'), lines));
      }
      touched = [...new Set([...touched, ...plan.makefiles.keys()])].sort();
      if (opts.logFile) writeFileSync(opts.logFile, `== kph --coverage: gcov profiling\n${[...plan.makefiles].map(([f, l]) => `${f}: ${l.join(', ')}`).join('\n')}\n${plan.skipped.map((x) => `not profiled: ${x.file}: ${x.why}`).join('\n')}\n`, { flag: 'a' });
    }
    // Bring the persistent tree to the new content, touching only files that differ.
    const changed: string[] = [];
    for (const f of [...new Set([...touched, ...state.touched])].sort()) {
      const want = touched.includes(f) ? join(tree, f) : join(base.dir, f);
      const wantPath = existsSync(want) ? want : null;
      if (sameContent(wantPath, join(dir, f))) continue;
      putFile(wantPath, join(dir, f));
      changed.push(f);
    }
    writeFileSync(stateFile, JSON.stringify({ baseContentId: base.contentId, contentHash: series.contentHash, touched } satisfies TreeState));
    return { dir, changed, offsets };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

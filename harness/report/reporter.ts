// Reporters: everything that turns results into output listens on one small interface
// (vitest's reporters, Playwright's multiplexer). The run loop calls onRunStart, onResult after
// every result and onRunEnd; a reporter that throws is logged and never ends the run or costs
// another reporter its output. summary.json is written by the `summary` reporter, always on.
import { appendFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seriesLabel } from '../core/label.js';
import type { RunResult, Summary } from '../core/types.js';
import { digestChanges, digestSignatures, type FormatDigest } from '../diff/digest.js';
import { renderChangesMarkdown } from '../diff/render.js';
import { renderJunit, renderKtap, renderMarkdown } from './formats.js';
import { githubAnnotations } from './github.js';
import { toKcidb } from './kcidb.js';
import { renderHtml, type FormatDiff } from './html.js';
import type { Progress } from './progress.js';

export interface RunEnd {
  diffs: FormatDiff[];
}

export interface Reporter {
  readonly name: string;
  onRunStart?(summary: Summary): void;
  onResult?(result: RunResult, summary: Summary): void;
  onRunEnd?(summary: Summary, end: RunEnd): void;
}

export interface ReporterContext {
  outDir: string;
  progress: Progress;
  env: NodeJS.ProcessEnv;
  /** Where text meant for the user goes: stderr when stdout must stay pure JSON (--json). */
  textOut: NodeJS.WritableStream;
}

/** Write a file so that a reader never sees half of it (temp file + rename). */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function writeSummaryFile(outDir: string, summary: Summary): void {
  writeFileAtomic(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
}

/** The digest of a pair: with both signatures when the run has them ("all scenarios" = both ran). */
export function digestOf(d: FormatDiff): FormatDigest {
  return d.a && d.b ? digestSignatures(d.a, d.b, d.changes) : digestChanges(d.from, d.to, d.changes);
}

function formatsMarkdown(diffs: FormatDiff[]): string | null {
  if (!diffs.length) return null;
  return ['## Record and event formats', '', ...diffs.map((d) => `- \`${d.from}\` → \`${d.to}\`: ${digestOf(d).headline}`), '', ...diffs.map((d) => renderChangesMarkdown(d.from, d.to, d.changes, digestOf(d)))].join('\n');
}

export const BUILTIN_REPORTERS: Record<string, (ctx: ReporterContext) => Reporter> = {
  summary: ({ outDir }) => ({
    name: 'summary',
    onRunStart: (s) => writeSummaryFile(outDir, s),
    onResult: (_r, s) => writeSummaryFile(outDir, s),
    onRunEnd: (s) => writeSummaryFile(outDir, s),
  }),
  progress: ({ progress }) => ({
    name: 'progress',
    onResult(r) {
      const mark = r.verdict === 'pass' ? progress.succeed : r.verdict === 'skip' ? progress.info : progress.fail;
      mark(`${seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig })} · ${r.scenario}: ${r.verdict}${r.failures[0] ? ` — ${r.failures[0].message.split('\n')[0]}` : ''}`);
    },
  }),
  junit: ({ outDir }) => ({ name: 'junit', onRunEnd: (s) => writeFileAtomic(join(outDir, 'junit.xml'), renderJunit(s)) }),
  ktap: ({ outDir }) => ({ name: 'ktap', onRunEnd: (s) => writeFileAtomic(join(outDir, 'results.ktap'), renderKtap(s)) }),
  markdown: ({ outDir }) => ({
    name: 'markdown',
    onRunEnd(s, { diffs }) {
      const formats = formatsMarkdown(diffs);
      if (formats) {
        writeFileAtomic(join(outDir, 'formats-diff.md'), formats + '\n');
        writeFileAtomic(join(outDir, 'formats-diff.json'), JSON.stringify(diffs.map((d) => ({ from: d.from, to: d.to, headline: digestOf(d).headline, digest: digestOf(d), changes: d.changes })), null, 2) + '\n');
      }
      writeFileAtomic(join(outDir, 'report.md'), renderMarkdown(s) + (formats ? `\n${formats}\n` : ''));
    },
  }),
  html: ({ outDir }) => ({ name: 'html', onRunEnd: (s, { diffs }) => writeFileAtomic(join(outDir, 'report.html'), renderHtml(s, diffs, { exists: (p) => existsSync(join(outDir, p)) })) }),
  // Opt-in (not in DEFAULT_REPORTERS): KCIDB JSON for KernelCI; origin and log URL base from the environment.
  kcidb: ({ outDir, env }) => ({
    name: 'kcidb',
    onRunEnd: (s) => writeFileAtomic(join(outDir, 'kcidb.json'), JSON.stringify(toKcidb(s, { outDir, origin: env.KPH_KCIDB_ORIGIN || undefined, urlBase: env.KPH_KCIDB_URL_BASE || undefined }), null, 2) + '\n'),
  }),
  github: ({ env, textOut }) => ({
    name: 'github',
    onRunEnd(s, { diffs }) {
      if (!env.GITHUB_ACTIONS) return;
      // The runner reads workflow commands on stdout and stderr alike: with --json they go to stderr.
      for (const line of githubAnnotations(s)) textOut.write(line + '\n');
      const formats = formatsMarkdown(diffs);
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, renderMarkdown(s) + (formats ? `\n${formats}\n` : ''));
    },
  }),
};

/** Every built-in but `summary`, which is always on. */
export const DEFAULT_REPORTERS = ['progress', 'junit', 'ktap', 'markdown', 'html', 'github'];

export function createReporters(names: string[], ctx: ReporterContext): Reporter[] {
  const chosen = ['summary', ...names.filter((n) => n !== 'summary')];
  return chosen.map((n) => {
    const make = BUILTIN_REPORTERS[n];
    if (!make) throw new Error(`unknown reporter "${n}" (built-in: ${Object.keys(BUILTIN_REPORTERS).join(', ')})`);
    return make(ctx);
  });
}

/**
 * One reporter that calls each of `reporters` in turn; one that throws is reported through
 * `onError` and the others still run.
 */
export function multiplexReporters(reporters: Reporter[], onError: (reporter: string, phase: string, error: unknown) => void): Required<Reporter> {
  const each = (phase: 'onRunStart' | 'onResult' | 'onRunEnd', call: (r: Reporter) => void) => {
    for (const r of reporters) {
      if (!r[phase]) continue;
      try {
        call(r);
      } catch (e) {
        onError(r.name, phase, e);
      }
    }
  };
  return {
    name: 'multiplexer',
    onRunStart: (s) => each('onRunStart', (r) => r.onRunStart!(s)),
    onResult: (res, s) => each('onResult', (r) => r.onResult!(res, s)),
    onRunEnd: (s, end) => each('onRunEnd', (r) => r.onRunEnd!(s, end)),
  };
}

// What `kph run` leaves on the terminal: a screen, not a log. The verdict matrix (scenarios as
// rows, series as columns, short marks, colour only on a TTY), the failures one line each with
// the file to open, the format headline per compared pair, the figures worth a glance, and the
// paths of the full reports. renderTerminal is pure; terminalReport reads the results folder.
import { coverageTerminal } from '../coverage/render.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { seriesLabel } from '../core/label.js';
import type { RunResult, Summary, Verdict } from '../core/types.js';
import { bugGroups, bugHeadline, bugWhere, evidenceDir, repeatsLine } from './bugs.js';
import { bootAgainLine, bootsAgain } from './boots.js';
import { relativeToBaseline } from './formats.js';

export const MARK: Record<Verdict, string> = {
  pass: 'ok', fail: 'FAIL', crash: 'CRASH', timeout: 'HANG', 'boot-error': 'BOOT', 'apply-error': 'APPLY', 'config-error': 'CONFIG', 'build-error': 'BUILD',
  'infra-error': 'infra', inconclusive: 'lossy', skip: '-', flaky: 'FLAKY', leak: 'LEAK',
};

const ANSI: Record<Verdict, string> = {
  pass: '32', fail: '1;31', crash: '1;35', timeout: '1;35', 'boot-error': '1;35', 'apply-error': '1;33', 'config-error': '1;33', 'build-error': '1;33', 'infra-error': '2', inconclusive: '33', skip: '2', flaky: '1;31', leak: '1;31',
};

export interface PairHeadline {
  from: string;
  to: string;
  headline: string;
}

export interface TerminalOptions {
  /** The results folder as the user should type it (relative to the working directory when shorter). */
  outDir: string;
  /** Format headlines per compared pair (--compare). */
  formats?: PairHeadline[];
  /** Report files written, relative to the results folder, most useful first. */
  reports?: string[];
  /** ANSI colour (a TTY, and NO_COLOR unset). */
  color?: boolean;
  /** Past this many scenarios, those that passed on every series share one line (default 24). */
  maxRows?: number;
  /** Wrap lists at this width (default 100). */
  width?: number;
}

const label = (r: Pick<RunResult, 'series' | 'revision' | 'kconfig'>) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig });

/** Short column names: the revision when it names the series alone, "base" for baseline (with a debug kernel's profiles). */
export function shortNames(labels: string[]): Map<string, string> {
  // A debug kernel's label (`ns-serial@v5+lockdep`, `baseline+lockdep`) keeps its profiles: `v5+lockdep`, `base+lockdep`.
  const rev = (l: string) => (l === 'baseline' || l.startsWith('baseline+') ? `base${l.slice('baseline'.length)}` : l.includes('@') ? l.slice(l.lastIndexOf('@') + 1) : l);
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(rev(l), (counts.get(rev(l)) ?? 0) + 1);
  return new Map(labels.map((l) => [l, counts.get(rev(l)) === 1 && rev(l).length <= 12 ? rev(l) : l]));
}

/** The file to open for a result that did not pass, relative to the results folder. */
export function fileToOpen(r: RunResult): string {
  const seriesDir = dirname(r.dir);
  // A flaky row: the first failing repeat's file, as that repeat's verdict would have it.
  if (r.verdict === 'flaky' && r.repeats?.firstFailure) {
    const v = r.repeats.verdicts[r.repeats.firstFailure - 1] ?? 'fail';
    return fileToOpen({ ...r, verdict: v === 'flaky' ? 'fail' : v, dir: evidenceDir(r), repeats: undefined });
  }
  switch (r.verdict) {
    case 'crash':
    case 'timeout':
      return join(r.dir, 'console.log');
    case 'leak':
      return join(r.dir, 'guest', 'kmemleak.txt');
    case 'apply-error':
      return join(seriesDir, 'apply.log');
    case 'build-error':
    case 'config-error':
      return join(seriesDir, 'build.log');
    case 'boot-error':
    case 'infra-error':
      return join(seriesDir, 'console.log');
    default:
      return r.scenario === 'format-baseline' ? join(r.dir, 'verdict.json') : join(r.dir, 'checks.json');
  }
}

const firstLine = (s: string) => s.split('\n')[0]!;

/** Break a long list line at ", " to fit `width`, continuing with `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const part of text.split(/(?<=, )/)) {
    if (line && (line + part).replace(/\x1b\[[\d;]*m/g, '').length > width) {
      out.push(line.trimEnd());
      line = indent;
    }
    line += part;
  }
  if (line.trim()) out.push(line.trimEnd());
  return out;
}
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function renderTerminal(summary: Summary, o: TerminalOptions): string {
  const paint = (v: Verdict, s: string) => (o.color ? `\x1b[${ANSI[v]}m${s}\x1b[0m` : s);
  const bold = (s: string) => (o.color ? `\x1b[1m${s}\x1b[0m` : s);
  const series = [...new Set(summary.runs.map(label))];
  const scenarios = [...new Set(summary.runs.map((r) => r.scenario))];
  const short = shortNames(series);
  const counts = summary.runs.reduce<Partial<Record<Verdict, number>>>((m, r) => ((m[r.verdict] = (m[r.verdict] ?? 0) + 1), m), {});
  const tally = (Object.keys(MARK) as Verdict[]).filter((v) => counts[v]).map((v) => paint(v, `${counts[v]} ${v}`)).join(', ');
  const out = [bold(`kph run: ${tally || 'nothing ran'}`) + `  (${summary.base.spec} ${summary.base.version}, ${summary.accel}${summary.interrupted ? ', INTERRUPTED' : summary.complete === false ? ', incomplete' : ''})`, ''];

  // Skips: a letter per distinct reason, explained under the matrix.
  const reasons: string[] = [];
  const skipMark = (r: RunResult) => {
    const why = firstLine(r.failures[0]?.message ?? 'skipped');
    let i = reasons.indexOf(why);
    if (i < 0) i = reasons.push(why) - 1;
    return i < 26 ? `-${String.fromCharCode(97 + i)}` : '-';
  };
  if (scenarios.length) {
    const rowW = Math.max(8, ...scenarios.map((s) => s.length));
    const colW = series.map((s) => Math.max(short.get(s)!.length, 5));
    out.push(`${' '.repeat(rowW)}  ${series.map((s, i) => short.get(s)!.padEnd(colW[i]!)).join(' ')}`.trimEnd());
    const everywhere = (sc: string) => summary.runs.filter((x) => x.scenario === sc).every((x) => x.verdict === 'pass');
    const fold = scenarios.length > (o.maxRows ?? 24) ? scenarios.filter(everywhere) : [];
    for (const sc of scenarios.filter((x) => !fold.includes(x))) {
      const cells = series.map((s, i) => {
        const r = summary.runs.find((x) => x.scenario === sc && label(x) === s);
        if (!r) return ' '.repeat(colW[i]!);
        const m = r.verdict === 'skip' ? skipMark(r) : MARK[r.verdict];
        return paint(r.verdict, m) + ' '.repeat(Math.max(0, colW[i]! - m.length));
      });
      out.push(`${sc.padEnd(rowW)}  ${cells.join(' ')}`.trimEnd());
    }
    if (fold.length) out.push(...wrap(`${paint('pass', 'ok')} on every series (${fold.length}): ${fold.join(', ')}`, o.width ?? 100, '  '));
    const renamed = series.filter((s) => short.get(s) !== s);
    if (renamed.length) out.push('', ...wrap(`columns: ${renamed.map((s) => `${short.get(s)} = ${s}`).join(', ')}`, o.width ?? 100, '  '));
    if (reasons.length) {
      const shown = reasons.slice(0, 8);
      out.push(...wrap(`skipped: ${shown.map((w, i) => `${i < 26 ? String.fromCharCode(97 + i) : '-'} ${clip(w, 90)}`).join('; ')}${reasons.length > shown.length ? `; ${reasons.length - shown.length} more reasons in report.md` : ''}`.replace(/; /g, ', '), o.width ?? 100, '  '));
    }
  }

  // One line per kernel bug: rows whose splats have one signature are one bug.
  const bugs = bugGroups(summary);
  if (bugs.length) {
    out.push('', bold(`Kernel bugs (${bugs.length} signature${bugs.length === 1 ? '' : 's'}):`));
    for (const g of bugs) out.push(`  ${paint(g.verdict, MARK[g.verdict])} ${g.signature}: ${bugHeadline(g)}`, ...wrap(`       ${bugWhere(g).join(', ')}`, o.width ?? 100, '       '));
  }

  const repeated = summary.runs.filter((r) => r.repeats);
  if (repeated.length) {
    const count = repeated[0]!.repeats!.count;
    const total = repeated.reduce((t, r) => t + r.durationsMs.scenario + r.durationsMs.boot, 0);
    out.push('', bold(`Repeats (--repeat ${count}: ${count} times the work, ${(total / 1000).toFixed(0)} s of scenarios and boots):`));
    const shown = [...repeated.filter((r) => r.verdict !== 'pass'), ...repeated.filter((r) => r.verdict === 'pass')].slice(0, 8);
    for (const r of shown) out.push(`  ${paint(r.verdict, MARK[r.verdict])} ${label(r)} · ${r.scenario}: ${repeatsLine(r)}`);
    if (repeated.length > shown.length) out.push(`  ${repeated.length - shown.length} more in report.md`);
  }

  out.push(...coverageTerminal(summary, { bold }));

  const again = bootsAgain(summary);
  if (again.length) {
    out.push('', bold(`Boots booted again (${again.length}):`));
    for (const b of again) out.push(...wrap(`  ! ${bootAgainLine(b)}`, o.width ?? 100, '    '), ...b.evidence.map((l) => `    ${clip(l.replace(/^kph: /, ''), (o.width ?? 100) - 4)}`));
  }

  const bad = summary.runs.filter((r) => r.verdict !== 'pass' && r.verdict !== 'skip');
  if (bad.length) {
    out.push('', bold(`Failures (${bad.length}):`));
    for (const r of bad) {
      const more = r.failures.length > 1 ? ` (+${r.failures.length - 1} more)` : '';
      const why = r.failures[0] ? `${r.failures[0].code ?? ''} ${clip(firstLine(r.failures[0].message), 100)}`.trim() : r.verdict;
      out.push(`  ${paint(r.verdict, MARK[r.verdict])} ${label(r)} · ${r.scenario}: ${why}${more}`, `       → ${join(o.outDir, fileToOpen(r))}`);
    }
  }

  if (o.formats?.length) {
    out.push('', bold('Record and event formats:'));
    for (const f of o.formats) out.push(`  ${f.from} → ${f.to}: ${f.headline}`);
  }

  const rel = relativeToBaseline(summary);
  if (rel.length) {
    const rows = [...new Set(rel.map((x) => `${x.scenario}\0${x.metric}`))].slice(0, 5);
    out.push('', bold('Figures (rate relative to baseline):'));
    for (const row of rows) {
      const [sc, metric] = row.split('\0') as [string, string];
      const of = rel.filter((x) => x.scenario === sc && x.metric === metric);
      out.push(`  ${sc} ${metric} (baseline ${of[0]!.baseline}): ${of.map((x) => `${short.get(x.series) ?? x.series} ${x.ratio.toFixed(2)}×`).join(', ')}`);
    }
  }

  const reports = o.reports ?? [];
  out.push('', `Reports: ${reports.length ? reports.slice(0, 2).map((f) => join(o.outDir, f)).join('  ') : o.outDir}`);
  if (reports.length > 2) out.push(`  also: ${reports.slice(2).join(' ')}`);
  out.push('Everything (excerpts, skips, per-scenario format changes): kph run --verbose, or report.md');
  return out.join('\n') + '\n';
}

/** The report files in a results folder, most useful first. */
const REPORT_FILES = ['report.html', 'report.md', 'formats-diff.md', 'summary.json', 'junit.xml', 'results.ktap'];

/** The end of `kph run`: the screen, or with `verbose` today's whole report.md. */
export function terminalReport(summary: Summary, outDir: string, o: { verbose?: boolean; color?: boolean; shownDir?: string } = {}): string {
  const md = join(outDir, 'report.md');
  if (o.verbose) return existsSync(md) ? `\n${readFileSync(md, 'utf8')}\nResults: ${outDir}\n` : `\nResults: ${outDir}\n`;
  let formats: PairHeadline[] = [];
  const fd = join(outDir, 'formats-diff.json');
  if (existsSync(fd)) {
    try {
      formats = (JSON.parse(readFileSync(fd, 'utf8')) as PairHeadline[]).filter((f) => typeof f.headline === 'string');
    } catch {
      formats = [];
    }
  }
  return `\n${renderTerminal(summary, { outDir: o.shownDir ?? outDir, formats, reports: REPORT_FILES.filter((f) => existsSync(join(outDir, f))), color: o.color })}`;
}

/** Colour only where a person reads it. */
export function wantsColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

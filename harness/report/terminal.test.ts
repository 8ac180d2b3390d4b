import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import type { RunResult, Summary } from '../core/types.js';
import { compareSignatures } from '../diff/compare.js';
import type { FormatSignature } from '../diff/signature.js';
import { createReporters } from './reporter.js';
import { silentProgress } from './progress.js';
import { fileToOpen, renderTerminal, shortNames, terminalReport } from './terminal.js';

// A run shaped like `npm run main`: every bundled series, the scenarios each committed baseline
// holds pass, the others are skipped; one crash and one failed check.
const SERIES = ['baseline', 'ns-serial@v1', 'ns-serial@v5', 'proc-connector-ns@rfc-v1', 'proc-connector-ns@rfc-v2'];
const baseline = (s: string) => JSON.parse(readFileSync(join(repoRoot, 'results', 'baselines', `${s}.json`), 'utf8')) as FormatSignature;
const d = { build: 1000, boot: 9000, scenario: 3000 };

function bundledSummary(): Summary {
  const all = [...new Set(SERIES.flatMap((s) => Object.keys(baseline(s).scenarios)))].sort();
  const runs: RunResult[] = [];
  for (const l of SERIES) {
    const [name, revision] = l.includes('@') ? l.split('@') : [l, null];
    const has = baseline(l).scenarios;
    for (const sc of all) {
      const dir = `${l}/${sc}`;
      if (!has[sc]) runs.push({ series: name!, revision: revision ?? null, scenario: sc, verdict: 'skip', failures: [{ code: 'E_SKIP', message: `needs ${sc.includes('serial') || sc.includes('info') || sc === 'boot-records' ? 'ns-serial' : 'cn-ns-events'}` }], durationsMs: d, dir });
      else if (l === 'proc-connector-ns@rfc-v2' && sc === 'nsenter') runs.push({ series: name!, revision: revision!, scenario: sc, verdict: 'crash', failures: [{ code: 'E_SPLAT', message: 'kernel BUG at kernel/nsproxy.c:120!\nmore', excerpt: ['RIP: x'] }], durationsMs: d, dir });
      else if (l === 'ns-serial@v5' && sc === 'ns-delete') runs.push({ series: name!, revision: revision!, scenario: sc, verdict: 'fail', failures: [{ code: 'E_CHECK', message: 'AUDIT_NS_DEL_NET logged for the deleted netns' }, { code: 'E_CHECK', message: 'second' }], durationsMs: d, dir });
      else runs.push({ series: name!, revision: revision ?? null, scenario: sc, verdict: 'pass', failures: [], durationsMs: d, dir, ...(sc === 'setns-loop-10k' ? { metrics: { setnsPerSec: l === 'baseline' ? 4000 : 3000 } } : {}) });
    }
  }
  return { schemaVersion: 2, kph: { version: '0.1.0' }, base: { spec: 'debian:6.12', version: '6.12.117' }, accel: 'tcg', accelReason: 'probe', startedAt: '2026-11-28T17:00:00.000Z', complete: true, series: [], runs };
}

describe('the screen at the end of kph run', () => {
  const summary = bundledSummary();
  const text = renderTerminal(summary, { outDir: 'results/run1', formats: [{ from: 'ns-serial@v1', to: 'ns-serial@v5', headline: '1 record type removed, 17 added, SYSCALL lost 6 fields, connector unchanged' }], reports: ['report.html', 'report.md'] });
  const lines = text.split('\n');

  it('is a screen: scenarios as rows, series as short columns, narrow', () => {
    expect(lines[0]).toMatch(/^kph run: \d+ pass, 1 fail, 1 crash, \d+ skip {2}\(debian:6\.12 6\.12\.117, tcg\)$/);
    expect(lines[2]).toMatch(/^ {20,}base {2}v1 {4}v5 {4}rfc-v1 rfc-v2$/);
    expect(lines.find((l) => l.startsWith('nsenter '))).toMatch(/^nsenter +ok +ok +ok +ok +CRASH$/);
    expect(lines.find((l) => l.startsWith('setns-serial '))).toMatch(/^setns-serial +ok +-a +ok +ok +ok$/);
    // The matrix rows are narrow (the passing-everywhere line wraps at the width).
    const rows = lines.filter((l) => /^\S+ +(ok|-a|FAIL|CRASH)( |$)/.test(l));
    expect(rows.length).toBeGreaterThan(4);
    expect(Math.max(...rows.map((l) => l.length))).toBeLessThan(60);
    expect(text).toContain('columns: base = baseline, v1 = ns-serial@v1, v5 = ns-serial@v5, rfc-v1 = proc-connector-ns@rfc-v1,\n  rfc-v2 = proc-connector-ns@rfc-v2');
    expect(text).toMatch(/^skipped: a needs ns-serial$/m);
    expect(lines.length).toBeLessThan(45);
  });
  it('one line per failure, with the file to open', () => {
    expect(text).toContain('  FAIL ns-serial@v5 · ns-delete: E_CHECK AUDIT_NS_DEL_NET logged for the deleted netns (+1 more)\n       → results/run1/ns-serial@v5/ns-delete/checks.json');
    expect(text).toContain('  CRASH proc-connector-ns@rfc-v2 · nsenter: E_SPLAT kernel BUG at kernel/nsproxy.c:120!\n       → results/run1/proc-connector-ns@rfc-v2/nsenter/console.log');
  });
  it('the format headline per pair, a figure, and where the full reports are', () => {
    expect(text).toContain('  ns-serial@v1 → ns-serial@v5: 1 record type removed, 17 added, SYSCALL lost 6 fields, connector unchanged');
    expect(text).toContain('  setns-loop-10k setnsPerSec (baseline 4000): v1 0.75×, v5 0.75×, rfc-v1 0.75×');
    expect(text).toContain('Reports: results/run1/report.html  results/run1/report.md');
  });
  it('colour only when asked', () => {
    expect(text).not.toContain('\x1b[');
    const c = renderTerminal(summary, { outDir: 'r', color: true });
    expect(c).toContain('\x1b[1;35mCRASH\x1b[0m');
    // Padding is counted on the mark, not on the escape codes: columns still line up.
    const plain = c.replace(/\x1b\[[\d;]*m/g, '');
    expect(plain.split('\n').find((l) => l.startsWith('nsenter '))).toBe(lines.find((l) => l.startsWith('nsenter ')));
  });
  it('past maxRows, scenarios that passed everywhere share one wrapped line', () => {
    const t = renderTerminal(summary, { outDir: 'r', maxRows: 10, width: 80 });
    const ls = t.split('\n');
    expect(ls.filter((l) => /^\S+ +(ok|-a|FAIL|CRASH)( |$)/.test(l)).map((l) => l.split(' ')[0])).toEqual(['grep-by-serial', 'ns-delete', 'ns-info-request', 'nsenter', 'setns-serial', 'boot-records'].sort((a, b) => ls.findIndex((l) => l.startsWith(`${a} `)) - ls.findIndex((l) => l.startsWith(`${b} `))));
    expect(t).toMatch(/^ok on every series \(26\): auditns-auditd, auditns-create, /m);
    expect(Math.max(...ls.map((l) => l.length))).toBeLessThanOrEqual(100);
  });
  it('files to open by verdict', () => {
    const r = (verdict: RunResult['verdict'], scenario = 'x'): RunResult => ({ series: 's', revision: null, scenario, verdict, failures: [], durationsMs: d, dir: 's/x' });
    expect(fileToOpen(r('build-error'))).toBe('s/build.log');
    expect(fileToOpen(r('apply-error'))).toBe('s/apply.log');
    expect(fileToOpen(r('boot-error'))).toBe('s/console.log');
    expect(fileToOpen(r('timeout'))).toBe('s/x/console.log');
    expect(fileToOpen(r('inconclusive'))).toBe('s/x/checks.json');
    expect(fileToOpen(r('fail', 'format-baseline'))).toBe('s/x/verdict.json');
  });
  it('short names fall back to the label when a revision is ambiguous', () => {
    expect([...shortNames(['a@v1', 'b@v1', 'baseline']).values()]).toEqual(['a@v1', 'b@v1', 'base']);
  });
});

describe('terminalReport: the results folder written by the reporters', () => {
  const summary = bundledSummary();
  const out = mkdtempSync(join(tmpdir(), 'kph-terminal-'));
  const reporters = createReporters(['markdown', 'html'], { outDir: out, progress: silentProgress, env: {}, textOut: process.stdout });
  const a = baseline('ns-serial@v1');
  const b = baseline('ns-serial@v5');
  for (const r of reporters) r.onRunEnd?.(summary, { diffs: [{ from: a.series, to: b.series, changes: compareSignatures(a, b), a, b }] });

  it('reads the headline from formats-diff.json and lists the reports that exist', () => {
    const text = terminalReport(summary, out, { shownDir: 'R' });
    expect(text).toContain('  ns-serial@v1 → ns-serial@v5: 1 record type removed, 17 added, SYSCALL lost 6 fields, connector unchanged');
    expect(text).toContain('Reports: R/report.html  R/report.md\n  also: formats-diff.md summary.json\n');
    expect(text.split('\n').length).toBeLessThan(50);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md.split('\n').length).toBeGreaterThan(text.split('\n').length);
  });
  it('--verbose prints report.md as before', () => {
    expect(terminalReport(summary, out, { verbose: true })).toBe(`\n${readFileSync(join(out, 'report.md'), 'utf8')}\nResults: ${out}\n`);
  });
});

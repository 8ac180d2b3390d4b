// kph merge on small synthetic results folders built from real rows (a baseline run's
// ns-delete and unshare-net-serial: verdict.json, checks.json, records.jsonl, events.jsonl).
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { summarySchema } from '../core/summary.js';
import type { RunResult, Summary, Verdict } from '../core/types.js';
import { signatureFromRun } from '../diff/load.js';
import { silentProgress } from '../report/progress.js';
import { createReporters } from '../report/reporter.js';
import { main } from '../cli/main.js';
import { mergeRuns, mergeSummaries } from './merge.js';
import { compareRevisions } from './stages.js';

const FIXTURE = join(repoRoot, 'harness/test/fixtures/shards/baseline');
const SCENARIOS = ['ns-delete', 'unshare-net-serial'];
const ALL = ['baseline', 'ns-serial@v1', 'ns-serial@v5'];

interface SeriesSpec {
  label: string;
  /** Give every SYSCALL record one more field (a format change). */
  addField?: boolean;
  verdict?: Verdict;
}

/** A results folder holding `series`, each with the fixture's two scenarios. */
function runFolder(root: string, name: string, series: SeriesSpec[], over: Partial<Summary> = {}): string {
  const dir = join(root, name);
  const runs: RunResult[] = [];
  for (const s of series) {
    const [sname, rev] = s.label.split('@') as [string, string | undefined];
    for (const sc of SCENARIOS) {
      const d = join(dir, s.label, sc);
      mkdirSync(d, { recursive: true });
      cpSync(join(FIXTURE, sc), d, { recursive: true });
      const base = JSON.parse(readFileSync(join(d, 'verdict.json'), 'utf8')) as RunResult;
      const row: RunResult = { ...base, series: sname, revision: rev ?? null, dir: `${s.label}/${sc}`, verdict: s.verdict ?? base.verdict, failures: s.verdict === 'fail' ? [{ code: 'E_CHECK', message: 'a check failed' }] : [] };
      writeFileSync(join(d, 'verdict.json'), JSON.stringify(row));
      if (s.addField) {
        const lines = readFileSync(join(d, 'records.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => {
          const r = JSON.parse(l) as { type: string; fields: { name: string; raw: string }[] };
          if (r.type === 'SYSCALL') r.fields.push({ name: 'net_snum', raw: '5' });
          return JSON.stringify(r);
        });
        writeFileSync(join(d, 'records.jsonl'), lines.join('\n') + '\n');
      }
      runs.push(row);
    }
  }
  const summary: Summary = {
    schemaVersion: 2,
    kph: { version: '0.1.0' },
    base: { spec: 'debian:6.12', version: '6.12.117' },
    accel: 'tcg',
    accelReason: 'KVM probe failed',
    startedAt: '2026-11-28T16:00:00.000Z',
    finishedAt: '2026-11-28T17:00:00.000Z',
    complete: true,
    series: series.map((s) => ({ label: s.label, name: s.label.split('@')[0]!, revision: s.label.split('@')[1] ?? null, dir: s.label, records: {}, provides: [], kernel: { bzImage: '/k', cached: true, buildMs: 1 } })),
    runs,
    ...over,
  };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  return dir;
}

const shard = (index: number, count = 2) => ({ shard: { index, count, allSeries: ALL, balance: 'patches' as const } });

function reporters(outDir: string) {
  return createReporters(['junit', 'ktap', 'markdown', 'html'], { outDir, progress: silentProgress, env: {}, textOut: process.stdout });
}

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'kph-merge-'));
  const series: SeriesSpec[] = [{ label: 'baseline' }, { label: 'ns-serial@v1' }, { label: 'ns-serial@v5', addField: true }];
  const whole = runFolder(root, 'whole', series);
  // Shard 1 ran v5 then baseline's order is restored by allSeries; shard 2 ran v1. Later start, earlier end.
  const one = runFolder(root, 'shard-1', [series[0]!, series[2]!], { ...shard(1), startedAt: '2026-11-28T16:05:00.000Z', finishedAt: '2026-11-28T16:50:00.000Z' });
  const two = runFolder(root, 'shard-2', [series[1]!], { ...shard(2), startedAt: '2026-11-28T16:01:00.000Z', finishedAt: '2026-11-28T17:10:00.000Z' });
  return { root, whole, one, two };
}

describe('kph merge', () => {
  it('two shards merge into the whole run: same rows in the same order, same format diffs, reports, exit 0', () => {
    const { root, whole, one, two } = setup();
    const out = join(root, 'merged');
    const r = mergeRuns([two, one], { outDir: out, reporters: reporters(out), compare: compareRevisions });
    const wholeSummary = JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8')) as Summary;
    const merged = summarySchema.parse(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));
    expect(merged.runs).toEqual(wholeSummary.runs);
    expect(merged.series.map((s) => s.label)).toEqual(ALL);
    expect(merged.complete).toBe(true);
    expect(merged.shard).toBeUndefined();
    expect(merged.startedAt).toBe('2026-11-28T16:01:00.000Z');
    expect(merged.finishedAt).toBe('2026-11-28T17:10:00.000Z');
    expect(r.exitCode).toBe(0);
    // Format diffs across shards: v1 (shard 2) → v5 (shard 1), and each against baseline (shard 1).
    const wholeDiffs = compareRevisions(whole, ALL, wholeSummary);
    expect(r.diffs.map((d) => [d.from, d.to, d.changes])).toEqual(wholeDiffs.map((d) => [d.from, d.to, d.changes]));
    expect(r.diffs.map((d) => [d.from, d.to, d.changes.length > 0])).toEqual([['ns-serial@v1', 'ns-serial@v5', true], ['baseline', 'ns-serial@v1', false], ['baseline', 'ns-serial@v5', true]]);
    // The signatures travelled with the folders.
    expect(signatureFromRun(out, 'ns-serial@v5')).toEqual(signatureFromRun(whole, 'ns-serial@v5'));
    for (const f of ['junit.xml', 'results.ktap', 'report.md', 'report.html', 'formats-diff.md', 'formats-diff.json']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'formats-diff.md'), 'utf8')).toContain('net_snum');
    expect(readdirSync(out).sort()).toEqual([...ALL, 'formats-diff.json', 'formats-diff.md', 'junit.xml', 'report.html', 'report.md', 'results.ktap', 'summary.json'].sort());
  });

  it('the exit code is the whole run\'s: a failure in either shard is 1', () => {
    const root = mkdtempSync(join(tmpdir(), 'kph-merge-'));
    const one = runFolder(root, 's1', [{ label: 'baseline' }, { label: 'ns-serial@v5' }], shard(1));
    const two = runFolder(root, 's2', [{ label: 'ns-serial@v1', verdict: 'fail' }], shard(2));
    expect(mergeRuns([one, two], { outDir: join(root, 'm'), reporters: [] }).exitCode).toBe(1);
    const three = runFolder(root, 's3', [{ label: 'ns-serial@v1', verdict: 'inconclusive' }], shard(2));
    expect(mergeRuns([one, three], { outDir: join(root, 'm2'), reporters: [] }).exitCode).toBe(4);
  });

  it('--min-coverage is judged again over the whole: a series of either shard below it is exit 1, verdicts as they were', () => {
    const { root, one, two } = setup();
    const cov = (executedLines: number) => ({ addedLines: 4, executedLines, unexecuted: [] });
    for (const [dir, label, ran] of [[one, 'ns-serial@v5', 4], [two, 'ns-serial@v1', 1]] as const) {
      const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
      s.series.find((e) => e.label === label)!.coverage = cov(ran);
      s.coverageGate = { minPercent: 50, passed: ran >= 2, below: [] };
      writeFileSync(join(dir, 'summary.json'), JSON.stringify(s));
    }
    const out = join(root, 'merged');
    const r = mergeRuns([one, two], { outDir: out, reporters: reporters(out) });
    expect(r.summary.coverageGate).toEqual({ minPercent: 50, passed: false, below: [{ series: 'ns-serial@v1', percent: 25, addedLines: 4, executedLines: 1 }] });
    expect(r.summary.runs.every((x) => x.verdict === 'pass')).toBe(true);
    expect(r.exitCode).toBe(1);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('--min-coverage 50: FAILED (exit 1) for ns-serial@v1 (25% of 4 lines)');
  });

  it('a missing shard: the merged run is incomplete, names what is missing, exits 3', () => {
    const { root, one } = setup();
    const r = mergeRuns([one], { outDir: join(root, 'm'), reporters: reporters(join(root, 'm')) });
    expect(r.summary.complete).toBe(false);
    expect(r.missingSeries).toEqual(['ns-serial@v1']);
    expect(r.missingShards).toEqual([2]);
    expect(r.exitCode).toBe(3);
  });

  it('an incomplete or interrupted shard makes the whole so', () => {
    const { one, two } = setup();
    const read = (d: string) => ({ dir: d, summary: summarySchema.parse(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'))) });
    const b = read(two);
    expect(mergeSummaries([read(one), { ...b, summary: { ...b.summary, complete: false, interrupted: true } }]).summary).toMatchObject({ complete: false, interrupted: true });
  });

  it('--link references the shards\' folders instead of copying them; the signatures are read through the links', () => {
    const { root, whole, one, two } = setup();
    const out = join(root, 'linked');
    mergeRuns([one, two], { outDir: out, reporters: [], link: true });
    expect(lstatSync(join(out, 'baseline')).isSymbolicLink()).toBe(true);
    expect(signatureFromRun(out, 'ns-serial@v5')).toEqual(signatureFromRun(whole, 'ns-serial@v5'));
  });

  it('refuses, with the reason, what cannot be one run (usage error, nothing written)', () => {
    const root = mkdtempSync(join(tmpdir(), 'kph-merge-'));
    const one = runFolder(root, 's1', [{ label: 'baseline' }], shard(1));
    const cases: [string, string, RegExp][] = [
      ['other base version', runFolder(root, 'a', [{ label: 'ns-serial@v1' }], { ...shard(2), base: { spec: 'debian:6.12', version: '6.12.118' } }), /different bases: .*6\.12\.117.*6\.12\.118/],
      ['other base spec', runFolder(root, 'b', [{ label: 'ns-serial@v1' }], { ...shard(2), base: { spec: 'tree:/src/linux', version: '6.12.117' } }), /different bases: .*debian:6\.12.*tree:\/src\/linux/],
      ['other kph', runFolder(root, 'c', [{ label: 'ns-serial@v1' }], { ...shard(2), kph: { version: '0.2.0' } }), /different kph versions: .*0\.1\.0.*0\.2\.0/],
      ['overlap', runFolder(root, 'd', [{ label: 'baseline' }, { label: 'ns-serial@v1' }], shard(2)), /Series baseline is in two of the folders/],
      ['same shard twice', runFolder(root, 'e', [{ label: 'ns-serial@v1' }], shard(1)), /Shard 1\/2 is given twice/],
      ['other split', runFolder(root, 'f', [{ label: 'ns-serial@v1' }], shard(2, 3)), /different splits/],
      ['not a shard', runFolder(root, 'g', [{ label: 'ns-serial@v1' }]), /Cannot merge shards with whole runs/],
    ];
    for (const [what, other, why] of cases) {
      const out = join(root, `out-${what.replace(/ /g, '-')}`);
      expect(() => mergeRuns([one, other], { outDir: out, reporters: [] }), what).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(why) }));
      expect(existsSync(out), what).toBe(false);
    }
    expect(() => mergeRuns([one, one], { outDir: join(root, 'x'), reporters: [] })).toThrow(/given twice/);
    expect(() => mergeRuns([one, join(root, 'nope')], { outDir: join(root, 'x'), reporters: [] })).toThrow(/not a kph results folder/);
    const two = runFolder(root, 's2', [{ label: 'ns-serial@v1' }, { label: 'ns-serial@v5' }], shard(2));
    expect(() => mergeRuns([one, two], { outDir: one, reporters: [] })).toThrow(/inside/);
    expect(() => mergeRuns([one, two], { outDir: join(root, 'a'), reporters: [] })).toThrow(/already holds a run/);
  });

  it('kph merge on the command line: exit code of the whole, 2 for a refusal', async () => {
    const { root, one, two } = setup();
    const quiet = <T>(f: () => Promise<T>) => {
      const [o, e] = [process.stdout.write, process.stderr.write];
      process.stdout.write = process.stderr.write = (() => true) as typeof process.stdout.write;
      return f().finally(() => ((process.stdout.write = o), (process.stderr.write = e)));
    };
    expect(await quiet(() => main(['node', 'kph', 'merge', one, two, '--out', join(root, 'cli'), '--compare', '--reporter', 'markdown']))).toBe(0);
    expect(readFileSync(join(root, 'cli', 'formats-diff.md'), 'utf8')).toContain('net_snum');
    expect(existsSync(join(root, 'cli', 'junit.xml'))).toBe(false);
    expect(await quiet(() => main(['node', 'kph', 'merge', one, one, '--out', join(root, 'cli2')]))).toBe(2);
    expect(await quiet(() => main(['node', 'kph', 'merge', one, two]))).toBe(2);
  });
});

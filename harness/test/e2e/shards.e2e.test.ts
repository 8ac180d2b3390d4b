// The issue's "done when", for real (TCG): `kph run --shard 1/2` and `--shard 2/2` cover
// exactly the work of the single run (no scenario twice, none missing), and `kph merge` of the
// two gives the verdicts and format diffs of the single run. Two scenarios that capture records
// and events keep it short. The series: baseline and the two proc-connector-ns revisions, whose
// kernels build from baseline's objects (ccache); `--all` adds four whole builds that CI's cold
// budget cannot hold (kph-shards.yml shards `--all` on KVM runners; harness/test/e2e-bundled).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Summary } from '../../core/types.js';
import { fixtures, kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const folders = resultsFolders('kph-e2e-shards-');
afterEach(async () => expect(await folders.leftoverQemus()).toEqual([]));

// --check-formats: each series' records and events against its committed baseline (results/baselines/),
// a row per series that the shards must split like the scenarios' rows.
const SCENARIOS = ['--scenario', 'unshare-net', '--scenario', 'setns-serial', '--check-formats'];
const SERIES = ['-s', 'baseline', '-s', 'proc-connector-ns@rfc-v1', '-s', 'proc-connector-ns@rfc-v2'];
const rows = (s: Summary) => s.runs.map((r) => `${r.revision ? `${r.series}@${r.revision}` : r.series} ${r.scenario}: ${r.verdict}`).sort();
/** The single run of the first test, for the --jobs 2 test to compare with. */
let whole = '';
const diffs = (dir: string) => JSON.parse(readFileSync(join(dir, 'formats-diff.json'), 'utf8')) as { from: string; to: string; changes: unknown[] }[];

describe('kph run --shard 1/2 and 2/2, then kph merge', () => {
  it('cover the single run exactly, and the merge gives its verdicts, format diffs and exit code', async () => {
    whole = folders.make();
    const w = await kph(['run', ...SERIES, ...SCENARIOS, '--compare', '--out', whole]);
    const shards: string[] = [];
    for (const k of [1, 2]) {
      const d = folders.make();
      const r = await kph(['run', ...SERIES, ...SCENARIOS, '--shard', `${k}/2`, '--out', d]);
      expect([0, 1, 3, 4], r.all.slice(-3000)).toContain(r.code);
      expect(summaryOf(d).shard).toMatchObject({ index: k, count: 2 });
      shards.push(d);
    }
    const [a, b] = shards.map(summaryOf) as [Summary, Summary];
    // No series (so no scenario) on both shards; together, the whole run's rows.
    const labels = (s: Summary) => s.series.map((x) => x.label);
    expect(labels(a).filter((l) => labels(b).includes(l))).toEqual([]);
    expect([...rows(a), ...rows(b)].sort()).toEqual(rows(summaryOf(whole)));
    // Every series' formats were checked against its committed baseline, and matched.
    expect(summaryOf(whole).runs.filter((x) => x.scenario === 'format-baseline').map((x) => `${x.series}: ${x.verdict}`)).toEqual(['baseline: pass', 'proc-connector-ns: pass', 'proc-connector-ns: pass']);

    const merged = join(folders.make(), 'merged');
    const m = await kph(['merge', ...shards, '--out', merged, '--compare']);
    expect(m.code, m.all.slice(-3000)).toBe(w.code);
    const ms = summaryOf(merged);
    expect(ms.complete).toBe(true);
    expect(rows(ms)).toEqual(rows(summaryOf(whole)));
    expect(labels(ms)).toEqual(labels(summaryOf(whole)));
    expect(diffs(merged).map((d) => [d.from, d.to, d.changes])).toEqual(diffs(whole).map((d) => [d.from, d.to, d.changes]));
    expect(diffs(merged).length).toBeGreaterThan(0);

    // KCIDB of the merged run, and kph diff reads signatures from it like from the single run.
    expect((await kph(['export', 'kcidb', merged, '--out', join(merged, 'kcidb.json')])).code).toBe(0);
    const d1 = await kph(['diff', merged, '--from', 'baseline', '--to', 'proc-connector-ns@rfc-v2', '--format', 'json']);
    const d2 = await kph(['diff', whole, '--from', 'baseline', '--to', 'proc-connector-ns@rfc-v2', '--format', 'json']);
    expect(d1.stdout).toBe(d2.stdout);
  });
});

// Issue 13's --jobs: series side by side (one builds or boots while another's guest runs). The
// rows must be the serial run's, in the same order, with the same format diffs, and a kernel bug
// must get the same signature.
describe('kph run --jobs 2', () => {
  const ordered = (s: Summary) => s.runs.map((r) => `${r.revision ? `${r.series}@${r.revision}` : r.series} ${r.scenario}: ${r.verdict}${r.signature ? ` [${r.signature}]` : ''}`);

  it('gives the serial run\'s rows, in its order, and its format diffs', async () => {
    expect(whole, 'needs the single run above').not.toBe('');
    const d = folders.make();
    const r = await kph(['run', ...SERIES, ...SCENARIOS, '--compare', '--jobs', '2', '--out', d]);
    expect(r.code, r.all.slice(-3000)).toBe(summaryOf(whole).runs.some((x) => x.verdict !== 'pass' && x.verdict !== 'skip') ? 1 : 0);
    expect(ordered(summaryOf(d))).toEqual(ordered(summaryOf(whole)));
    expect(diffs(d).map((x) => [x.from, x.to, x.changes])).toEqual(diffs(whole).map((x) => [x.from, x.to, x.changes]));
    // Side by side for real: in the progress log, some series boots before the series ahead of
    // it in the plan has run its last scenario.
    const lines = r.all.split('\n');
    const labels = summaryOf(d).series.map((x) => x.label);
    const overlaps = labels.slice(1).filter((b, i) => {
      const a = labels[i]!;
      const boots = lines.findIndex((l) => l.includes(`${b}: booting`));
      const lastOfA = lines.map((l, k) => (l.includes(`${a} · `) ? k : -1)).reduce((m, k) => Math.max(m, k), -1);
      return boots >= 0 && boots < lastOfA;
    });
    expect(overlaps.length, lines.filter((l) => l.includes(': booting') || l.includes(' · ')).join('\n')).toBeGreaterThan(0);
  });

  it('gives a WARNING the same crash verdict and signature as --jobs 1', async () => {
    const args = ['run', '-s', 'baseline', '-s', join(fixtures, 'series', 'warn-on-setns'), '--scenarios-dir', join(fixtures, 'scenarios'), '--scenario', 'warn-trigger', '--scenario', 'warn-trigger-net'];
    const one = folders.make();
    const two = folders.make();
    const r1 = await kph([...args, '--out', one]);
    const r2 = await kph([...args, '--jobs', '2', '--out', two]);
    expect(r1.code, r1.all.slice(-3000)).toBe(1);
    expect(r2.code, r2.all.slice(-3000)).toBe(1);
    const s1 = summaryOf(one);
    expect(s1.runs.filter((x) => x.verdict === 'crash').map((x) => x.signature)).toEqual(['warning: __x64_sys_setns', 'warning: __x64_sys_setns']);
    expect(ordered(summaryOf(two))).toEqual(ordered(s1));
  });
});

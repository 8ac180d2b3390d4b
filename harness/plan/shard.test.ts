import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../core/types.js';
import { listBundledSeries } from '../patch/series.js';
import { main } from '../cli/main.js';
import { planRun, type RunRequest } from './plan.js';
import { assignShards, costsFromSummaries, loadShardCosts, parseShard, selectShard } from './shard.js';

const allSpecs = () => ['baseline', ...listBundledSeries().map((s) => `${s.name}@${s.revision}`)];
const req = (extra: Partial<RunRequest> = {}): RunRequest => ({ base: 'debian:6.12', series: allSpecs(), scenarios: [], params: [], accel: 'tcg', cache: '/tmp', outDir: mkdtempSync(join(tmpdir(), 'kph-shard-')), ...extra });

function summary(startedAt: string, rows: [string, number][], buildMs: Record<string, number> = {}): Summary {
  return {
    schemaVersion: 2,
    kph: { version: 't' },
    base: { spec: 'debian:6.12', version: '6.12.117' },
    accel: 'tcg',
    startedAt,
    complete: true,
    series: Object.entries(buildMs).map(([label, ms]) => ({ label, name: label.split('@')[0]!, revision: label.split('@')[1] ?? null, dir: label, records: {}, provides: [], kernel: { bzImage: 'x', cached: false, buildMs: ms } })),
    runs: rows.map(([label, ms], i) => ({ series: label.split('@')[0]!, revision: label.split('@')[1] ?? null, scenario: `s${i}`, verdict: 'pass', failures: [], durationsMs: { build: 0, boot: 100, scenario: ms }, dir: `${label}/s${i}` })),
  };
}

describe('--shard K/N', () => {
  it('parses K/N and refuses anything else as a usage error', () => {
    expect(parseShard('1/2')).toEqual({ index: 1, count: 2 });
    expect(parseShard('3/3')).toEqual({ index: 3, count: 3 });
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2', '1.5/2']) expect(() => parseShard(bad), bad).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('kph run --shard 3/2 exits 2 before anything is built', async () => {
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'kph', 'run', '--all', '--shard', '3/2'])).toBe(2);
      expect(await main(['node', 'kph', 'run', '--all', '--shard', 'half'])).toBe(2);
    } finally {
      process.stderr.write = err;
    }
  });

  it('shards 1/2 and 2/2 of the bundled series cover exactly --all, no series twice, the run order kept', async () => {
    const whole = await planRun(req(), 'id');
    const one = await planRun(req({ shard: { index: 1, count: 2 } }), 'id');
    const two = await planRun(req({ shard: { index: 2, count: 2 } }), 'id');
    const labels = (p: typeof whole) => p.series.map((s) => s.label);
    expect(labels(one).length).toBeGreaterThan(0);
    expect(labels(two).length).toBeGreaterThan(0);
    expect([...labels(one), ...labels(two)].sort()).toEqual(labels(whole).sort());
    expect(labels(one).filter((l) => labels(two).includes(l))).toEqual([]);
    // Each shard keeps the order of the whole run (what --compare pairs depend on).
    for (const p of [one, two]) expect(labels(p)).toEqual(labels(whole).filter((l) => labels(p).includes(l)));
    // Same folders as in the whole run, so the merged folder has the layout of one run.
    for (const p of [one, two]) for (const s of p.series) expect(s.dirName).toBe(whole.series.find((w) => w.label === s.label)!.dirName);
    // Every scenario of the whole run, once.
    const work = (p: typeof whole) => p.series.flatMap((s) => [...s.runnable, ...s.skipped.map((x) => x.scenario)].map((sc) => `${s.label}/${sc.name}`));
    expect([...work(one), ...work(two)].sort()).toEqual(work(whole).sort());
    expect(one.shard).toEqual({ index: 1, count: 2, allSeries: labels(whole), balance: 'patches' });
  });

  it('--shard-costs: the plan balances by the recorded costs when every series has one; a missing path is a usage error', async () => {
    const labels = (await planRun(req(), 'id')).series.map((s) => s.label);
    const dir = mkdtempSync(join(tmpdir(), 'kph-costs-'));
    // baseline recorded as the slow one: alone on its shard.
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary('2026-01-01T00:00:00Z', labels.map((l) => [l, l === 'baseline' ? 1_000_000 : 1000]))));
    const p = await planRun(req({ shard: { index: 1, count: 2 }, shardCosts: dir }), 'id');
    expect(p.series.map((s) => s.label)).toEqual(['baseline']);
    expect(p.shard?.balance).toBe('recorded');
    await expect(planRun(req({ shard: { index: 1, count: 2 }, shardCosts: join(dir, 'nope') }), 'id')).rejects.toMatchObject({ exitCode: 2 });
  });

  it('the split is the same whatever order the series are given in', async () => {
    const a = await planRun(req({ shard: { index: 1, count: 2 } }), 'id');
    const b = await planRun(req({ series: [...allSpecs()].reverse(), shard: { index: 1, count: 2 } }), 'id');
    expect(a.series.map((s) => s.label).sort()).toEqual(b.series.map((s) => s.label).sort());
  });

  it('more shards than series: some shards are empty, none runs a series twice', () => {
    const items = ['a', 'b'].map((key) => ({ label: key, patches: 1, scenarios: 1 }));
    const got = [1, 2, 3].map((index) => selectShard(items, { index, count: 3 }).indices);
    expect(got.flat().sort()).toEqual([0, 1]);
    expect(got.filter((g) => g.length === 0)).toHaveLength(1);
  });

  it('balances by cost, largest first (LPT): one heavy series alone, the light ones together', () => {
    expect(assignShards([{ key: 'a', cost: 10 }, { key: 'b', cost: 4 }, { key: 'c', cost: 3 }, { key: 'd', cost: 3 }], 2)).toEqual([1, 2, 2, 2]);
  });

  it('recorded costs win over patch counts only when every series has one', () => {
    const series = [{ label: 'baseline', patches: 0, scenarios: 10 }, { label: 'big@v1', patches: 20, scenarios: 10 }, { label: 'small@v1', patches: 2, scenarios: 10 }];
    // By patch count, big@v1 is alone.
    expect(selectShard(series, { index: 1, count: 2 })).toEqual({ indices: [1], source: 'patches' });
    // Recorded: baseline is the slow one (it runs the long scenarios).
    const recorded = new Map([['baseline', 900_000], ['big@v1', 100_000], ['small@v1', 100_000]]);
    expect(selectShard(series, { index: 1, count: 2 }, recorded)).toEqual({ indices: [0], source: 'recorded' });
    recorded.delete('small@v1');
    expect(selectShard(series, { index: 1, count: 2 }, recorded).source).toBe('patches');
  });

  it('costs from summaries: build plus boots plus scenarios; the newest run of a series wins', () => {
    const old = summary('2026-01-01T00:00:00Z', [['baseline', 1000], ['x@v1', 5]], { baseline: 50 });
    const recent = summary('2026-02-01T00:00:00Z', [['baseline', 10]]);
    const costs = costsFromSummaries([old, recent]);
    expect(costs.get('baseline')).toBe(110);
    expect(costs.get('x@v1')).toBe(105);
    // loadShardCosts: a folder of results folders, sorted by startedAt (not by folder name).
    const dir = mkdtempSync(join(tmpdir(), 'kph-costs-'));
    for (const [name, s] of [['b-old', old], ['a-recent', recent]] as const) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'summary.json'), JSON.stringify(s));
    }
    writeFileSync(join(dir, 'README.md'), 'not a run');
    expect(loadShardCosts(dir).get('baseline')).toBe(110);
    expect(loadShardCosts(join(dir, 'b-old')).get('baseline')).toBe(1150);
    expect(loadShardCosts(join(dir, 'b-old', 'summary.json')).get('baseline')).toBe(1150);
    expect(() => loadShardCosts(join(dir, 'nope'))).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => loadShardCosts(mkdtempSync(join(tmpdir(), 'kph-costs-')))).toThrow(/no summary.json/);
  });
});

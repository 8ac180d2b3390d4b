// KCIDB export: a real baseline summary (harness/test/fixtures/shards/baseline-summary.json,
// with two of its scenario folders) plus rows of every verdict and a bundled series with its
// real patch files, validated against KCIDB's published schema (../shared/schemas, not copied).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { VERDICTS, summarySchema } from '../core/summary.js';
import type { RunResult, Summary } from '../core/types.js';
import { main } from '../cli/main.js';
import { silentProgress } from './progress.js';
import { createReporters, multiplexReporters } from './reporter.js';
import { kcidbBuildStatus, kcidbTestStatus, pathSegment, toKcidb, type KcidbDoc } from './kcidb.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const SCHEMA = join(repoRoot, '..', 'shared', 'schemas', 'kcidb.v5.3.schema.json');
const FIXTURES = join(repoRoot, 'harness/test/fixtures/shards');
const V5 = join(repoRoot, 'kernel-patches/ns-serial/v5');
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

function summary(): Summary {
  const s = summarySchema.parse(JSON.parse(readFileSync(join(FIXTURES, 'baseline-summary.json'), 'utf8')));
  const files = readdirSync(V5).filter((f) => f.endsWith('.patch')).sort();
  s.series.push({ label: 'ns-serial@v5', name: 'ns-serial', revision: 'v5', dir: 'ns-serial@v5', records: { '1340': 'NS_INFO' }, provides: [], source: V5, patches: files.map((f) => ({ name: f, sha256: sha(readFileSync(join(V5, f))) })), kernel: { bzImage: '/k/bzImage', cached: false, buildMs: 420_000 } });
  s.series.push({ label: 'broken@v1', name: 'broken', revision: 'v1', dir: 'broken@v1', records: {}, provides: [], source: '/src/broken.mbox', patches: [{ name: 'broken.mbox#1 (fix a/b)', sha256: sha('x') }] });
  const row = (series: string, revision: string | null, scenario: string, verdict: RunResult['verdict'], extra: Partial<RunResult> = {}): RunResult => ({ series, revision, scenario, verdict, failures: verdict === 'pass' ? [] : [{ code: 'E_CHECK', message: `${verdict} happened`, excerpt: ['line 1', 'line 2'] }], durationsMs: { build: 1, boot: 1, scenario: 1000 }, dir: `${series}${revision ? `@${revision}` : ''}/${scenario}`, ...extra });
  const verdicts = VERDICTS.filter((v) => !['apply-error', 'config-error', 'build-error'].includes(v));
  s.runs.push(...verdicts.map((v) => row('ns-serial', 'v5', `s-${v}`, v, v === 'pass' ? { metrics: { setnsPerSec: 1225.5 } } : {})));
  s.runs.push(row('broken', 'v1', 'unshare-net', 'build-error'), row('broken', 'v1', 'setns-loop', 'build-error'));
  return s;
}

describe('KCIDB export', () => {
  it('validates against KCIDB\'s schema v5.3', (ctx) => {
    if (!existsSync(SCHEMA)) {
      ctx.skip(`KCIDB schema not found at ${SCHEMA} (it is kept outside the repository, in ../shared/schemas)`);
      return;
    }
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
    const s = summary();
    s.runs[0] = { ...s.runs[0]!, metrics: { perSec: 27, broken: Number.NaN } }; // NaN has no JSON form: left out
    const doc = toKcidb(s, { outDir: FIXTURES });
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
    const done = doc.tests.filter((t) => t.status === 'DONE').map((t) => t.path);
    expect(done).toContain('kph.boot-records.perSec');
    expect(done).toContain('kph.setns-loop.setnsPerSec');
    expect(done).not.toContain('kph.boot-records.broken');
    const withBase = toKcidb(summary(), { outDir: FIXTURES, origin: 'my_lab', urlBase: 'https://ci.example.org/artifacts/run-1/' });
    expect(validate(withBase), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
    // Something the schema refuses is caught: the test is not vacuous.
    expect(validate({ ...doc, tests: [{ ...doc.tests[0], status: 'pass' }] })).toBe(false);
  });

  it('maps every verdict to a KCIDB status', () => {
    const t = (verdict: RunResult['verdict'], scenario = 1) => kcidbTestStatus({ verdict, durationsMs: { build: 0, boot: 0, scenario } });
    expect(Object.fromEntries(VERDICTS.map((v) => [v, t(v)]))).toEqual({
      pass: 'PASS', fail: 'FAIL', crash: 'FAIL', timeout: 'FAIL', 'boot-error': 'FAIL',
      'apply-error': 'MISS', 'config-error': 'MISS', 'build-error': 'MISS',
      'infra-error': 'ERROR', inconclusive: 'ERROR', skip: 'SKIP', flaky: 'FAIL', leak: 'FAIL',
    });
    expect(t('infra-error', 0)).toBe('MISS');
  });

  it('one checkout and one build per series; the series is the patchset, hashed as KCIDB defines it', () => {
    const doc = toKcidb(summary(), { outDir: FIXTURES });
    expect(doc.version).toEqual({ major: 5, minor: 3 });
    expect(doc.checkouts.map((c) => (c.misc as { series: string }).series)).toEqual(['baseline', 'ns-serial@v5', 'broken@v1']);
    expect(doc.builds.map((b) => b.checkout_id)).toEqual(doc.checkouts.map((c) => c.id));
    const [base, v5, broken] = doc.checkouts as (KcidbDoc['checkouts'][number] & { patchset_files: { name: string; url: string }[]; patchset_hash: string })[];
    expect(base!.patchset_files).toEqual([]);
    expect(base!.patchset_hash).toBe('');
    const files = readdirSync(V5).filter((f) => f.endsWith('.patch')).sort();
    expect(v5!.patchset_files.map((f) => f.name)).toEqual(files);
    expect(v5!.patchset_files[0]!.url).toBe(`file://${join(V5, files[0]!)}`);
    // sha256sum *.patch | cut -c-64 | sha256sum | cut -c-64
    expect(v5!.patchset_hash).toBe(sha(files.map((f) => `${sha(readFileSync(join(V5, f)))}\n`).join('')));
    expect(broken!.patchset_files).toEqual([{ name: 'broken.mbox#1 (fix a_b)', url: 'file:///src/broken.mbox#1' }]);
    expect(doc.builds.map((b) => b.status)).toEqual(['PASS', 'PASS', 'FAIL']);
    expect(doc.checkouts.map((c) => c.valid)).toEqual([true, true, true]);
    // A series that does not apply: an invalid checkout, and a build that never started.
    const s = summary();
    s.runs = s.runs.map((r) => (r.series === 'broken' ? { ...r, verdict: 'apply-error', failures: [{ code: 'E_APPLY', message: '0001-x.patch: hunk 2 of kernel/nsproxy.c FAILED' }] } : r));
    const bad = toKcidb(s, { outDir: FIXTURES });
    expect(bad.checkouts[2]).toMatchObject({ valid: false, log_excerpt: '0001-x.patch: hunk 2 of kernel/nsproxy.c FAILED' });
    expect(bad.builds[2]!.status).toBe('MISS');
    expect(doc.builds[2]!.log_excerpt).toContain('build-error happened');
    expect(doc.builds[1]!.duration).toBe(420);
    expect(kcidbBuildStatus(undefined, [])).toBe('MISS');
  });

  it('each scenario a test kph.<scenario>, each check kph.<scenario>.<check>, each figure DONE; logs by URL', () => {
    const doc = toKcidb(summary(), { outDir: FIXTURES, urlBase: 'https://ci.example.org/r/' });
    const byPath = (b: string) => doc.tests.filter((t) => String(t.build_id).endsWith(`:${b}`));
    const base = byPath('baseline');
    expect(base.filter((t) => !String(t.path).split('.')[2]).map((t) => t.path)).toContain('kph.ns-delete');
    expect(base.filter((t) => String(t.path).startsWith('kph.ns-delete.')).map((t) => [t.path, t.status])).toEqual([
      ['kph.ns-delete.guest_script_exit_code', 'PASS'],
      ['kph.ns-delete.the_task_exited_before_the_fd_was_released', 'PASS'],
      ['kph.ns-delete.no_namespace_records_and_no_net_snum_without_the_series', 'PASS'],
    ]);
    const nsd = base.find((t) => t.path === 'kph.ns-delete')!;
    expect(nsd.log_url).toBe('https://ci.example.org/r/baseline/ns-delete/verdict.json');
    expect((nsd.output_files as { name: string }[]).map((f) => f.name)).toEqual(['checks.json', 'events.jsonl', 'records.jsonl', 'verdict.json']);
    const v5 = byPath('ns-serial@v5');
    expect(v5.find((t) => t.path === 'kph.s-pass.setnsPerSec')).toMatchObject({ status: 'DONE', number: { value: 1225.5 } });
    expect(v5.find((t) => t.path === 'kph.s-inconclusive')).toMatchObject({ status: 'ERROR', log_excerpt: 'E_CHECK inconclusive happened\nline 1\nline 2' });
    expect(byPath('broken@v1').map((t) => t.status)).toEqual(['MISS', 'MISS']);
    expect(new Set(doc.tests.map((t) => t.id)).size).toBe(doc.tests.length);
    for (const t of doc.tests) expect(t.path).toMatch(/^kph(\.[a-zA-Z0-9_-]+)+$/);
  });

  it('a failed check takes its scenario\'s status; repeated check names stay distinct', () => {
    const s = summary();
    s.runs = [{ ...s.runs[0]!, verdict: 'inconclusive' }, { ...s.runs[1]!, verdict: 'fail', failures: [{ code: 'E_CHECK', message: 'x' }] }];
    const checks = () => [{ name: 'count ok', ok: false }, { name: 'count ok', ok: true }];
    const doc = toKcidb(s, { outDir: FIXTURES, checks, files: () => [] });
    expect(doc.tests.map((t) => [String(t.path).split('.').slice(2).join('.'), t.status])).toEqual([
      ['', 'ERROR'], ['count_ok', 'ERROR'], ['count_ok-2', 'PASS'],
      ['', 'FAIL'], ['count_ok', 'FAIL'], ['count_ok-2', 'PASS'],
    ]);
    expect(pathSegment('a.b c/d')).toBe('a_b_c_d');
  });

  it('refuses an origin KCIDB would refuse (usage error)', () => {
    expect(() => toKcidb(summary(), { outDir: FIXTURES, origin: 'My-Lab' })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('--reporter kcidb writes kcidb.json (origin from KPH_KCIDB_ORIGIN); kph export kcidb writes it for a stored run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kph-kcidb-'));
    const r = multiplexReporters(createReporters(['kcidb'], { outDir: out, progress: silentProgress, env: { KPH_KCIDB_ORIGIN: 'lab_x' }, textOut: process.stdout }), (n, p, e) => { throw e; });
    r.onRunEnd(summary(), { diffs: [] });
    const doc = JSON.parse(readFileSync(join(out, 'kcidb.json'), 'utf8')) as KcidbDoc;
    expect(doc.checkouts[0]!.origin).toBe('lab_x');
    expect(readdirSync(out).sort()).toEqual(['kcidb.json', 'summary.json']);
    const o = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(await main(['node', 'kph', 'export', 'kcidb', out, '--origin', 'kph_ci', '--out', join(out, 'k.json')])).toBe(0);
      expect(await main(['node', 'kph', 'export', 'kcidb', out, '--origin', 'Bad-Origin', '--out', join(out, 'k2.json')])).toBe(2);
    } finally {
      process.stdout.write = o;
    }
    expect((JSON.parse(readFileSync(join(out, 'k.json'), 'utf8')) as KcidbDoc).builds[0]!.origin).toBe('kph_ci');
  });
});

// KernelCI's KCIDB I/O format (schema v5.3): a run as checkouts, builds and tests, so a lab can
// submit kph results with `kcidb-submit` unchanged. `--reporter kcidb` writes kcidb.json at the
// end of a run; `kph export kcidb RUN` writes it for a stored (or merged) results folder.
//
// - checkout: one per series — the base (`base.spec`, Linux `base.version`) with the series as
//   the patchset (patchset_files: the patch files in order, patchset_hash as KCIDB defines it).
//   Baseline's checkout has an empty patchset. A series that does not apply: valid: false.
// - build: one per checkout — the series' kernel (status from the kernel stage).
// - tests: per build, `kph.<scenario>` for each scenario row, `kph.<scenario>.<check>` for each
//   check in its checks.json, `kph.<scenario>.<metric>` (DONE, with the value) for each figure.
// - logs: referenced by URL: `--url-base` + the path in the results folder (default: file://
//   URLs of the folder), so they resolve wherever the folder is published.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../core/errors.js';
import { seriesLabel } from '../core/label.js';
import type { RunResult, SeriesEntry, Summary, Verdict } from '../core/types.js';

export const KCIDB_STATUSES = ['FAIL', 'ERROR', 'MISS', 'PASS', 'DONE', 'SKIP'] as const;
export type KcidbStatus = (typeof KCIDB_STATUSES)[number];

/**
 * kph verdicts as KCIDB test statuses. FAIL: the kernel was shown faulty (checks failed, a
 * splat, a hang, a kernel that does not boot). ERROR: the test ran but cannot conclude (records
 * or events were lost; the harness failed during the scenario). MISS: the test never ran for a
 * reason that says nothing about this test (the build failed — the build is FAIL —, or the
 * harness failed before the scenario). SKIP: not applicable (capability, kernel option).
 */
export function kcidbTestStatus(r: Pick<RunResult, 'verdict' | 'durationsMs'>): KcidbStatus {
  const map: Record<Verdict, KcidbStatus> = {
    pass: 'PASS',
    fail: 'FAIL',
    crash: 'FAIL',
    timeout: 'FAIL',
    'boot-error': 'FAIL',
    'apply-error': 'MISS',
    'config-error': 'MISS',
    'build-error': 'MISS',
    'infra-error': r.durationsMs.scenario > 0 ? 'ERROR' : 'MISS',
    inconclusive: 'ERROR',
    skip: 'SKIP',
    // --repeat N: the kernel failed the scenario some of the time: shown faulty, never a pass.
    flaky: 'FAIL',
    // --kconfig kmemleak: the series' kernel leaked memory the baseline kernel does not.
    leak: 'FAIL',
  };
  return map[r.verdict];
}

const BUILD_FAULTS: readonly Verdict[] = ['apply-error', 'config-error', 'build-error'];

/** The build's status: FAIL when the series did not configure or compile; PASS when a kernel was made. */
export function kcidbBuildStatus(entry: SeriesEntry | undefined, rows: RunResult[]): KcidbStatus {
  // A series that does not apply makes an invalid checkout (valid: false): its build never started.
  if (rows.some((r) => r.verdict === 'apply-error')) return 'MISS';
  if (rows.some((r) => BUILD_FAULTS.includes(r.verdict))) return 'FAIL';
  if (entry?.kernel) return 'PASS';
  if (rows.length && rows.every((r) => r.verdict === 'skip')) return 'SKIP';
  return 'MISS';
}

/** One segment of a KCIDB test path: [a-zA-Z0-9_-]+. */
export function pathSegment(s: string): string {
  return s.replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || '_';
}

export interface Check {
  name: string;
  ok: boolean;
  message?: string;
}

export interface KcidbOptions {
  /** The CI system's name in KCIDB ([a-z0-9_]+; default kph). */
  origin?: string;
  /** Logs are `urlBase/<path in the results folder>` (default: file:// URLs of the folder). */
  urlBase?: string;
  /** The results folder (for file:// URLs and to read checks.json and file lists). */
  outDir: string;
  /** Read a run's checks (default: its checks.json). */
  checks?: (dir: string) => Check[];
  /** Files (not folders) in a folder of the results folder, relative (default: readdir). */
  files?: (dir: string) => string[];
}

export interface KcidbResource {
  name: string;
  url: string;
}
export type KcidbObject = Record<string, unknown> & { id: string; origin: string };
export interface KcidbDoc {
  version: { major: 5; minor: 3 };
  checkouts: KcidbObject[];
  builds: KcidbObject[];
  tests: KcidbObject[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const excerpt = (lines: string[]) => {
  const t = lines.join('\n').replace(/\0/g, '');
  return t.length > 16384 ? t.slice(0, 16000) + '\n[...]' : t;
};
const label = (r: RunResult) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig });

function fsChecks(outDir: string) {
  return (dir: string): Check[] => {
    const f = join(outDir, dir, 'checks.json');
    if (!existsSync(f)) return [];
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as Check[];
    } catch {
      return [];
    }
  };
}

function fsFiles(outDir: string) {
  return (dir: string): string[] => {
    const d = join(outDir, dir);
    if (!existsSync(d)) return [];
    return readdirSync(d).filter((f) => statSync(join(d, f)).isFile()).sort();
  };
}

/** The run as a KCIDB I/O document (schema v5.3). */
export function toKcidb(summary: Summary, opts: KcidbOptions): KcidbDoc {
  const origin = opts.origin ?? 'kph';
  if (!/^[a-z0-9_]+$/.test(origin)) throw new UsageError(`KCIDB origin "${origin}": only a-z, 0-9 and _ are allowed.`);
  const base = (opts.urlBase ?? pathToFileURL(resolve(opts.outDir)).href).replace(/\/+$/, '');
  const url = (rel: string) => `${base}/${rel.split('/').map(encodeURIComponent).join('/')}`;
  const checks = opts.checks ?? fsChecks(opts.outDir);
  const files = opts.files ?? fsFiles(opts.outDir);
  const resources = (dir: string): KcidbResource[] => files(dir).map((f) => ({ name: f, url: url(`${dir}/${f}`) }));
  // A run's identity: the same run exported twice gives the same ids (KCIDB merges them).
  const runKey = sha256(JSON.stringify([summary.startedAt, summary.base, summary.kph.version, summary.series.map((s) => s.label)])).slice(0, 16);
  const doc: KcidbDoc = { version: { major: 5, minor: 3 }, checkouts: [], builds: [], tests: [] };
  const labels = [...new Set([...summary.series.map((s) => s.label), ...summary.runs.map(label)])];
  for (const l of labels) {
    const entry = summary.series.find((s) => s.label === l);
    const rows = summary.runs.filter((r) => label(r) === l);
    const dir = entry?.dir ?? rows[0]!.dir.split('/')[0]!;
    const id = `${origin}:${runKey}:${dir}`;
    // Summaries before patch hashes were recorded: baseline's patchset is still known (empty).
    const patches = entry?.patches ?? (entry?.name === 'baseline' ? [] : undefined);
    const patchset = entry && patches
      ? {
          patchset_files: patches.map((p) => {
            const mbox = entry.source && p.name.startsWith(`${basename(entry.source)}#`);
            const u = !entry.source ? url(`${dir}/${p.name}`) : mbox ? `${pathToFileURL(entry.source).href}#${p.name.slice(basename(entry.source).length + 1).split(' ')[0]}` : pathToFileURL(join(entry.source, p.name)).href;
            return { name: p.name.replace(/[/\0]/g, '_'), url: u };
          }),
          patchset_hash: patches.length ? sha256(patches.map((p) => `${p.sha256}\n`).join('')) : '',
        }
      : {};
    const applyFault = rows.find((r) => r.verdict === 'apply-error');
    const buildFault = rows.find((r) => r.verdict === 'config-error' || r.verdict === 'build-error');
    doc.checkouts.push({
      id,
      origin,
      comment: `Linux ${summary.base.version} (${summary.base.spec})${entry?.name === 'baseline' && entry.revision === null ? '' : ` + ${entry ? seriesLabel({ name: entry.name, revision: entry.revision }) : l}`}`,
      start_time: summary.startedAt,
      ...patchset,
      // KCIDB's validity of a checkout: could the parts be combined, i.e. did the series apply.
      ...(applyFault ? { valid: false, log_excerpt: excerpt(applyFault.failures.flatMap((f) => [f.message, ...(f.excerpt ?? [])])) } : entry?.kernel || buildFault ? { valid: true } : {}),
      ...(applyFault && files(dir).includes('apply.log') ? { log_url: url(`${dir}/apply.log`) } : {}),
      misc: { kph_version: summary.kph.version, base_spec: summary.base.spec, base_version: summary.base.version, series: l, ...(entry?.source ? { source: entry.source } : {}) },
    });
    const seriesFiles = files(dir);
    doc.builds.push({
      id,
      origin,
      checkout_id: id,
      comment: `${l}: kernel${entry?.kernel?.cached ? ' (cached)' : ''}`,
      ...(entry?.kernel ? { duration: entry.kernel.buildMs / 1000 } : {}),
      architecture: 'x86_64',
      config_name: `kph (tinyconfig + harness/config/base.config + the series' config${entry?.kconfig?.length ? ` + ${entry.kconfig.map((k) => k.source).join(' + ')}` : ''})`,
      ...(seriesFiles.includes('build.log') ? { log_url: url(`${dir}/build.log`) } : {}),
      ...(buildFault ? { log_excerpt: excerpt(buildFault.failures.flatMap((f) => [f.message, ...(f.excerpt ?? [])])) } : {}),
      ...(seriesFiles.length ? { output_files: seriesFiles.map((f) => ({ name: f, url: url(`${dir}/${f}`) })) } : {}),
      status: kcidbBuildStatus(entry, rows),
      misc: { ...(entry?.kernel ? { bzImage: entry.kernel.bzImage, cached: entry.kernel.cached } : {}) },
    });
    const environment = { comment: `QEMU (${summary.accel})`, misc: { accel: summary.accel, ...(summary.accelReason ? { accel_reason: summary.accelReason } : {}) } };
    for (const r of rows) {
      const status = kcidbTestStatus(r);
      const tid = `${id}:${r.scenario}`;
      // A peer suite's test (audit-testsuite/exec_name) is one level deeper: kph.audit-testsuite.exec_name.
      const path = `kph.${r.scenario.split('/').map(pathSegment).join('.')}`;
      const rfiles = files(r.dir);
      const log = rfiles.includes('console.log') ? 'console.log' : rfiles.includes('verdict.json') ? 'verdict.json' : null;
      doc.tests.push({
        id: tid,
        origin,
        build_id: id,
        path,
        status,
        comment: `${l} · ${r.scenario}: ${r.verdict}${r.failures[0] ? ` — ${r.failures[0].message.split('\n')[0]}` : ''}`.replace(/\0/g, ''),
        duration: r.durationsMs.scenario / 1000,
        environment,
        ...(log ? { log_url: url(`${r.dir}/${log}`) } : {}),
        ...(r.failures.length ? { log_excerpt: excerpt(r.failures.flatMap((f) => [`${f.code ?? ''} ${f.message}`.trim(), ...(f.excerpt ?? [])])) } : {}),
        ...(rfiles.length ? { output_files: rfiles.map((f) => ({ name: f, url: url(`${r.dir}/${f}`) })) } : {}),
        misc: { verdict: r.verdict, failure_codes: r.failures.map((f) => f.code ?? null), dir: r.dir, ...(r.params ? { params: r.params } : {}), ...(r.notes ? { notes: r.notes } : {}) },
      });
      // Each check: PASS when it held; when it did not, the scenario's own status (FAIL, or ERROR
      // when the scenario could not conclude), so a check never says more than its scenario.
      const seen = new Map<string, number>();
      for (const c of checks(r.dir)) {
        let seg = pathSegment(c.name);
        const n = (seen.get(seg) ?? 0) + 1;
        seen.set(seg, n);
        if (n > 1) seg = `${seg}-${n}`;
        doc.tests.push({
          id: `${tid}:${seg}`,
          origin,
          build_id: id,
          path: `${path}.${seg}`,
          status: c.ok ? 'PASS' : status === 'PASS' ? 'FAIL' : status,
          comment: `${c.name}${c.message ? `: ${c.message}` : ''}`.replace(/\0/g, '').slice(0, 4096),
          environment,
          ...(log ? { log_url: url(`${r.dir}/${log}`) } : {}),
          misc: { check: c.name, ok: c.ok },
        });
      }
      for (const [k, v] of Object.entries(r.metrics ?? {}).filter(([, v]) => Number.isFinite(v))) {
        doc.tests.push({ id: `${tid}:metric:${pathSegment(k)}`, origin, build_id: id, path: `${path}.${pathSegment(k)}`, status: 'DONE', comment: `${r.scenario}: ${k} = ${v}`, environment, number: { value: v } });
      }
    }
  }
  return doc;
}

/** `kph export kcidb RUN`: the document of a stored results folder. */
export function exportKcidb(summary: Summary, runDir: string, opts: Omit<KcidbOptions, 'outDir'> = {}): KcidbDoc {
  return toKcidb(summary, { ...opts, outDir: runDir });
}

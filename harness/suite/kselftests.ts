// `--suite kselftests`: the base tree's own kernel selftests about namespaces (the list and why:
// harness/suite/kselftests-list.ts), run in the guest like the audit-testsuite, on a boot of
// their own after the scenarios.
// - On the host: built statically from the series' own tree against its installed uapi headers.
//   The headers come from harness/image/selftests.ts (buildSelftests: `make headers_install` in
//   the series' build, cached by its build stamp); the binaries go next to them, in the series'
//   work folder (selftests/kselftests/), cached by the build stamp and the selftest sources. Each
//   binary is linked with a constructor of kph's that makes stdout line buffered (the tests fork
//   after printing: a block-buffered pipe would print their lines twice); the sources are never
//   edited. A binary that does not compile against a series is that binary's row failing with
//   the compiler's words (the series' fault), not the run stopping.
// - In the guest: each binary in turn, bounded by `timeout`, its stderr merged into its stdout,
//   framed by `kph-kselftest: NAME` and `kph-kselftest-exit: NAME STATUS` lines.
// - Judged (pure): one row per binary (`kselftests/pidfd_test`: the binary's exit status and its
//   plan, as the kselftest runner judges it: 0 pass, 4 skip, else fail) and one row per KTAP test
//   case it printed (`kselftests/pidfd_test:3`, with `:fixture.test` appended for
//   kselftest_harness tests: `kselftests/pidfd_setns_test:2:current_nsset.invalid_flags`), plus
//   `kselftests/runtests` for the run as a whole. A case's output is the lines it printed before
//   its `ok`/`not ok` line (KTAP puts the diagnostics first).
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { KphError } from '../core/errors.js';
import type { Failure, Verdict } from '../core/types.js';
import { buildSelftests } from '../image/selftests.js';
import { findSplats } from '../parse/console.js';
import type { Runner } from '../process/exec.js';
import type { GuestSession } from '../ssh/guest.js';
import type { SuiteJudgeInput, SuiteRow } from './judge.js';
import { KSELFTESTS } from './kselftests-list.js';
import { suiteRowName, suiteRunRowName } from './suite.js';

export { KSELFTESTS };

/** Where the binaries go in the guest. */
export const GUEST_KSELFTEST_DIR = '/tmp/kph-kselftests';
/** Each binary's bound in the guest (TCG: the slowest take tens of seconds). */
export const KSELFTEST_TIMEOUT_SEC = 300;

/** Linked into every binary: stdout line buffered before main, so a fork does not duplicate buffered lines. */
export const LINEBUF_C = `/* kph: stdout line buffered, as on a terminal; the selftest's own source is unchanged. */
#include <stdio.h>
__attribute__((constructor)) static void kph_stdout_line_buffered(void)
{
\tsetvbuf(stdout, NULL, _IOLBF, 0);
}
`;

export interface KselftestsBuild {
  /** The folder holding the binaries. */
  dir: string;
  /** Binaries built (in dir). */
  binaries: string[];
  /** Binaries that did not compile against the series, with the compiler's words. */
  errors: Record<string, string>;
  /** Nothing could be built (the headers did not install): why. */
  error: string | null;
  cached: boolean;
  buildMs: number;
}

function sha(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** Every file of the selftest folders the binaries come from, and the kselftest headers: the cache key's sources. */
function sourceFiles(srcDir: string, names: string[]): string[] {
  const dirs = new Set(KSELFTESTS.filter((k) => names.includes(k.name)).map((k) => dirname(join(srcDir, k.src))));
  dirs.add(join(srcDir, 'tools/testing/selftests/pidfd')); // pidfd.h, included by pid_namespace
  const files: string[] = [];
  for (const d of [...dirs].sort()) if (existsSync(d)) for (const f of readdirSync(d).sort()) if (statSync(join(d, f)).isFile() && /\.[ch]$/.test(f)) files.push(join(d, f));
  for (const f of ['kselftest.h', 'kselftest_harness.h']) if (existsSync(join(srcDir, 'tools/testing/selftests', f))) files.push(join(srcDir, 'tools/testing/selftests', f));
  return files;
}

/**
 * Build `names` from the tree `buildDir/source` points to (the patched tree of an O= build).
 * Never throws: a compile error is that binary's entry in `errors`.
 */
export async function buildKselftests(opts: { runner: Runner; buildDir: string; names: string[]; logFile?: string }): Promise<KselftestsBuild> {
  const started = Date.now();
  const dir = join(dirname(opts.buildDir), 'selftests', 'kselftests');
  try {
    return await build(opts, dir, started);
  } catch (e) {
    return { dir, binaries: [], errors: {}, error: `building the kselftests failed: ${e instanceof Error ? e.message : String(e)}`, cached: false, buildMs: Date.now() - started };
  }
}

async function build(opts: { runner: Runner; buildDir: string; names: string[]; logFile?: string }, dir: string, started: number): Promise<KselftestsBuild> {
  const { runner, buildDir, names } = opts;
  const srcDir = join(buildDir, 'source');
  // The uapi headers of the patched tree, installed (and cached) by the scenarios' selftest build.
  const headers = await buildSelftests({ runner, buildDir, logFile: opts.logFile });
  const hdr = join(headers.dir, 'headers', 'include');
  if (!existsSync(hdr)) return { dir, binaries: [], errors: {}, error: headers.error ?? `no installed headers in ${hdr}`, cached: false, buildMs: Date.now() - started };
  mkdirSync(dir, { recursive: true });
  const log = (s: string) => {
    appendFileSync(join(dir, 'build.log'), s);
    if (opts.logFile) appendFileSync(opts.logFile, s);
  };
  const list = KSELFTESTS.filter((k) => names.includes(k.name));
  const stamp = existsSync(join(buildDir, '.kph-build-stamp')) ? readFileSync(join(buildDir, '.kph-build-stamp'), 'utf8') : String(Date.now());
  const files = sourceFiles(srcDir, names);
  const key = sha(['kselftests-v1', stamp, LINEBUF_C, JSON.stringify(list), ...files.flatMap((f) => [f.slice(srcDir.length), readFileSync(f)])]);
  const stampFile = join(dir, '.kph-kselftests-stamp');
  const errorsFile = join(dir, 'errors.json');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === key) {
    const errors = (existsSync(errorsFile) ? JSON.parse(readFileSync(errorsFile, 'utf8')) : {}) as Record<string, string>;
    const binaries = list.map((k) => k.name).filter((n) => !errors[n] && existsSync(join(dir, n)));
    if (binaries.length + Object.keys(errors).length === list.length) {
      log(`kselftests: stamp matches (${key.slice(0, 12)}): ${binaries.join(', ')} already built\n`);
      return { dir, binaries, errors, error: null, cached: true, buildMs: 0 };
    }
  }
  rmSync(stampFile, { force: true });
  writeFileSync(join(dir, 'build.log'), '');
  writeFileSync(join(dir, 'kph-linebuf.c'), LINEBUF_C);
  const binaries: string[] = [];
  const errors: Record<string, string> = {};
  for (const k of list) {
    const src = join(srcDir, k.src);
    if (!existsSync(src)) {
      errors[k.name] = `${k.src} is not in the series' tree`;
      continue;
    }
    rmSync(join(dir, k.name), { force: true });
    // As the selftest Makefiles do (CFLAGS += ... $(KHDR_INCLUDES)), statically, with kph's line-buffering constructor.
    const r = await runner.run('gcc', ['-static', '-O2', '-Wall', ...k.cflags, '-isystem', hdr, '-o', join(dir, k.name), src, join(dir, 'kph-linebuf.c')], { allowFailure: true, timeoutMs: 5 * 60_000 });
    log(`$ ${r.command}\n${r.stdout}${r.stderr}`);
    if (r.exitCode === 0) binaries.push(k.name);
    else errors[k.name] = `${k.name} does not compile against the series' tree and headers (gcc exit ${r.exitCode}):\n${r.stderr.trim().split('\n').slice(0, 20).join('\n')}`;
  }
  writeFileSync(errorsFile, JSON.stringify(errors, null, 2) + '\n');
  writeFileSync(stampFile, key);
  return { dir, binaries, errors, error: null, cached: false, buildMs: Date.now() - started };
}

/**
 * The guest side: each binary in turn, framed, bounded. `asUid` (KPH_KSELFTESTS_AS_UID, by hand
 * only): run them unprivileged through setpriv instead of as root, to see (and capture) the
 * paths the tests take without privilege: their skips and failures.
 */
export function kselftestsRunnerScript(binaries: string[], asUid?: number): string {
  for (const b of binaries) if (!/^[A-Za-z0-9_]+$/.test(b)) throw new KphError('E_USAGE', 'scenario', `kselftest name "${b}" is not a binary name.`);
  const as = asUid !== undefined && Number.isInteger(asUid) && asUid > 0 ? `setpriv --reuid=${asUid} --regid=${asUid} --clear-groups ` : '';
  return `#!/bin/bash
# kph: the kernel's own selftests on a boot of their own, one after the other.
set -u
cd ${GUEST_KSELFTEST_DIR} || exit 90
for t in ${binaries.join(' ')}; do
  echo "kph-kselftest: $t"
  s=$(date +%s%N)
  timeout -k 10 ${KSELFTEST_TIMEOUT_SEC} ${as}./$t </dev/null 2>&1
  rc=$?
  echo "kph-kselftest-exit: $t $rc $(( ($(date +%s%N) - s) / 1000000 ))"
done
echo "kph-kselftests-done"
exit 0
`;
}

export interface KselftestsGuestRun {
  output: string;
  exitCode: number | null;
  timedOut: boolean;
  wallMs: number;
}

/** Upload the binaries and the runner, run them, return what they printed. Throws on upload failure. */
export async function runKselftests(session: GuestSession, built: KselftestsBuild, env: NodeJS.ProcessEnv = process.env): Promise<KselftestsGuestRun> {
  const asUid = env.KPH_KSELFTESTS_AS_UID ? Number(env.KPH_KSELFTESTS_AS_UID) : undefined;
  const stage = mkdtempSync(join(tmpdir(), 'kph-kselftests-'));
  try {
    for (const b of built.binaries) writeFileSync(join(stage, b), readFileSync(join(built.dir, b)), { mode: 0o755 });
    writeFileSync(join(stage, 'run.sh'), kselftestsRunnerScript(built.binaries, asUid), { mode: 0o755 });
    const up = await session.execWithInput(`rm -rf ${GUEST_KSELFTEST_DIR} && mkdir -p ${GUEST_KSELFTEST_DIR} && tar -x -C ${GUEST_KSELFTEST_DIR} && chmod 755 ${GUEST_KSELFTEST_DIR} ${GUEST_KSELFTEST_DIR}/*`, Readable.from(tar.c({ cwd: stage, portable: true }, [...built.binaries, 'run.sh'])), 300_000);
    if (up.code !== 0) throw new KphError('E_UPLOAD', 'capture', `Uploading the kselftests to the guest failed: ${up.stderr.trim()}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const started = Date.now();
  const r = await session.exec(`bash ${GUEST_KSELFTEST_DIR}/run.sh`, { timeoutMs: (built.binaries.length * (KSELFTEST_TIMEOUT_SEC + 15) + 60) * 1000 });
  const wallMs = Date.now() - started;
  if (r.code !== 0 && !r.stdout.includes('kph-kselftests-done')) throw new KphError('E_CAPTURE', 'capture', `The kselftests' runner script failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' / ')}`);
  return { output: r.stdout, exitCode: r.code, timedOut: false, wallMs };
}

// ---- parsing (pure) ----

/** One KTAP test case a binary printed. */
export interface KtapCase {
  n: number;
  ok: boolean;
  /** What follows the number: `global.owner`, `Sent signal`... (directive removed). */
  description: string;
  skip?: string;
  xfail?: string;
  /** `not ok N # error ...` (ksft_test_result_error). */
  error?: string;
  /** The lines printed since the previous case line: the case's diagnostics. */
  output: string[];
}

export interface KselftestBinaryOutput {
  name: string;
  /** `1..N`; null when the binary printed no plan (not a KTAP test: judged by its exit status alone). */
  planned: number | null;
  /** `1..0 # SKIP why`. */
  skipAll?: string;
  /** `Bail out! why` (ksft_exit_fail_msg): the binary stopped before its plan was done. */
  bailOut?: string;
  cases: KtapCase[];
  /** `# Totals: pass:N fail:N xfail:N xpass:N skip:N error:N`. */
  totals?: Record<string, number>;
  /** The binary's exit status (124/137: timeout killed it); null when its framing line never came. */
  exitStatus: number | null;
  /** How long it ran (the guest's clock). */
  durationMs?: number;
  /** Every line the binary printed. */
  lines: string[];
}

export interface KselftestsOutput {
  binaries: KselftestBinaryOutput[];
  /** The runner's last line came: the run was not cut off. */
  finished: boolean;
}

const START = /^kph-kselftest: (\S+)\s*$/;
const EXIT = /^kph-kselftest-exit: (\S+) (\d+)(?: (\d+))?\s*$/;
const CASE = /^(not )?ok (\d+)\b ?(.*)$/;

function splitDirective(rest: string): { description: string; skip?: string; xfail?: string; error?: string } {
  const m = /^(.*?)\s*#\s*(SKIP|XFAIL|error|TODO)\b\s*(.*)$/i.exec(rest);
  if (!m) return { description: rest.trim() };
  const kind = m[2]!.toLowerCase();
  const why = m[3]!.trim();
  const description = m[1]!.trim();
  if (kind === 'skip') return { description, skip: why || 'skipped' };
  if (kind === 'xfail') return { description, xfail: why || 'expected failure' };
  if (kind === 'error') return { description, error: why || 'error' };
  return { description: rest.trim() };
}

export function parseKselftestsOutput(text: string): KselftestsOutput {
  const out: KselftestsOutput = { binaries: [], finished: false };
  let cur: KselftestBinaryOutput | null = null;
  let pending: string[] = [];
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === 'kph-kselftests-done') {
      out.finished = true;
      cur = null;
      continue;
    }
    const s = START.exec(line);
    if (s) {
      cur = { name: s[1]!, planned: null, cases: [], exitStatus: null, lines: [] };
      out.binaries.push(cur);
      pending = [];
      continue;
    }
    const e = EXIT.exec(line);
    if (e && cur && e[1] === cur.name) {
      cur.exitStatus = Number(e[2]);
      if (e[3] !== undefined) cur.durationMs = Number(e[3]);
      cur = null;
      continue;
    }
    if (!cur) continue;
    cur.lines.push(line);
    const plan = /^1\.\.(\d+)(?:\s*#\s*SKIP\b\s*(.*))?$/i.exec(line);
    if (plan && cur.planned === null) {
      cur.planned = Number(plan[1]);
      if (plan[2] !== undefined || cur.planned === 0) cur.skipAll = (plan[2] ?? '').trim() || 'no tests';
      continue;
    }
    const c = CASE.exec(line);
    if (c) {
      cur.cases.push({ n: Number(c[2]), ok: !c[1], ...splitDirective(c[3] ?? ''), output: pending });
      pending = [];
      continue;
    }
    const bail = /^Bail out!\s*(.*)$/.exec(line);
    if (bail) cur.bailOut = bail[1]!.trim() || 'bailed out';
    const totals = /^# Totals: (.*)$/.exec(line);
    if (totals) cur.totals = Object.fromEntries([...totals[1]!.matchAll(/(\w+):(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    pending.push(line);
  }
  return out;
}

/** The row of a test case: `pidfd_test:3`, or `pidfd_setns_test:2:current_nsset.invalid_flags` for a kselftest_harness test. */
export function caseRowTest(binary: string, c: Pick<KtapCase, 'n' | 'description'>): string {
  return /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$/.test(c.description) ? `${binary}:${c.n}:${c.description}` : `${binary}:${c.n}`;
}

const MAX_EXCERPT = 30;
function clip(lines: string[], max = MAX_EXCERPT): string[] {
  return lines.length <= max ? lines : [...lines.slice(-max)];
}

/** Exit status → what the kselftest runner would say (kselftest/runner.sh). */
function exitVerdict(status: number | null): { verdict: Verdict; why: string } {
  if (status === 0) return { verdict: 'pass', why: 'exited 0' };
  if (status === 4) return { verdict: 'skip', why: 'exited 4 (KSFT_SKIP)' };
  if (status === 124 || status === 137) return { verdict: 'fail', why: `killed by timeout after ${KSELFTEST_TIMEOUT_SEC} s` };
  if (status === null) return { verdict: 'fail', why: 'never reported its exit status (cut off?)' };
  return { verdict: 'fail', why: `exited ${status}` };
}

/**
 * What the guest printed → rows: `kselftests/runtests`, then for each binary its row and its
 * cases' rows. `buildErrors`: binaries that did not compile (their row fails with the compiler's words).
 */
export function judgeKselftests(input: SuiteJudgeInput & { buildErrors?: Record<string, string> }): { rows: SuiteRow[]; parsed: KselftestsOutput } {
  const parsed = parseKselftestsOutput(input.output);
  const suite = input.suite;
  const rows: SuiteRow[] = [];
  const splats = findSplats(input.consoleLines);
  let run: { verdict: Verdict; failures: Failure[] };
  if (input.error) run = { verdict: input.error.verdict, failures: [{ code: input.error.code, message: input.error.message, ...(input.error.excerpt?.length ? { excerpt: input.error.excerpt } : {}) }] };
  else if (splats.length) run = { verdict: 'crash', failures: splats.map((s) => ({ code: 'E_SPLAT' as const, message: `kernel ${s.kind} while the kselftests ran: ${s.title}`, excerpt: s.excerpt })) };
  else if (!input.guestAlive) run = { verdict: 'crash', failures: [{ code: 'E_GUEST_DIED', message: 'the guest died while the kselftests ran', excerpt: input.consoleLines.slice(-20) }] };
  else if (input.timedOut) run = { verdict: 'timeout', failures: [{ code: 'E_TIMEOUT', message: 'the kselftests did not finish in their time', excerpt: input.output.trim().split('\n').slice(-10) }] };
  else if (!parsed.finished && input.tests.some((t) => !input.buildErrors?.[t])) run = { verdict: 'infra-error', failures: [{ code: 'E_INFRA', message: 'the kselftests runner ended without its last line', excerpt: input.output.trim().split('\n').slice(-15) }] };
  else run = { verdict: 'pass', failures: [] };

  let cases = 0;
  let casesPassed = 0;
  let casesFailed = 0;
  let casesSkipped = 0;
  let testsPassed = 0;
  for (const name of input.tests) {
    const scenario = suiteRowName(suite, name);
    const buildError = input.buildErrors?.[name];
    if (buildError) {
      rows.push({ scenario, verdict: 'fail', failures: [{ code: 'E_CHECK', message: `${name} did not build against this series`, excerpt: clip(buildError.split('\n')) }], durationMs: 0, output: buildError.split('\n') });
      continue;
    }
    const b = parsed.binaries.find((x) => x.name === name);
    if (!b) {
      const verdict: Verdict = run.verdict === 'pass' ? 'infra-error' : run.verdict;
      rows.push({ scenario, verdict, failures: [{ code: verdict === 'infra-error' ? 'E_INFRA' : run.failures[0]?.code ?? 'E_INFRA', message: `no result: the runner never ran ${name} (see ${suiteRunRowName(suite)})` }], durationMs: 0, output: [] });
      continue;
    }
    // The binary's row (below) comes first, then its cases, each a row of its own.
    const at = rows.length;
    const seen = new Set<number>();
    let failedHere = 0;
    for (const c of b.cases) {
      seen.add(c.n);
      cases++;
      const row: SuiteRow = { scenario: suiteRowName(suite, caseRowTest(name, c)), verdict: 'pass', failures: [], durationMs: 0, output: [...c.output, `${c.ok ? 'ok' : 'not ok'} ${c.n} ${c.description}`], notes: c.description && caseRowTest(name, c) === `${name}:${c.n}` ? [c.description] : undefined };
      if (c.skip !== undefined) {
        row.verdict = 'skip';
        row.failures = [{ code: 'E_SKIP', message: `the test skipped itself: ${c.skip}${c.description ? ` (${c.description})` : ''}` }];
        casesSkipped++;
      } else if (!c.ok || c.error !== undefined) {
        row.verdict = 'fail';
        row.failures = [{ code: 'E_CHECK', message: `not ok ${c.n}${c.description ? ` ${c.description}` : ''}${c.error ? ` (error: ${c.error})` : ''}`, excerpt: clip(row.output) }];
        casesFailed++;
        failedHere++;
      } else {
        if (c.xfail !== undefined) row.notes = [...(row.notes ?? []), `expected failure (XFAIL): ${c.xfail}`];
        casesPassed++;
      }
      rows.push(row);
    }
    const never: number[] = [];
    if (b.planned !== null) for (let n = 1; n <= b.planned; n++) if (!seen.has(n)) never.push(n);
    for (const n of never) {
      cases++;
      casesFailed++;
      rows.push({ scenario: suiteRowName(suite, `${name}:${n}`), verdict: 'fail', failures: [{ code: 'E_CHECK', message: `test ${n} of ${b.planned} planned but never ran${b.bailOut ? ` (the binary bailed out: ${b.bailOut})` : ''}`, excerpt: clip(b.lines.slice(-MAX_EXCERPT)) }], durationMs: 0, output: b.lines });
    }
    // The binary as a whole, as the kselftest runner judges it.
    const ex = exitVerdict(b.exitStatus);
    const failures: Failure[] = [];
    let verdict: Verdict = ex.verdict;
    if (b.skipAll !== undefined && ex.verdict !== 'fail') {
      verdict = 'skip';
      failures.push({ code: 'E_SKIP', message: `the test skipped itself: ${b.skipAll}` });
    } else if (ex.verdict === 'skip') {
      failures.push({ code: 'E_SKIP', message: `the test skipped itself (${ex.why})`, excerpt: clip(b.lines.slice(-5)) });
    } else if (ex.verdict === 'fail' || failedHere || never.length || b.bailOut !== undefined) {
      verdict = 'fail';
      const parts = [failedHere ? `${failedHere} test${failedHere > 1 ? 's' : ''} not ok` : '', never.length ? `${never.length} of ${b.planned} planned never ran` : '', b.bailOut !== undefined ? `bailed out: ${b.bailOut}` : ''].filter(Boolean);
      const message = ex.verdict === 'fail' ? [ex.why, ...parts].join('; ') : `${ex.why}, but ${parts.join('; ')}`;
      failures.push({ code: 'E_CHECK', message: `${name}: ${message}`, excerpt: clip(b.lines.slice(-MAX_EXCERPT)) });
    }
    if (verdict === 'pass') testsPassed++;
    const metrics: Record<string, number> = { ...(b.planned !== null ? { planned: b.planned } : {}), tests: b.cases.length, passed: b.cases.filter((c) => c.ok && c.skip === undefined && c.error === undefined).length, ...(b.cases.some((c) => c.skip !== undefined) ? { skipped: b.cases.filter((c) => c.skip !== undefined).length } : {}), ...(b.exitStatus !== null ? { exit: b.exitStatus } : {}) };
    rows.splice(at, 0, { scenario, verdict, failures, durationMs: b.durationMs ?? 0, metrics, output: b.lines });
  }
  rows.unshift({
    scenario: suiteRunRowName(suite),
    verdict: run.verdict,
    failures: run.failures,
    durationMs: input.wallMs,
    metrics: { tests: input.tests.length, testsPassed, checks: cases, checksPassed: casesPassed, checksFailed: casesFailed, checksSkipped: casesSkipped, wallSec: Math.round(input.wallMs / 100) / 10 },
    output: input.output.split('\n'),
  });
  return { rows, parsed };
}

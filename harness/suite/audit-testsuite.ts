// The audit-testsuite (github.com/linux-audit/audit-testsuite) run in the guest:
// - on the host, a copy of the user's tree in the cache, keyed by its content, with its C
//   helpers built statically (`make -C tests all CC="gcc -static"`: gcc-multilib for the 32-bit
//   helper, liburing-dev for io_uring), so the guest needs no compiler; the user's tree is
//   never written;
// - in the guest (a boot of its own: every test does `auditctl -D`, shrinks the backlog, stops
//   or restarts auditd), that copy and a small runner script, then the suite's own runner:
//   `MODE=64 TESTS="..." ./runtests.pl </dev/null` with Test::Harness's verbose TAP and each
//   test's stderr merged into its stdout (HARNESS_PERL_SWITCHES loads a module of ours that
//   dups STDERR: the diagnostics of a failing check follow it). The suite is never edited:
//   what a minimal guest lacks is fixed in the guest (bash as /bin/sh for this boot, a loginuid).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { InfraError, KphError } from '../core/errors.js';
import type { Runner } from '../process/exec.js';
import { removeDebris, removeStaleTemps, uniqueTemp, withLock } from '../process/lock.js';
import type { GuestSession } from '../ssh/guest.js';
import type { SuiteSpec } from './suite.js';

/** Where the suite goes in the guest. */
export const GUEST_SUITE_DIR = '/tmp/kph-suite';

/** The guest's runner: bounded by `timeout`, so a stuck test leaves the output so far. */
export const SUITE_TIMEOUT_SEC = 1200;

export interface PreparedSuite {
  /** The cache folder: tree/ (the copy, helpers built), build.log. */
  dir: string;
  key: string;
  cached: boolean;
  buildMs: number;
}

function filesOf(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      if (e === '.git') continue;
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** The content key of a suite tree: every file's path, mode's execute bit and bytes (.git left out). */
export function suiteContentKey(root: string): string {
  const h = createHash('sha256').update('audit-testsuite-build-v1\0gcc -static\0');
  for (const f of filesOf(root)) h.update(relative(root, f)).update('\0').update(statSync(f).mode & 0o111 ? 'x' : '-').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/**
 * The suite's copy in the cache with its helpers built (cached by content; two kph wait for
 * each other). A helper that does not build is an infrastructure error naming the host packages.
 */
export async function prepareAuditTestsuite(opts: { runner: Runner; cache: string; spec: SuiteSpec; log?: (m: string) => void }): Promise<PreparedSuite> {
  const started = Date.now();
  const key = suiteContentKey(opts.spec.path);
  const dir = join(opts.cache, 'suites', `audit-testsuite-${key}`);
  const done = () => existsSync(join(dir, '.kph-complete'));
  if (done()) return { dir, key, cached: true, buildMs: 0 };
  mkdirSync(join(opts.cache, 'suites'), { recursive: true });
  return withLock(`${dir}.lock`, { purpose: `build audit-testsuite helpers ${key}`, log: opts.log }, async () => {
    if (done()) return { dir, key, cached: true, buildMs: 0 };
    removeStaleTemps(dir);
    const tmp = uniqueTemp(dir);
    try {
      mkdirSync(tmp, { recursive: true });
      cpSync(opts.spec.path, join(tmp, 'tree'), { recursive: true, filter: (src) => !src.split('/').includes('.git') });
      opts.log?.(`building the audit-testsuite's helpers (gcc -static) in ${dir}`);
      const logFile = join(tmp, 'build.log');
      const r = await opts.runner.run('make', ['-C', join(tmp, 'tree', 'tests'), 'all', 'CC=gcc -static'], { allowFailure: true, logFile, timeoutMs: 10 * 60_000, groupDiesWithParent: true });
      if (r.exitCode !== 0) {
        const kept = `${dir}.failed-build.log`;
        writeFileSync(kept, readFileSync(logFile));
        throw new InfraError('build', `The audit-testsuite's helpers do not build on this host (make exit ${r.exitCode}).`, {
          hint: `They need gcc-multilib and liburing-dev (harness/setup/install-host-deps.sh installs them). Log: ${kept}`,
          details: (r.stderr || r.stdout || '').trim().split('\n').slice(-12),
        });
      }
      writeFileSync(join(tmp, '.kph-complete'), `${opts.spec.path}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      return { dir, key, cached: false, buildMs: Date.now() - started };
    } finally {
      removeDebris(tmp);
    }
  });
}

/** Loaded into every test's perl (HARNESS_PERL_SWITCHES): its stderr goes where its TAP goes, in order. */
export const MERGE_STDERR_PM = `package KphMergeStderr;
# kph: a test's diagnostics (Test.pm prints them on STDERR) follow the check they are about.
open(STDERR, '>&', \\*STDOUT) or die "kph: cannot merge stderr into stdout: $!";
select(STDERR); $| = 1; select(STDOUT); $| = 1;
1;
`;

/** The guest side: fix what a minimal guest lacks for this boot only, then the suite's own runner. */
export function suiteRunnerScript(tests: string[]): string {
  for (const t of tests) if (!/^[A-Za-z0-9_]+$/.test(t)) throw new KphError('E_USAGE', 'scenario', `Suite test name "${t}" is not a folder name.`);
  return `#!/bin/bash
# kph: the audit-testsuite on a boot of its own. The root file system is a snapshot: nothing
# done here outlives the boot.
set -u
cd ${GUEST_SUITE_DIR}/tree/tests || exit 90
# The suite's shell commands are bash (>&, /dev/tcp, $BASHPID): /bin/sh is bash for this boot.
ln -sf bash /bin/sh || exit 91
# filter_sessionid needs a login session; sshd here has no PAM, so nothing set the loginuid.
echo 0 >/proc/self/loginuid || exit 92
export MODE=64 DISTRO="$(./os_detect)" TESTS="${tests.join(' ')}"
export HARNESS_VERBOSE=1 HARNESS_TIMER=1 HARNESS_PERL_SWITCHES="-I${GUEST_SUITE_DIR}/lib -MKphMergeStderr"
# ausearch reads standard input when it is not a terminal: never the SSH channel.
timeout -k 10 ${SUITE_TIMEOUT_SEC} ./runtests.pl </dev/null 2>&1
rc=$?
echo "kph-suite-exit=$rc"
exit 0
`;
}

/** What the guest printed, with the runner's exit status. */
export interface SuiteGuestRun {
  output: string;
  /** runtests.pl's exit status (124 when `timeout` stopped it); null when the runner never reported it. */
  exitCode: number | null;
  timedOut: boolean;
  wallMs: number;
}

/** Upload the prepared suite and the runner, run it, return its output. Throws on upload failure. */
export async function runAuditTestsuite(session: GuestSession, prepared: PreparedSuite, tests: string[]): Promise<SuiteGuestRun> {
  const up = await session.execWithInput(`rm -rf ${GUEST_SUITE_DIR} && mkdir -p ${GUEST_SUITE_DIR} && tar -x -C ${GUEST_SUITE_DIR}`, Readable.from(tar.c({ cwd: prepared.dir, portable: true }, ['tree'])), 300_000);
  if (up.code !== 0) throw new KphError('E_UPLOAD', 'capture', `Uploading the audit-testsuite to the guest failed: ${up.stderr.trim()}`);
  const stage = mkdtempSync(join(tmpdir(), 'kph-suite-'));
  try {
    mkdirSync(join(stage, 'lib'));
    writeFileSync(join(stage, 'lib', 'KphMergeStderr.pm'), MERGE_STDERR_PM);
    writeFileSync(join(stage, 'run.sh'), suiteRunnerScript(tests), { mode: 0o755 });
    const up2 = await session.execWithInput(`tar -x -C ${GUEST_SUITE_DIR}`, Readable.from(tar.c({ cwd: stage, portable: true }, ['lib', 'run.sh'])));
    if (up2.code !== 0) throw new KphError('E_UPLOAD', 'capture', `Uploading the suite runner to the guest failed: ${up2.stderr.trim()}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const started = Date.now();
  const r = await session.exec(`bash ${GUEST_SUITE_DIR}/run.sh`, { timeoutMs: (SUITE_TIMEOUT_SEC + 60) * 1000 });
  const wallMs = Date.now() - started;
  const m = /^kph-suite-exit=(\d+)\s*$/m.exec(r.stdout);
  const output = r.stdout.replace(/^kph-suite-exit=\d+\s*$\n?/m, '');
  if (r.code !== 0 && !m) throw new KphError('E_CAPTURE', 'capture', `The suite's runner script failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' / ')}`);
  const exitCode = m ? Number(m[1]) : null;
  return { output, exitCode, timedOut: exitCode === 124 || exitCode === 137, wallMs };
}

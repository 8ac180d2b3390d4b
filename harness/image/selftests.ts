// Kernel selftests the scenarios run in the guest, built on the host from the series' own tree:
// tools/testing/selftests/connector/proc_filter.c, linked statically against the uapi headers
// of the *patched* tree (`make headers_install` in the series' build directory), so a series
// that changes include/uapi/linux/cn_proc.h is tested with its own headers.
// Built into the series' work folder (~/.cache/kph/work/<base>/<series>/selftests/), cached by
// the kernel build stamp and the selftest sources. Uploaded once after each boot to
// GUEST_SELFTEST_DIR; a build failure is uploaded as build-error.txt, so the scenario that
// needs the binary fails with the compiler's words (the series' fault) instead of the run
// stopping (scenarios/cn-selftest).
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import type { Runner } from '../process/exec.js';
import type { GuestSession } from '../ssh/guest.js';

/** Where the binaries (or build-error.txt) are in the guest. */
export const GUEST_SELFTEST_DIR = '/tmp/kph-selftests';

/** Selftest sources, relative to the kernel tree: name of the binary → its C file. */
const SELFTESTS: Record<string, string> = {
  proc_filter: 'tools/testing/selftests/connector/proc_filter.c',
};

export interface SelftestBuild {
  /** The folder holding the binaries (the series' work folder/selftests). */
  dir: string;
  /** Binary names that were built (and are in dir). */
  binaries: string[];
  /** Why the build failed (the series' headers or sources), or null. */
  error: string | null;
  cached: boolean;
}

function sha(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/**
 * Build the selftests of the tree `buildDir/source` points to (the patched tree of an O= build).
 * Never throws for a compile error: that is returned in `error`.
 */
export async function buildSelftests(opts: { runner: Runner; buildDir: string; logFile?: string }): Promise<SelftestBuild> {
  try {
    return await build(opts);
  } catch (e) {
    return { dir: join(dirname(opts.buildDir), 'selftests'), binaries: [], error: `building selftests failed: ${e instanceof Error ? e.message : String(e)}`, cached: false };
  }
}

async function build(opts: { runner: Runner; buildDir: string; logFile?: string }): Promise<SelftestBuild> {
  const { runner, buildDir } = opts;
  const srcDir = join(buildDir, 'source');
  const dir = join(dirname(buildDir), 'selftests');
  const hdr = join(dir, 'headers');
  mkdirSync(dir, { recursive: true });
  const log = (s: string) => {
    appendFileSync(join(dir, 'build.log'), s);
    if (opts.logFile) appendFileSync(opts.logFile, s);
  };
  const sources = Object.entries(SELFTESTS).map(([name, rel]) => ({ name, src: join(srcDir, rel) }));
  const missing = sources.filter((s) => !existsSync(s.src));
  if (missing.length) return { dir, binaries: [], error: `selftest source missing in the tree: ${missing.map((m) => m.src).join(', ')}`, cached: false };

  const stamp = existsSync(join(buildDir, '.kph-build-stamp')) ? readFileSync(join(buildDir, '.kph-build-stamp'), 'utf8') : String(Date.now());
  const key = sha(['selftests-v1', stamp, ...sources.flatMap((s) => [s.name, readFileSync(s.src)]), readFileSync(join(srcDir, 'tools/testing/selftests/kselftest.h'))]);
  const stampFile = join(dir, '.kph-selftests-stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === key && sources.every((s) => existsSync(join(dir, s.name)))) {
    log(`selftests: stamp matches (${key.slice(0, 12)}): ${sources.map((s) => s.name).join(', ')} already built\n`);
    return { dir, binaries: sources.map((s) => s.name), error: null, cached: true };
  }
  rmSync(stampFile, { force: true });
  writeFileSync(join(dir, 'build.log'), '');

  // The same compilers the kernel build used (harness/build/kernel.ts), so make sees no change.
  rmSync(hdr, { recursive: true, force: true });
  const h = await runner.run('make', ['-C', srcDir, `O=${buildDir}`, 'CC=ccache gcc', 'HOSTCC=ccache gcc', `INSTALL_HDR_PATH=${hdr}`, 'headers_install'], { allowFailure: true, timeoutMs: 10 * 60_000 });
  log(`$ ${h.command}\n${h.stdout}${h.stderr}`);
  if (h.exitCode !== 0) return { dir, binaries: [], error: `make headers_install failed (exit ${h.exitCode}):\n${(h.stderr || h.stdout).trim().split('\n').slice(-15).join('\n')}`, cached: false };

  const built: string[] = [];
  for (const s of sources) {
    // As the selftest Makefile does: CFLAGS += -Wall $(KHDR_INCLUDES), KHDR_INCLUDES = -isystem <headers>.
    const r = await runner.run('gcc', ['-static', '-O2', '-Wall', '-isystem', join(hdr, 'include'), '-o', join(dir, s.name), s.src], { allowFailure: true, timeoutMs: 5 * 60_000 });
    log(`$ ${r.command}\n${r.stdout}${r.stderr}`);
    if (r.exitCode !== 0) return { dir, binaries: built, error: `${s.name} does not compile against the series' headers (gcc exit ${r.exitCode}):\n${r.stderr.trim().split('\n').slice(0, 20).join('\n')}`, cached: false };
    built.push(s.name);
  }
  writeFileSync(stampFile, key);
  return { dir, binaries: built, error: null, cached: false };
}

/**
 * Put the binaries (or build-error.txt) into GUEST_SELFTEST_DIR. Returns an error message
 * instead of throwing: the scenario that needs them then fails saying the binary is missing.
 */
export async function uploadSelftests(session: GuestSession, build: SelftestBuild): Promise<string | null> {
  const stage = mkdtempSync(join(tmpdir(), 'kph-selftests-'));
  try {
    const files: string[] = [];
    for (const b of build.binaries) {
      writeFileSync(join(stage, b), readFileSync(join(build.dir, b)), { mode: 0o755 });
      files.push(b);
    }
    if (build.error) {
      writeFileSync(join(stage, 'build-error.txt'), build.error + '\n');
      files.push('build-error.txt');
    }
    const chmod = build.binaries.map((b) => ` && chmod 755 ${GUEST_SELFTEST_DIR}/${b}`).join('');
    const up = await session.execWithInput(`rm -rf ${GUEST_SELFTEST_DIR} && mkdir -p ${GUEST_SELFTEST_DIR} && tar -x -C ${GUEST_SELFTEST_DIR}${chmod}`, Readable.from(tar.c({ cwd: stage, portable: true }, files)), 120_000);
    return up.code === 0 ? null : `uploading selftests failed: ${up.stderr.trim()}`;
  } catch (e) {
    return `uploading selftests failed: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

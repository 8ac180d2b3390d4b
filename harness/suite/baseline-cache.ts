// The unpatched kernel's peer-suite results, kept per base: a run that asks for a suite on
// baseline again with the same kernel, guest image, accelerator and suite (its files, the test
// list; for the kselftests the binaries built from the base tree) uses the stored run instead
// of booting baseline for it again. Only the baseline's, only a run that ended cleanly (the
// runner finished, no kph error, the guest alive): a series' own results are always fresh, and
// a row from the cache says so. kph run --no-suite-cache runs it again (and stores the new one).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteRunCapture } from '../run/run.js';

export interface SuiteIdentity {
  /** sha256 of the kernel image booted. */
  kernel: string;
  /** The guest image's path (its name holds its content key). */
  image: string;
  accel: string;
  suite: string;
  tests: string[];
  /** What the suite's own files are: audit-testsuite's content key, the kselftests' binaries' hash. */
  content: string;
}

interface Stored {
  identity: SuiteIdentity;
  at: string;
  capture: SuiteRunCapture;
}

export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function identityKey(id: SuiteIdentity): string {
  return createHash('sha256').update(JSON.stringify([id.kernel, id.image, id.accel, id.suite, id.tests, id.content])).digest('hex').slice(0, 24);
}

function fileOf(cache: string, id: SuiteIdentity): string {
  return join(cache, 'suites', 'baseline-results', `${id.suite}-${identityKey(id)}.json`);
}

/** Worth keeping: the runner ran to its end on a live guest, and kph had nothing to say against it. */
export function cacheable(c: SuiteRunCapture): boolean {
  return c.error === null && !c.timedOut && c.guestAlive && c.exitCode !== null && !(c.notes ?? []).length;
}

/** The stored run for this identity, with a note saying where it comes from; null if none. */
export function readBaselineSuiteRun(cache: string, id: SuiteIdentity): SuiteRunCapture | null {
  const f = fileOf(cache, id);
  if (!existsSync(f)) return null;
  let s: Stored;
  try {
    s = JSON.parse(readFileSync(f, 'utf8')) as Stored;
  } catch {
    return null; // a torn file: run again
  }
  if (JSON.stringify(s.identity) !== JSON.stringify(id)) return null;
  const note = `baseline's ${id.suite} results from kph's cache (run at ${s.at}, ${Math.round(s.capture.wallMs / 1000)} s): same kernel, guest image, accelerator and suite, so not run again (kph run --no-suite-cache runs it)`;
  return { ...s.capture, bootMs: 0, notes: [note] };
}

export function storeBaselineSuiteRun(cache: string, id: SuiteIdentity, capture: SuiteRunCapture, now = new Date()): void {
  if (!cacheable(capture)) return;
  const f = fileOf(cache, id);
  mkdirSync(join(cache, 'suites', 'baseline-results'), { recursive: true });
  const tmp = `${f}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ identity: id, at: now.toISOString(), capture } satisfies Stored));
  renameSync(tmp, f);
}

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SuiteRunCapture } from '../run/run.js';
import { cacheable, readBaselineSuiteRun, storeBaselineSuiteRun, type SuiteIdentity } from './baseline-cache.js';

let cache: string;
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'kph-suite-cache-'));
});
afterEach(() => rmSync(cache, { recursive: true, force: true }));

const id: SuiteIdentity = { kernel: 'k1', image: '/c/images/bookworm-abc.ext4', accel: 'tcg', suite: 'kselftests', tests: ['nsfs/owner', 'pidfd/pidfd_test'], content: 'bin1' };
const clean: SuiteRunCapture = { output: 'TAP version 13\nok 1 owner\n', exitCode: 0, timedOut: false, error: null, consoleLines: ['[ 1.0] x'], guestAlive: true, wallMs: 12_345, bootMs: 4400, notes: [] };

describe('baseline suite results cache', () => {
  it('a clean run is stored and read back with a note saying where it comes from, and no boot time', () => {
    storeBaselineSuiteRun(cache, id, clean, new Date('2026-11-29T03:00:00Z'));
    const hit = readBaselineSuiteRun(cache, id)!;
    expect(hit.output).toBe(clean.output);
    expect(hit.consoleLines).toEqual(clean.consoleLines);
    expect(hit.bootMs).toBe(0);
    expect(hit.notes).toEqual(["baseline's kselftests results from kph's cache (run at 2026-11-29T03:00:00.000Z, 12 s): same kernel, guest image, accelerator and suite, so not run again (kph run --no-suite-cache runs it)"]);
  });

  it('anything else changed is a miss: the kernel, the image, the accelerator, the tests, the suite\'s files', () => {
    storeBaselineSuiteRun(cache, id, clean);
    for (const other of [{ kernel: 'k2' }, { image: '/c/images/bookworm-def.ext4' }, { accel: 'kvm' }, { tests: ['nsfs/owner'] }, { content: 'bin2' }]) {
      expect(readBaselineSuiteRun(cache, { ...id, ...other })).toBeNull();
    }
  });

  it('a run that did not end cleanly is never stored', () => {
    for (const bad of [{ timedOut: true }, { error: { message: 'boot', verdict: 'boot-error' as const, code: 'E_BOOT' as const } }, { guestAlive: false }, { exitCode: null }, { notes: ['boot 1 said it was ready and never answered'] }]) {
      const c = { ...clean, ...bad };
      expect(cacheable(c)).toBe(false);
      storeBaselineSuiteRun(cache, id, c);
    }
    expect(readdirSync(cache)).toEqual([]);
    expect(readBaselineSuiteRun(cache, id)).toBeNull();
  });

  it('a torn file is a miss, not an error', () => {
    storeBaselineSuiteRun(cache, id, clean);
    const dir = join(cache, 'suites', 'baseline-results');
    writeFileSync(join(dir, readdirSync(dir)[0]!), '{"identity":');
    expect(readBaselineSuiteRun(cache, id)).toBeNull();
  });
});

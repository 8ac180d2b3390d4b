// kph diff between two runs lists the kernel bugs that are new and gone, on results folders built
// from real consoles (the warn-on-setns WARNING from two boots, the oops-on-unshare BUG, the
// hang-d-state hung task). A run from before signatures existed gets them from console.log.
import { execa } from 'execa';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import type { RunResult, Summary } from '../core/types.js';
import { bugsOfRun, compareBugs, diffRunBugs } from './bugs.js';

const SPLATS = join(repoRoot, 'harness', 'test', 'fixtures', 'splats');

/** A results folder of one series whose rows crashed or hung with the given consoles. */
function runFolder(series: string, rows: [scenario: string, verdict: RunResult['verdict'], console: string | null][], withSignatures = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'kph-bugs-'));
  const runs: RunResult[] = rows.map(([scenario, verdict, consoleFile]) => {
    mkdirSync(join(dir, series, scenario), { recursive: true });
    if (consoleFile) copyFileSync(join(SPLATS, consoleFile), join(dir, series, scenario, 'console.log'));
    return { series, revision: null, scenario, verdict, failures: [], durationsMs: { build: 0, boot: 0, scenario: 1 }, dir: `${series}/${scenario}`, ...(withSignatures && consoleFile ? { signature: `given ${consoleFile}` } : {}) };
  });
  const s: Summary = { schemaVersion: 2, kph: { version: 't' }, base: { spec: 'debian:6.12', version: '6.12.117' }, accel: 'tcg', startedAt: '', complete: true, series: [{ label: series, name: series, revision: null, dir: series, records: {}, provides: [] }], runs };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(s));
  return dir;
}

describe('kernel bugs between two runs', () => {
  const a = runFolder('s', [['warn-a', 'crash', 'warning-setns-boot1.log'], ['oops', 'crash', 'bug-unshare-boot1.log'], ['fine', 'pass', null]]);
  const b = runFolder('s', [['warn-a', 'crash', 'warning-setns-boot2.log'], ['warn-b', 'crash', 'warning-setns-boot1.log'], ['hang', 'timeout', 'hung-task-unshare.log'], ['oops', 'pass', null]]);

  it('one WARNING on two boots is kept; the BUG is gone; the hang is new', () => {
    const d = diffRunBugs({ path: a, series: 's' }, { path: b, series: 's' })!;
    expect(d.kept.map((x) => [x.signature, x.scenarios])).toEqual([['warning: __x64_sys_setns', ['warn-a', 'warn-b']]]);
    expect(d.gone.map((x) => x.signature)).toEqual(['bug: ksys_unshare']);
    expect(d.added.map((x) => [x.signature, x.verdict])).toEqual([['hung-task: kph_hang_uninterruptible < ksys_unshare < __x64_sys_unshare', 'timeout']]);
  });

  it('a row\'s own signature wins over its console', () => {
    const c = runFolder('s', [['warn-a', 'crash', 'warning-setns-boot1.log']], true);
    expect(bugsOfRun(c, { runs: [{ series: 's', revision: null, scenario: 'warn-a', verdict: 'crash', failures: [], durationsMs: { build: 0, boot: 0, scenario: 1 }, dir: 's/warn-a', signature: 'given' }] }, 's')[0]!.signature).toBe('given');
  });

  it('the same bugs on both sides: nothing new, nothing gone', () => {
    const x = compareBugs('a', [{ signature: 'w', verdict: 'crash', scenarios: ['a'] }], 'b', [{ signature: 'w', verdict: 'crash', scenarios: ['b'] }]);
    expect([x.added, x.gone, x.kept.length]).toEqual([[], [], 1]);
  });

  it('kph diff A B: the bug lines after the formats, exit 1; --format json carries them', async () => {
    const kph = (...args: string[]) => execa('node', [join(repoRoot, 'harness', 'cli', 'bin.mjs'), ...args], { reject: false, cwd: repoRoot });
    const r = await kph('diff', a, b);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('Kernel bugs s → s: 1 new, 1 gone, 1 in both\n  new:  hung-task: kph_hang_uninterruptible < ksys_unshare < __x64_sys_unshare (timeout in hang)\n  gone: bug: ksys_unshare (crash in oops)\n  both: warning: __x64_sys_setns (crash in warn-a, warn-b)');
    const j = JSON.parse((await kph('diff', a, b, '--format', 'json')).stdout) as { bugs: { new: { signature: string }[]; gone: unknown[]; both: unknown[] } };
    expect(j.bugs.new.map((x) => x.signature)).toEqual(['hung-task: kph_hang_uninterruptible < ksys_unshare < __x64_sys_unshare']);
    expect((await kph('diff', a, a)).exitCode).toBe(0);
  });
});

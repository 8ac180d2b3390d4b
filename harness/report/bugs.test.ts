// Rows grouped by kernel bug in every report: one WARNING (the real warn-on-setns splat, from two
// boots) hit by two scenarios is one group, "1 crash, in 2 scenarios"; another bug is another.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult, Summary } from '../core/types.js';
import { findSplats } from '../parse/console.js';
import { splatSignature } from '../parse/splat-signature.js';
import { bugGroups, bugHeadline, repeatsLine } from './bugs.js';
import { renderMarkdown } from './formats.js';
import { renderHtml } from './html.js';
import { fileToOpen, renderTerminal } from './terminal.js';

const sig = (f: string) => splatSignature(findSplats(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'splats', f), 'utf8').split('\n'))[0]!);
const d = { build: 1000, boot: 9000, scenario: 3000 };
const row = (series: string, revision: string | null, scenario: string, over: Partial<RunResult> = {}): RunResult => ({ series, revision, scenario, verdict: 'pass', failures: [], durationsMs: d, dir: `${revision ? `${series}@${revision}` : series}/${scenario}`, ...over });
const crash = (s: string) => ({ verdict: 'crash' as const, failures: [{ code: 'E_SPLAT' as const, message: 'kernel warning: WARNING: ...' }], signature: s });

function summary(): Summary {
  const warn = sig('warning-setns-boot1.log');
  return {
    schemaVersion: 2, kph: { version: 't' }, base: { spec: 'debian:6.12', version: '6.12.117' }, accel: 'tcg', startedAt: '2026-11-28T19:00:00.000Z', complete: true, series: [],
    runs: [
      row('baseline', null, 'warn-a'),
      row('warn-on-setns', 'v1', 'warn-a', crash(warn)),
      row('warn-on-setns', 'v1', 'warn-b', crash(sig('warning-setns-boot2.log'))),
      row('warn-on-setns', 'v1', 'hangs', { verdict: 'timeout', failures: [{ code: 'E_TIMEOUT', message: 'hung' }], signature: sig('hung-task-unshare.log') }),
      row('warn-on-setns', 'v1', 'sometimes', { verdict: 'flaky', failures: [{ code: 'E_FLAKY', message: '2 of 3 repeats passed on the same kernel: repeat 2 was the first to fail (crash); its evidence follows' }], signature: warn, durationsMs: { build: 1000, boot: 18000, scenario: 9000 }, repeats: { count: 3, passed: 2, verdicts: ['pass', 'crash', 'pass'], scenarioMs: [3000, 3000, 3000], firstFailure: 2 } }),
    ],
  };
}

describe('rows grouped by signature', () => {
  const s = summary();
  it('one WARNING from two boots in two scenarios is one bug; the flaky row with it joins it; the hang is another', () => {
    const g = bugGroups(s);
    expect(g.map((x) => [x.signature, x.verdict, x.scenarios])).toEqual([
      ['warning: __x64_sys_setns', 'crash', ['warn-a', 'warn-b', 'sometimes']],
      ['hung-task: kph_hang_uninterruptible < ksys_unshare < __x64_sys_unshare', 'timeout', ['hangs']],
    ]);
    expect(bugHeadline({ ...g[0]!, scenarios: ['warn-a', 'warn-b'] })).toBe('1 crash, in 2 scenarios');
    expect(bugHeadline(g[1]!)).toBe('1 timeout, in 1 scenario');
  });
  it('the end screen: one line per bug with where it was, and the repeats with their time', () => {
    const text = renderTerminal(s, { outDir: 'results/r' });
    expect(text).toContain('Kernel bugs (2 signatures):');
    expect(text).toContain('CRASH warning: __x64_sys_setns: 1 crash, in 3 scenarios');
    expect(text).toContain('warn-on-setns@v1 · warn-a, warn-on-setns@v1 · warn-b, warn-on-setns@v1 · sometimes');
    expect(text).toContain('Repeats (--repeat 3: 3 times the work, 27 s of scenarios and boots):');
    expect(text).toContain('FLAKY warn-on-setns@v1 · sometimes: 2 of 3 repeats passed (pass, crash, pass); 3 repeats took 9.0 s of scenario time and 18.0 s of boots; evidence from repeat 2');
  });
  it('a flaky row opens the first failing repeat\'s file, as its verdict would', () => {
    expect(fileToOpen(s.runs[4]!)).toBe('warn-on-setns@v1/sometimes/repeat-2/console.log');
  });
  it('markdown and HTML: a Kernel bugs table, the signature and repeats on each failure', () => {
    const md = renderMarkdown(s);
    expect(md).toContain('## Kernel bugs');
    expect(md).toContain('| `warning: __x64_sys_setns` | 1 crash, in 3 scenarios | warn-on-setns@v1 · warn-a, warn-on-setns@v1 · warn-b, warn-on-setns@v1 · sometimes |');
    expect(md).toContain('Signature: `warning: __x64_sys_setns`');
    expect(md).toContain(`Repeats: ${repeatsLine(s.runs[4]!)}`);
    expect(md).toContain('| warn-on-setns@v1 | sometimes | **FLAKY** |');
    const html = renderHtml(s);
    expect(html).toContain('<h2>Kernel bugs</h2>');
    expect(html.match(/<tr><td><code>warning: __x64_sys_setns<\/code>/g)).toHaveLength(1);
    expect(html).toContain('href="#r-warn-on-setns_v1-warn-b"');
    expect(html).toContain('<h2>Repeats</h2>');
    expect(html).toContain('href="warn-on-setns@v1/sometimes/repeat-2/console.log"');
  });
  it('a run without signatures or repeats shows neither section', () => {
    const plain = { ...s, runs: [s.runs[0]!] };
    expect(renderTerminal(plain, { outDir: 'r' })).not.toMatch(/Kernel bugs|Repeats/);
    expect(renderMarkdown(plain)).not.toMatch(/Kernel bugs|## Repeats/);
    expect(renderHtml(plain)).not.toMatch(/Kernel bugs|<h2>Repeats/);
  });
});

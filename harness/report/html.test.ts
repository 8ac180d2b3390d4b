import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { compareSignatures } from '../diff/compare.js';
import type { Summary } from '../core/types.js';
import type { FormatSignature } from '../diff/signature.js';
import { githubAnnotations } from './github.js';
import { renderHtml } from './html.js';

const d = { build: 64_000, boot: 6_600, scenario: 2_500 };
const summary: Summary = {
  schemaVersion: 2,
  kph: { version: '0.1.0' },
  complete: true,
  series: [],
  base: { spec: 'debian:6.12', version: '6.12.117' },
  accel: 'tcg',
  accelReason: 'KVM hangs',
  startedAt: '2026-11-22T09:01:23.113Z',
  runs: [
    { series: 'proc-connector-ns', revision: 'rfc-v1', scenario: 'unshare-net', verdict: 'pass', failures: [], durationsMs: d, dir: 'a' },
    { series: 'proc-connector-ns', revision: 'rfc-v2', scenario: 'unshare-net', verdict: 'crash', failures: [{ message: 'kernel bug: kernel BUG at <fork.c>', excerpt: ['RIP: 0010:ksys_unshare+0x4a/0x33d'] }], durationsMs: d, dir: 'b' },
  ],
};
const sig = (len: number): FormatSignature => ({ version: 1, series: 's', scenarios: { 'unshare-net': { records: [], events: [{ kind: 'fork', what: 1, fields: ['parent_pid'], lengths: [len] }], sequence: [] } } });

describe('renderHtml', () => {
  const html = renderHtml(summary, [{ from: 'proc-connector-ns@rfc-v1', to: 'proc-connector-ns@rfc-v2', changes: [{ severity: 'abi', scenario: 'unshare-net', kind: 'payload-length', subject: 'fork', message: 'ABI CHANGE: connector fork payload length 48 → 40 bytes' }], a: sig(48), b: sig(40) }]);
  it('is one self-contained document: no external scripts, styles or images', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|href="http/);
  });
  it('shows the verdict matrix with a link from a failed cell to its details, escaped', () => {
    expect(html).toContain('<a href="#r-proc-connector-ns_rfc-v2-unshare-net">crash</a>');
    expect(html).toContain('<section id="r-proc-connector-ns_rfc-v2-unshare-net">');
    expect(html).toContain('kernel BUG at &lt;fork.c&gt;');
    expect(html).toContain('RIP: 0010:ksys_unshare+0x4a/0x33d');
  });
  it('puts format diffs side by side and flags the ABI change', () => {
    expect(html).toContain('<p class="abi">ABI change: connector fork payload length 48 → 40 bytes</p>');
    expect(html).toContain('<td>48 B: parent_pid</td><td>40 B: parent_pid</td>');
  });
});

describe('renderHtml with the bundled series', () => {
  const baseline = (s: string) => JSON.parse(readFileSync(join(repoRoot, 'results', 'baselines', `${s}.json`), 'utf8')) as FormatSignature;
  const a = baseline('ns-serial@v1');
  const b = baseline('ns-serial@v5');
  const scenarios = Object.keys(b.scenarios);
  const runs: Summary['runs'] = [];
  for (const [series, revision] of [['ns-serial', 'v1'], ['ns-serial', 'v5']] as const) {
    for (const sc of scenarios) runs.push({ series, revision, scenario: sc, verdict: revision === 'v5' && sc === 'ns-delete' ? 'fail' : a.scenarios[sc] || revision === 'v5' ? 'pass' : 'skip', failures: revision === 'v5' && sc === 'ns-delete' ? [{ code: 'E_CHECK', message: 'no AUDIT_NS_DEL_NET' }] : a.scenarios[sc] || revision === 'v5' ? [] : [{ code: 'E_SKIP', message: 'needs ns-serial:v5' }], durationsMs: d, dir: `ns-serial@${revision}/${sc}` });
  }
  const html = renderHtml({ ...summary, runs }, [{ from: a.series, to: b.series, changes: compareSignatures(a, b), a, b }], { exists: (p) => !p.endsWith('events.jsonl') });

  it('has scenarios as rows, series as columns, sticky headers and a failures-only filter without scripts', () => {
    expect(html).toContain('<table class="matrix"><thead><tr><th>scenario</th><th>ns-serial@v1</th><th>ns-serial@v5</th></tr></thead>');
    expect(html).toMatch(/<tr class="bad"><th>ns-delete<\/th><td [^>]*>pass<\/td><td class="v" style="background:#cf222e" title="no AUDIT_NS_DEL_NET"><a href="#r-ns-serial_v5-ns-delete">fail<\/a><\/td><\/tr>/);
    expect(html).toMatch(/<tr class="allok"><th>boot-records<\/th><td class="v" style="background:#8c959f" title="needs ns-serial:v5">skip<\/td>/);
    expect(html).toContain('.matrix thead th{position:sticky;top:0');
    expect(html).toContain('<input type="checkbox" id="only-failures">');
    expect(html).toContain('#only-failures:checked ~ table tr.allok{display:none}');
    expect(html).not.toMatch(/<script/);
  });
  it('links each failure to the files to open that exist', () => {
    expect(html).toContain('<p class="files">open: <a href="ns-serial@v5/ns-delete/console.log">console.log</a> · <a href="ns-serial@v5/ns-delete/checks.json">checks.json</a> · <a href="ns-serial@v5/ns-delete/audit.log">audit.log</a> · <a href="ns-serial@v5/ns-delete/records.jsonl">records.jsonl</a></p>');
  });
  it('shows each format change once with its scenarios, the headline, and the per-scenario detail folded', () => {
    expect(html).toContain('<b>ns-serial@v1 → ns-serial@v5</b>: 1 record type removed, 17 added, SYSCALL lost 6 fields, connector unchanged');
    expect(html.match(/record NS_INFO \(1340\) added/g)!.length).toBe(1 + 23); // the digest once, the folded detail per scenario
    expect(html.indexOf('<details><summary>Per scenario</summary>')).toBeGreaterThan(html.indexOf('<p class="headline">'));
    expect(html).toContain('<span class="where">all but auditns-auditd, auditns-create, auditns-limit, cn-selftest, feature-query (23 of 28)</span>');
  });
});

describe('githubAnnotations', () => {
  it('annotates failures with escaped workflow commands', () => {
    expect(githubAnnotations(summary)).toEqual(['::error title=proc-connector-ns@rfc-v2 · unshare-net%3A crash::kernel bug: kernel BUG at <fork.c>']);
  });
});

import { describe, expect, it } from 'vitest';
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

describe('githubAnnotations', () => {
  it('annotates failures with escaped workflow commands', () => {
    expect(githubAnnotations(summary)).toEqual(['::error title=proc-connector-ns@rfc-v2 · unshare-net%3A crash::kernel bug: kernel BUG at <fork.c>']);
  });
});

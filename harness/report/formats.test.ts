import { describe, expect, it } from 'vitest';
import type { Summary } from '../core/types.js';
import { relativeToBaseline, renderJunit, renderKtap, renderMarkdown } from './formats.js';

const d = { build: 283_000, boot: 6_400, scenario: 2_100 };
const summary: Summary = {
  schemaVersion: 2,
  kph: { version: '0.1.0' },
  complete: true,
  series: [],
  base: { spec: 'debian:6.12', version: '6.12.117' },
  accel: 'tcg',
  accelReason: '/dev/kvm exists but QEMU with KVM failed (exit 134)',
  startedAt: '2026-11-22T08:00:00.000Z',
  runs: [
    { series: 'baseline', revision: null, scenario: 'unshare-net', verdict: 'pass', failures: [], durationsMs: d, dir: 'baseline/unshare-net' },
    { series: 'proc-connector-ns', revision: 'rfc-v1', scenario: 'unshare-net', verdict: 'fail', failures: [{ message: 'v1: one namespace event, from unshare: 0 namespace event(s)', excerpt: ['<none>'] }], durationsMs: d, dir: 'proc-connector-ns@rfc-v1/unshare-net' },
    { series: 'proc-connector-ns', revision: 'rfc-v1', scenario: 'setns-loop', verdict: 'crash', failures: [{ message: 'kernel bug: kernel BUG at kernel/fork.c:3330!', excerpt: ['Oops: invalid opcode: 0000 [#1] SMP'] }], durationsMs: d, dir: 'x' },
    { series: 'proc-connector-ns', revision: 'rfc-v1', scenario: 'feature-query', verdict: 'skip', failures: [{ message: 'needs cn-features' }], durationsMs: { build: 0, boot: 0, scenario: 0 }, dir: 'y' },
  ],
};

describe('renderJunit', () => {
  it('makes a testsuite per series with failures, skips and escaped text', () => {
    const x = renderJunit(summary);
    expect(x).toContain('<testsuite name="proc-connector-ns@rfc-v1" tests="3" failures="2" errors="0" skipped="1"');
    expect(x).toContain('<failure type="crash" message="kernel bug: kernel BUG at kernel/fork.c:3330!">');
    expect(x).toContain('&lt;none&gt;');
    expect(x).toContain('<skipped message="needs cn-features"/>');
  });
});

describe('renderKtap', () => {
  it('writes KTAP v1 with a subtest per series and SKIP directives', () => {
    expect(renderKtap(summary)).toBe(
      [
        'KTAP version 1',
        '1..2',
        '    KTAP version 1',
        '    # Subtest: baseline',
        '    1..1',
        '    ok 1 unshare-net',
        'ok 1 baseline',
        '    KTAP version 1',
        '    # Subtest: proc-connector-ns@rfc-v1',
        '    1..3',
        '    # v1: one namespace event, from unshare: 0 namespace event(s)',
        '    not ok 1 unshare-net # fail',
        '    # kernel bug: kernel BUG at kernel/fork.c:3330!',
        '    not ok 2 setns-loop # crash',
        '    # needs cn-features',
        '    ok 3 feature-query # SKIP',
        'not ok 2 proc-connector-ns@rfc-v1',
        '',
      ].join('\n'),
    );
  });
});

describe('renderMarkdown', () => {
  it('says which shard a shard\'s report covers, and nothing about shards otherwise', () => {
    const shard = { index: 2, count: 3, allSeries: ['baseline', 'a@v1', 'b@v1'] };
    expect(renderMarkdown({ ...summary, shard, series: [] })).toContain('Shard 2 of 3: 0 of the run\'s 3 series (`kph merge` the shards for the whole run).');
    expect(renderMarkdown(summary)).not.toContain('Shard');
  });
  it('shows the matrix, the accelerator and what went wrong with excerpts', () => {
    const md = renderMarkdown(summary);
    expect(md).toContain('accelerator: **tcg**');
    // Scenarios as rows, series as columns; build and boot times as the last rows.
    expect(md).toContain('| scenario | baseline | proc-connector-ns@rfc-v1 |\n|---|---|---|\n| unshare-net | pass | **FAIL** |\n| setns-loop |  | **CRASH** |\n| feature-query |  | skip |\n| _build_ | 283.0 s | 283.0 s |\n| _boot_ | 6.4 s | 6.4 s |');
    expect(md).toContain('### proc-connector-ns@rfc-v1 · setns-loop: crash');
    expect(md).toContain('  Oops: invalid opcode: 0000 [#1] SMP');
  });
});

describe('relative to baseline', () => {
  const m = (series: string, revision: string | null, scenario: string, metrics: Record<string, number>, verdict: 'pass' | 'fail' = 'pass') => ({ series, revision, scenario, verdict, failures: [], durationsMs: d, metrics, dir: `${series}/${scenario}` });
  const s: Summary = {
    ...summary,
    runs: [
      m('baseline', null, 'setns-loop', { setnsPerSec: 4000, auditSetnsRecords: 1000 }),
      m('proc-connector-ns', 'rfc-v1', 'setns-loop', { setnsPerSec: 3000, auditSetnsRecords: 1000 }),
      m('proc-connector-ns', 'rfc-v2', 'setns-loop', { setnsPerSec: 3600, auditSetnsRecords: 1000 }),
      m('baseline', null, 'unshare-multi', { unsharePerSec: 2000 }),
      m('proc-connector-ns', 'rfc-v1', 'unshare-multi', { unsharePerSec: 1000 }, 'fail'),
      m('proc-connector-ns', 'rfc-v2', 'unshare-multi', { unsharePerSec: 1500 }),
      m('proc-connector-ns', 'rfc-v2', 'setns-loop-10k', { setnsPerSec: 3500 }),
    ],
  };

  it('divides each series\' rate by the baseline\'s for the same scenario, passing runs only', () => {
    expect(relativeToBaseline(s)).toEqual([
      { scenario: 'setns-loop', metric: 'setnsPerSec', series: 'proc-connector-ns@rfc-v1', value: 3000, baseline: 4000, ratio: 0.75 },
      { scenario: 'setns-loop', metric: 'setnsPerSec', series: 'proc-connector-ns@rfc-v2', value: 3600, baseline: 4000, ratio: 0.9 },
      { scenario: 'unshare-multi', metric: 'unsharePerSec', series: 'proc-connector-ns@rfc-v2', value: 1500, baseline: 2000, ratio: 0.75 },
    ]);
  });

  it('renders a table after the figures, keeping the rest of the report', () => {
    const md = renderMarkdown(s);
    expect(md).toContain('## Figures');
    expect(md).toContain('## Relative to baseline');
    expect(md).toContain('| scenario | figure | baseline | proc-connector-ns@rfc-v1 | proc-connector-ns@rfc-v2 |');
    expect(md).toContain('| setns-loop | setnsPerSec | 4000 | 3000 (0.75×) | 3600 (0.90×) |');
    expect(md).toContain('| unshare-multi | unsharePerSec | 2000 |  | 1500 (0.75×) |');
    expect(md.split('## Relative to baseline')[1]).not.toContain('setns-loop-10k');
  });

  it('has no table without a baseline run', () => {
    expect(renderMarkdown(summary)).not.toContain('Relative to baseline');
  });
});

describe('renderMarkdown with a peer suite', () => {
  it('shows the suite\'s figures once per series (its run row), not once per test', () => {
    const row = (scenario: string, metrics: Record<string, number>) => ({ series: 'baseline', revision: null, scenario, verdict: 'pass' as const, failures: [], durationsMs: d, metrics, dir: `baseline/${scenario}` });
    const md = renderMarkdown({ ...summary, runs: [row('audit-testsuite/runtests', { tests: 12, testsPassed: 12, checks: 121, checksPassed: 121, wallSec: 173.9 }), row('audit-testsuite/exec_name', { checks: 29, passed: 29 })] });
    expect(md).toContain('| baseline | audit-testsuite/runtests | tests=12, testsPassed=12, checks=121, checksPassed=121, wallSec=173.9 |');
    expect(md).not.toContain('| baseline | audit-testsuite/exec_name | checks=29');
  });
});

// Results as text: junit.xml for CI, KTAP for kernel people, a Markdown report for humans.
// Pure functions of the summary.
import { coverageMarkdown } from '../coverage/render.js';
import { suiteOfRow } from '../suite/suite.js';
import type { RunResult, Summary, Verdict } from '../core/types.js';
import { seriesLabel } from '../core/label.js';
import { SERIES_FAULTS } from '../core/summary.js';
import { bugGroups, bugHeadline, bugWhere, repeatsLine } from './bugs.js';
import { bootAgainLine, bootsAgain } from './boots.js';

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}

const label = (r: RunResult) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig });

function bySeries(summary: Summary): Map<string, RunResult[]> {
  const m = new Map<string, RunResult[]>();
  for (const r of summary.runs) {
    const k = label(r);
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

const FAILING: readonly Verdict[] = SERIES_FAULTS;

export function renderJunit(summary: Summary): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = summary.runs;
  out.push(`<testsuites name="kph" tests="${all.length}" failures="${all.filter((r) => FAILING.includes(r.verdict)).length}" errors="${all.filter((r) => r.verdict === 'infra-error' || r.verdict === 'inconclusive').length}">`);
  for (const [series, runs] of bySeries(summary)) {
    const time = runs.reduce((t, r) => t + r.durationsMs.scenario, 0) / 1000;
    out.push(`  <testsuite name="${xml(series)}" tests="${runs.length}" failures="${runs.filter((r) => FAILING.includes(r.verdict)).length}" errors="${runs.filter((r) => r.verdict === 'infra-error' || r.verdict === 'inconclusive').length}" skipped="${runs.filter((r) => r.verdict === 'skip').length}" time="${time.toFixed(3)}">`);
    for (const r of runs) {
      out.push(`    <testcase classname="${xml(series)}" name="${xml(r.scenario)}" time="${(r.durationsMs.scenario / 1000).toFixed(3)}">`);
      const text = r.failures.map((f) => [f.message, ...(f.excerpt ?? []).map((l) => `    ${l}`)].join('\n')).join('\n');
      if (r.verdict === 'skip') out.push(`      <skipped message="${xml(r.failures[0]?.message ?? 'skipped')}"/>`);
      else if (FAILING.includes(r.verdict)) out.push(`      <failure type="${r.verdict}" message="${xml(r.failures[0]?.message ?? r.verdict)}">${xml(text)}</failure>`);
      else if (r.verdict !== 'pass') out.push(`      <error type="${r.verdict}" message="${xml(r.failures[0]?.message ?? r.verdict)}">${xml(text)}</error>`);
      out.push(`      <system-out>${xml(`verdict: ${r.verdict}\nresults: ${r.dir}`)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** KTAP v1: one subtest per series, one test point per scenario. */
export function renderKtap(summary: Summary): string {
  const groups = [...bySeries(summary)];
  const out = ['KTAP version 1', `1..${groups.length}`];
  groups.forEach(([series, runs], i) => {
    out.push('    KTAP version 1', `    # Subtest: ${series}`, `    1..${runs.length}`);
    runs.forEach((r, k) => {
      for (const f of r.failures) out.push(`    # ${f.message.split('\n')[0]}`);
      const directive = r.verdict === 'skip' ? ' # SKIP' : r.verdict === 'pass' ? '' : ` # ${r.verdict}`;
      out.push(`    ${r.verdict === 'pass' || r.verdict === 'skip' ? 'ok' : 'not ok'} ${k + 1} ${r.scenario}${directive}`);
    });
    const ok = runs.every((r) => r.verdict === 'pass' || r.verdict === 'skip');
    out.push(`${ok ? 'ok' : 'not ok'} ${i + 1} ${series}`);
  });
  return out.join('\n') + '\n';
}

const ICON: Record<Verdict, string> = {
  pass: 'pass', fail: '**FAIL**', crash: '**CRASH**', timeout: '**TIMEOUT**', 'boot-error': '**boot-error**', 'apply-error': '**apply-error**', 'config-error': '**config-error**',
  'build-error': '**build-error**', 'infra-error': 'infra-error', inconclusive: 'inconclusive', skip: 'skip', flaky: '**FLAKY**', leak: '**LEAK**',
};

export function renderMarkdown(summary: Summary): string {
  const groups = bySeries(summary);
  const scenarios = [...new Set(summary.runs.map((r) => r.scenario))];
  const out = [
    `# kph run — ${summary.startedAt}`,
    '',
    `Base: \`${summary.base.spec}\` (${summary.base.version}) · accelerator: **${summary.accel}**${summary.accelReason ? ` (${summary.accelReason})` : ''}`,
    '',
    ...(summary.shard ? [`Shard ${summary.shard.index} of ${summary.shard.count}: ${summary.series.length} of the run's ${summary.shard.allSeries.length} series (\`kph merge\` the shards for the whole run).`, ''] : []),
  ];
  // Scenarios as rows, series as columns: forty scenarios stay readable; five series fit.
  const series = [...groups.keys()];
  out.push(`| scenario | ${series.join(' | ')} |`, `|---|${series.map(() => '---').join('|')}|`);
  for (const s of scenarios) {
    const cell = (l: string) => {
      const r = groups.get(l)!.find((x) => x.scenario === s);
      return r ? ICON[r.verdict] : '';
    };
    out.push(`| ${s} | ${series.map(cell).join(' | ')} |`);
  }
  const time = (l: string, k: 'build' | 'boot') => `${(Math.max(...groups.get(l)!.map((r) => r.durationsMs[k])) / 1000).toFixed(1)} s`;
  out.push(`| _build_ | ${series.map((l) => time(l, 'build')).join(' | ')} |`, `| _boot_ | ${series.map((l) => time(l, 'boot')).join(' | ')} |`);
  const bugs = bugGroups(summary);
  if (bugs.length) {
    out.push('', '## Kernel bugs', '', 'Rows whose kernel reports have one signature (the kind and top frames, nothing that changes between boots) are one bug.', '');
    out.push('| signature | bug | where |', '|---|---|---|');
    for (const g of bugs) out.push(`| \`${g.signature}\` | ${bugHeadline(g)} | ${bugWhere(g).join(', ')} |`);
  }
  const repeated = summary.runs.filter((r) => r.repeats);
  if (repeated.length) {
    const n = repeated[0]!.repeats!.count;
    const total = repeated.reduce((t, r) => t + r.durationsMs.scenario + r.durationsMs.boot, 0);
    out.push('', `## Repeats`, '', `\`--repeat ${n}\`: every scenario ran ${n} times on the same kernel (a fresh guest after any repeat that did not pass): ${n} times the work, ${(total / 1000).toFixed(1)} s of scenarios and boots in all.`, '');
    out.push('| series | scenario | verdict | repeats |', '|---|---|---|---|');
    for (const r of repeated) out.push(`| ${label(r)} | ${r.scenario} | ${ICON[r.verdict]} | ${repeatsLine(r)} |`);
  }
  const coverage = coverageMarkdown(summary);
  if (coverage) out.push('', coverage);
  const again = bootsAgain(summary);
  if (again.length) {
    out.push('', '## Boots booted again', '', 'A guest that said it was ready and never answered on SSH is booted again once (nothing in it blames the kernel); twice is judged. Each such boot:', '');
    for (const b of again) out.push(`- ${bootAgainLine(b)}`, ...b.evidence.map((l) => `  - ${l.replace(/^kph: /, '')}`), `  - ${b.message}`);
  }
  const bad = summary.runs.filter((r) => r.verdict !== 'pass' && r.verdict !== 'skip');
  if (bad.length) {
    out.push('', '## What went wrong');
    for (const r of bad) {
      out.push('', `### ${label(r)} · ${r.scenario}: ${r.verdict}`, '', `Folder: \`${r.dir}\``, ...(r.signature ? [`Signature: \`${r.signature}\``] : []), ...(r.repeats ? [`Repeats: ${repeatsLine(r)}`] : []), '');
      for (const f of r.failures) {
        out.push(`- ${f.message}`);
        if (f.excerpt?.length) out.push('', '  ```', ...f.excerpt.slice(0, 40).map((l) => `  ${l}`), '  ```');
      }
    }
  }
  const skipped = summary.runs.filter((r) => r.verdict === 'skip');
  if (skipped.length) {
    out.push('', '## Skipped', '');
    for (const r of skipped) out.push(`- ${label(r)} · ${r.scenario}: ${r.failures[0]?.message ?? ''}`);
  }
  // A peer suite's figures once per series (its run row: tests, checks, wall time), not per test.
  const metrics = summary.runs.filter((r) => r.metrics && Object.keys(r.metrics).length && (suiteOfRow(r.scenario)?.test ?? 'runtests') === 'runtests');
  if (metrics.length) {
    out.push('', '## Figures', '', '| series | scenario | figures |', '|---|---|---|');
    for (const r of metrics) out.push(`| ${label(r)} | ${r.scenario} | ${Object.entries(r.metrics!).map(([k, v]) => `${k}=${v}`).join(', ')} |`);
  }
  const relative = relativeToBaseline(summary);
  if (relative.length) {
    const series = [...new Set(relative.map((x) => x.series))];
    out.push('', '## Relative to baseline', '', 'Rates of the same scenario in this run divided by the baseline\'s (1.00 = as fast as the unpatched kernel).', '');
    out.push(`| scenario | figure | baseline | ${series.join(' | ')} |`, `|---|---|---|${series.map(() => '---').join('|')}|`);
    const rows = [...new Set(relative.map((x) => `${x.scenario}\0${x.metric}`))];
    for (const row of rows) {
      const [scenario, metric] = row.split('\0') as [string, string];
      const of = relative.filter((x) => x.scenario === scenario && x.metric === metric);
      const cell = (s: string) => {
        const x = of.find((y) => y.series === s);
        return x ? `${x.value} (${x.ratio.toFixed(2)}×)` : '';
      };
      out.push(`| ${scenario} | ${metric} | ${of[0]!.baseline} | ${series.map(cell).join(' | ')} |`);
    }
  }
  return out.join('\n') + '\n';
}

export interface RelativeFigure {
  scenario: string;
  metric: string;
  /** The series' label (NAME@REV). */
  series: string;
  value: number;
  baseline: number;
  /** value / baseline */
  ratio: number;
}

/**
 * Rates (figures named *PerSec) of every non-baseline run divided by the baseline's for the
 * same scenario in the same summary; only runs that passed count (a failed or lossy run's rate
 * says nothing), and nothing without a passing baseline run with a positive rate.
 */
export function relativeToBaseline(summary: Summary): RelativeFigure[] {
  const out: RelativeFigure[] = [];
  const passed = summary.runs.filter((r) => r.verdict === 'pass' && r.metrics);
  for (const base of passed.filter((r) => r.series === 'baseline')) {
    for (const [metric, b] of Object.entries(base.metrics!)) {
      if (!/PerSec/.test(metric) || !(b > 0)) continue;
      for (const r of passed) {
        if (r.series === 'baseline' || r.scenario !== base.scenario) continue;
        const v = r.metrics![metric];
        if (typeof v === 'number' && Number.isFinite(v)) out.push({ scenario: r.scenario, metric, series: label(r), value: v, baseline: b, ratio: v / b });
      }
    }
  }
  return out;
}

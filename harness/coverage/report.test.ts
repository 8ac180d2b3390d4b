// On real lcov 1.16 output (harness/test/fixtures/coverage/README.md): a toy laid out like a
// kernel build whose patch adds a branch that never runs and two lines to a header.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarySchema } from '../core/summary.js';
import { attributeSeries } from './diff.js';
import { mergeLcov, parseLcov, relativeTo, renderLcov, scenariosByLine, type LcovFile } from './lcov.js';
import { coverageGate, coverageHeadline, coveragePercent, seriesCoverage } from './report.js';

const fx = (f: string) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'coverage', f), 'utf8');
const ROOT = '/tmp/covtoy/src';
const base: Record<string, string> = { 'kernel/fork.c': fx('toy-fork.base.c'), 'include/linux/toy.h': fx('toy.base.h') };
const final: Record<string, string> = { 'kernel/fork.c': fx('toy-fork.c'), 'include/linux/toy.h': fx('toy.h') };

describe('lcov tracefiles', () => {
  const boot1 = parseLcov(fx('toy-boot1.info'));
  const boot2 = parseLcov(fx('toy-boot2.info'));
  it('reads each file\'s instrumented lines and functions with their counts', () => {
    expect(boot1.map((f) => f.file)).toEqual(['/tmp/covtoy/src/include/linux/toy.h', '/tmp/covtoy/src/kernel/fork.c']);
    expect([...boot1[1]!.lines]).toEqual([[4, 3], [8, 3], [9, 0], [10, 0], [14, 3], [17, 1], [21, 4], [22, 3], [23, 1], [24, 1]]);
    expect(boot1[1]!.functions.get('helper')).toBe(4);
    expect(boot1[1]!.functionHits.get('helper')).toBe(3);
  });
  it('adds boots up and names files relative to the tree, leaving out the others', () => {
    const merged = mergeLcov(boot1, boot2, [{ file: '/elsewhere/build/include/generated/x.h', lines: new Map([[1, 1]]), functions: new Map(), functionHits: new Map() }]);
    const rel = relativeTo(merged.values(), ROOT + '/');
    expect(rel.map((f) => f.file)).toEqual(['include/linux/toy.h', 'kernel/fork.c']);
    expect(rel[1]!.lines.get(8)).toBe(6);
    expect(rel[1]!.lines.get(9)).toBe(0);
  });
  it('writes a tracefile lcov reads back the same, with the summary lines genhtml shows', () => {
    const rel = relativeTo(mergeLcov(boot1, boot2).values(), ROOT);
    const text = renderLcov(rel);
    expect(text).toContain('SF:kernel/fork.c\nFN:4,helper\nFN:17,main\nFNDA:6,helper\nFNDA:2,main\nFNF:2\nFNH:2\nDA:4,6\n');
    expect(text).toContain('LF:10\nLH:8\nend_of_record');
    expect(parseLcov(text).map((f) => [f.file, [...f.lines]])).toEqual(rel.map((f) => [f.file, [...f.lines]]));
    expect(renderLcov([])).toBe('');
  });
});

describe('scenariosByLine', () => {
  const f = (lines: [number, number][]): LcovFile[] => [{ file: 'kernel/fork.c', lines: new Map(lines), functions: new Map(), functionHits: new Map() }];
  it('gives each line the scenarios during which its count rose, boot by boot', () => {
    const by = scenariosByLine([
      { boot: 'b1', scenario: '(boot)', files: f([[8, 3], [9, 0]]) },
      { boot: 'b1', scenario: 'unshare-net', files: f([[8, 3], [9, 2]]) },
      { boot: 'b1', scenario: 'setns', files: f([[8, 5], [9, 2]]) },
      // A new boot starts from zero: its first reading is compared with nothing.
      { boot: 'b2', scenario: 'unshare-net', files: f([[8, 1], [9, 0]]) },
    ]);
    expect(Object.fromEntries(by)).toEqual({ 'kernel/fork.c:8': ['(boot)', 'setns', 'unshare-net'], 'kernel/fork.c:9': ['unshare-net'] });
  });
});

describe('seriesCoverage', () => {
  const data = new Map(relativeTo(mergeLcov(parseLcov(fx('toy-boot1.info')), parseLcov(fx('toy-boot2.info'))).values(), ROOT).map((f) => [f.file, f]));
  const attribution = attributeSeries([fx('toy.patch')], (p) => base[p] ?? null, (p) => final[p] ?? null);
  const patches = [{ name: '0001-toy-negative-branch.patch', text: fx('toy.patch') }];

  it('counts the added lines gcov instrumented, and lists the ones that never ran with their text and patch', () => {
    const c = seriesCoverage({ patches, attribution, data, objects: ['kernel/fork.o'] });
    // fork.c adds lines 8-13: 8 (if), 9 and 10 instrumented; the header adds 5 (instrumented) and 6 (merged by -O2).
    expect(c.addedLines).toBe(4);
    expect(c.executedLines).toBe(2);
    expect(c.unexecuted).toEqual([
      { file: 'kernel/fork.c', line: 9, text: '\t\tr = -v;', patch: '0001-toy-negative-branch.patch' },
      { file: 'kernel/fork.c', line: 10, text: '\t\tprintf("negative\\n");', patch: '0001-toy-negative-branch.patch' },
    ]);
    expect(c.patches).toEqual([{ patch: '0001-toy-negative-branch.patch', addedLines: 4, executedLines: 2 }]);
    expect(c.unmeasured).toBeUndefined();
    expect(c.objects).toEqual(['kernel/fork.o']);
    // The hunk with the unexecuted lines, as the patch writes it, each added line marked.
    expect(c.hunks).toHaveLength(1);
    expect(c.hunks![0]).toMatchObject({ patch: '0001-toy-negative-branch.patch', file: 'kernel/fork.c', header: '@@ -5,7 +5,12 @@' });
    expect(c.hunks![0]!.lines.filter((l) => l.kind === '+').map((l) => [l.line, l.ran])).toEqual([
      [8, true],
      [9, false],
      [10, false],
      [11, undefined],
      [12, undefined],
      [13, undefined],
    ]);
    expect(coveragePercent(c)).toBe(50);
    expect(coverageHeadline(c)).toBe('50% (2 of 4 added lines ran)');
  });

  it('says which scenarios ran each added line, and how many each ran, when the counters were read after each', () => {
    const reachedBy = new Map([
      ['kernel/fork.c:8', ['(boot)', 'unshare-net']],
      ['include/linux/toy.h:5', ['unshare-net']],
      ['kernel/fork.c:9', ['never-counted']],
    ]);
    const c = seriesCoverage({ patches, attribution, data, reachedBy, scenarioOrder: ['(boot)', 'unshare-net', 'setns'] });
    expect(c.scenarios).toEqual([
      { scenario: '(boot)', executedLines: 1 },
      { scenario: 'unshare-net', executedLines: 2 },
      { scenario: 'setns', executedLines: 0 },
    ]);
    const plus = c.hunks![0]!.lines.filter((l) => l.kind === '+');
    expect(plus[0]).toEqual({ kind: '+', text: '\tif (v < 0) {', line: 8, ran: true, scenarios: ['(boot)', 'unshare-net'] });
    expect(plus[1]!.scenarios).toBeUndefined(); // line 9 never ran: no scenario whatever a reading said
    expect(seriesCoverage({ patches, attribution, data }).scenarios).toBeUndefined();
  });

  it('lists a header no profiled object instruments, and a C file without counters, as unmeasured, not counted', () => {
    const onlyFork = new Map([...data].filter(([f]) => f === 'kernel/fork.c'));
    const c = seriesCoverage({ patches, attribution, data: onlyFork });
    expect([c.addedLines, c.executedLines]).toEqual([3, 1]);
    expect(c.unmeasured).toEqual([{ file: 'include/linux/toy.h', lines: 2, why: expect.stringContaining('header') }]);
    const none = seriesCoverage({ patches, attribution, data: new Map() });
    expect([none.addedLines, none.executedLines, none.unexecuted]).toEqual([0, 0, []]);
    expect(none.unmeasured!.map((u) => [u.file, u.lines])).toEqual([
      ['include/linux/toy.h', 2],
      ['kernel/fork.c', 6],
    ]);
    expect(coverageHeadline(none)).toBe('no added line gcov instruments');
    const skipped = seriesCoverage({ patches, attribution, data: new Map(), notProfiled: [{ file: 'kernel/fork.c', why: 'kernel/Makefile excludes it from gcov profiling (GCOV_PROFILE := n)' }] });
    expect(skipped.unmeasured!.find((u) => u.file === 'kernel/fork.c')!.why).toBe('not profiled: kernel/Makefile excludes it from gcov profiling (GCOV_PROFILE := n)');
  });

  it('fits summary.json\'s schema on the series entry, with the gate on the summary', () => {
    const c = seriesCoverage({ patches, attribution, data });
    const gate = coverageGate([{ label: 'toy@v1+coverage', coverage: c }, { label: 'baseline' }], 80);
    expect(gate).toEqual({ minPercent: 80, passed: false, below: [{ series: 'toy@v1+coverage', percent: 50, addedLines: 4, executedLines: 2 }] });
    expect(coverageGate([{ label: 'toy@v1+coverage', coverage: c }], 50).passed).toBe(true);
    expect(coverageGate([{ label: 'x', coverage: { addedLines: 0, executedLines: 0, unexecuted: [], error: 'lcov failed' } }], 0).below[0]!.why).toBe('not measured: lcov failed');
    const summary = { schemaVersion: 2, kph: { version: '0' }, base: { spec: 'debian:6.12', version: '6.12.117' }, accel: 'tcg', startedAt: 'x', complete: true, series: [{ label: 'toy@v1+coverage', name: 'toy', revision: 'v1', dir: 'toy', records: {}, provides: [], coverage: { ...c, lcov: 'toy/coverage.info', boots: { collected: 1, lost: 0 } } }], runs: [], coverageGate: gate };
    expect(summarySchema.safeParse(summary).success).toBe(true);
  });
});

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../core/types.js';
import { silentProgress } from './progress.js';
import { createReporters, multiplexReporters } from './reporter.js';

const summary: Summary = {
  schemaVersion: 2,
  kph: { version: 't' },
  base: { spec: 'debian:6.12', version: '6.12.117' },
  accel: 'tcg',
  startedAt: 'x',
  complete: true,
  series: [],
  runs: [{ series: 'baseline', revision: null, scenario: 'hang', verdict: 'timeout', failures: [{ code: 'E_TIMEOUT', message: 'hang did not finish within 30 s' }], durationsMs: { build: 0, boot: 0, scenario: 1 }, dir: 'baseline/hang' }],
};

function sink() {
  const chunks: string[] = [];
  return { stream: new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }), text: () => chunks.join('') };
}

describe('reporters', () => {
  it('github annotations go to the stream kph gives them (stderr under --json), and the step summary is appended', () => {
    const out = mkdtempSync(join(tmpdir(), 'kph-rep-'));
    const s = sink();
    const step = join(out, 'step.md');
    const [gh] = createReporters(['github'], { outDir: out, progress: silentProgress, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: step }, textOut: s.stream }).filter((r) => r.name === 'github');
    gh!.onRunEnd!(summary, { diffs: [] });
    expect(s.text()).toMatch(/^::error title=baseline · hang%3A timeout::hang did not finish within 30 s\n$/);
    expect(readFileSync(step, 'utf8')).toContain('TIMEOUT');
  });
  it('without GITHUB_ACTIONS the github reporter says nothing', () => {
    const s = sink();
    const [, gh] = createReporters(['github'], { outDir: '/nonexistent', progress: silentProgress, env: {}, textOut: s.stream });
    gh!.onRunEnd!(summary, { diffs: [] });
    expect(s.text()).toBe('');
  });
  it('summary is always on, and an unknown reporter is refused', () => {
    expect(createReporters([], { outDir: '/x', progress: silentProgress, env: {}, textOut: sink().stream }).map((r) => r.name)).toEqual(['summary']);
    expect(() => createReporters(['nope'], { outDir: '/x', progress: silentProgress, env: {}, textOut: sink().stream })).toThrow(/unknown reporter "nope"/);
  });
  it('the multiplexer reports a throwing reporter and still calls the next one', () => {
    const calls: string[] = [];
    const mux = multiplexReporters([{ name: 'bad', onResult: () => { throw new Error('boom'); } }, { name: 'good', onResult: () => calls.push('good') }], (n, phase, e) => calls.push(`${n}:${phase}:${(e as Error).message}`));
    mux.onResult(summary.runs[0]!, summary);
    expect(calls).toEqual(['bad:onResult:boom', 'good']);
  });
});

import { describe, expect, it } from 'vitest';
import type { Verdict } from '../core/types.js';
import { needsFreshGuest } from './policy.js';
import { combineRepeats, combineVerdicts, type Attempt } from './repeat.js';

const at = (verdict: Verdict, extra: Partial<Attempt> = {}): Attempt => ({ verdict, failures: verdict === 'pass' ? [] : [{ code: 'E_CHECK', message: `${verdict} here` }], notes: [], bootMs: 0, scenarioMs: 1000, ...extra });

describe('combineVerdicts (--repeat N)', () => {
  it('pass only when every repeat passed; the agreed verdict when all agree', () => {
    expect(combineVerdicts(['pass', 'pass', 'pass'])).toBe('pass');
    expect(combineVerdicts(['crash', 'crash'])).toBe('crash');
    expect(combineVerdicts(['timeout'])).toBe('timeout');
  });
  it('flaky when the kernel\'s own verdicts differ, passes or not', () => {
    expect(combineVerdicts(['pass', 'fail', 'pass'])).toBe('flaky');
    expect(combineVerdicts(['crash', 'pass'])).toBe('flaky');
    expect(combineVerdicts(['crash', 'timeout'])).toBe('flaky');
  });
  it('a repeat that could not conclude: a fault shown stands, passes alone never make a pass', () => {
    expect(combineVerdicts(['pass', 'inconclusive'])).toBe('inconclusive');
    expect(combineVerdicts(['pass', 'infra-error', 'inconclusive'])).toBe('infra-error');
    expect(combineVerdicts(['crash', 'infra-error'])).toBe('crash');
    expect(combineVerdicts(['pass', 'crash', 'infra-error'])).toBe('flaky');
  });
});

describe('combineRepeats', () => {
  it('flaky: E_FLAKY first with k of N, then the first failing repeat\'s evidence and signature', () => {
    const r = combineRepeats([at('pass'), at('crash', { signature: 'warning: f' }), at('fail')]);
    expect(r.verdict).toBe('flaky');
    expect(r.shown).toBe(1);
    expect(r.failures.map((f) => f.code)).toEqual(['E_FLAKY', 'E_CHECK']);
    expect(r.failures[0]!.message).toContain('1 of 3 repeats passed');
    expect(r.failures[1]!.message).toBe('repeat 2: crash here');
    expect(r.signature).toBe('warning: f');
    expect(r.repeats).toEqual({ count: 3, passed: 1, verdicts: ['pass', 'crash', 'fail'], scenarioMs: [1000, 1000, 1000], firstFailure: 2 });
    expect(r.notes[0]).toBe('1 of 3 repeats passed (pass, crash, fail); 3 repeats took 3.0 s of scenario time');
  });
  it('all pass: no failures, the total time said plainly', () => {
    const r = combineRepeats([at('pass', { bootMs: 5000 }), at('pass')]);
    expect(r).toMatchObject({ verdict: 'pass', failures: [], scenarioMs: 2000, bootMs: 5000 });
    expect(r.repeats.firstFailure).toBeUndefined();
    expect(r.notes[0]).toBe('2 of 2 repeats passed (pass, pass); 2 repeats took 2.0 s of scenario time and 5.0 s of boots');
  });
});

describe('needsFreshGuest with --repeat', () => {
  const alive = { guestAlive: true, hang: null, error: null };
  it('after anything but a pass when repeating; a fail keeps the guest otherwise', () => {
    expect(needsFreshGuest(alive, 'fail', { repeating: true })).toBe(true);
    expect(needsFreshGuest(alive, 'inconclusive', { repeating: true })).toBe(true);
    expect(needsFreshGuest(alive, 'pass', { repeating: true })).toBe(false);
    expect(needsFreshGuest(alive, 'fail')).toBe(false);
  });
});

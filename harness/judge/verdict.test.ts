import { describe, expect, it } from 'vitest';
import { decideVerdict, exitCodeFor } from './verdict.js';

const okStatus = { enabled: 1, lost: 0, backlog: 0, backlogLimit: 8192 };
const pass = { name: 'x', ok: true, message: 'fine' };
const fail = { name: 'y', ok: false, message: 'expected 1, got 0' };

describe('decideVerdict', () => {
  it('passes when every check passes and nothing was lost', () => {
    expect(decideVerdict({ checks: [pass], auditBefore: okStatus, auditAfter: okStatus, cn: { events: 3, enobufs: 0, seqGaps: 0, features: null }, splats: [], flushTimedOut: false })).toEqual({ verdict: 'pass', failures: [] });
  });
  it('fails with the failed checks', () => {
    const v = decideVerdict({ checks: [pass, fail], auditBefore: okStatus, auditAfter: okStatus, cn: null, splats: [], flushTimedOut: false });
    expect(v).toEqual({ verdict: 'fail', failures: [{ code: 'E_CHECK', message: 'y: expected 1, got 0', excerpt: undefined }] });
  });
  it('is inconclusive, never pass, when audit lost records', () => {
    const v = decideVerdict({ checks: [pass], auditBefore: okStatus, auditAfter: { ...okStatus, lost: 5 }, cn: null, splats: [], flushTimedOut: false });
    expect(v.verdict).toBe('inconclusive');
    expect(v.failures[0]!.message).toBe('audit lost 5 record(s) (lost 0 → 5)');
  });
  it('is inconclusive when the listener overran or saw gaps', () => {
    const v = decideVerdict({ checks: [fail], auditBefore: okStatus, auditAfter: okStatus, cn: { events: 9, enobufs: 2, seqGaps: 7, features: null }, splats: [], flushTimedOut: false });
    expect(v.verdict).toBe('inconclusive');
    expect(v.failures.map((f) => f.message)).toEqual(['the connector listener overran: 2 ENOBUFS', 'the connector listener saw 7 sequence gap(s)', 'y: expected 1, got 0']);
  });
  it('is a crash when the console showed a splat, whatever the checks said', () => {
    const splat = { kind: 'warning', title: 'WARNING: CPU: 1 PID: 301 at kernel/nsproxy.c:200', line: 3, excerpt: ['WARNING: ...'] };
    expect(decideVerdict({ checks: [pass], auditBefore: okStatus, auditAfter: okStatus, cn: null, splats: [splat], flushTimedOut: false }).verdict).toBe('crash');
  });
});

describe('exitCodeFor', () => {
  it('maps verdicts to design.md exit codes, the series\' fault first', () => {
    expect(exitCodeFor(['pass', 'skip'])).toBe(0);
    expect(exitCodeFor(['pass', 'inconclusive'])).toBe(4);
    expect(exitCodeFor(['infra-error', 'inconclusive'])).toBe(3);
    expect(exitCodeFor(['infra-error', 'apply-error'])).toBe(1);
    expect(exitCodeFor(['crash'])).toBe(1);
  });
});

describe('decideVerdict: capture health', () => {
  it('is inconclusive, never pass, when the listener never got its subscription ack', () => {
    const v = decideVerdict({ checks: [pass], auditBefore: okStatus, auditAfter: okStatus, cn: { events: 0, enobufs: 0, seqGaps: 0, features: null }, listenerReady: false, splats: [], flushTimedOut: false });
    expect(v.verdict).toBe('inconclusive');
    expect(v.failures[0]).toMatchObject({ code: 'E_LISTENER' });
  });
  it('is inconclusive when the end marker never reached the log', () => {
    const v = decideVerdict({ checks: [pass], auditBefore: okStatus, auditAfter: okStatus, cn: null, splats: [], flushTimedOut: true });
    expect(v).toMatchObject({ verdict: 'inconclusive', failures: [{ code: 'E_MARKER' }] });
  });
  it('is inconclusive, not fail, when records were lost and a check failed', () => {
    const v = decideVerdict({ checks: [fail], auditBefore: okStatus, auditAfter: { ...okStatus, lost: 1 }, cn: null, splats: [], flushTimedOut: false });
    expect(v.verdict).toBe('inconclusive');
    expect(v.failures.map((f) => f.code)).toEqual(['E_LOST', 'E_CHECK']);
  });
});

describe('exitCodeFor', () => {
  it('counts timeout and boot-error as the series\' fault', () => {
    expect(exitCodeFor(['pass', 'timeout'])).toBe(1);
    expect(exitCodeFor(['boot-error'])).toBe(1);
    expect(exitCodeFor(['pass', 'infra-error', 'inconclusive'])).toBe(3);
    expect(exitCodeFor(['pass', 'inconclusive', 'skip'])).toBe(4);
    expect(exitCodeFor(['pass', 'skip'])).toBe(0);
  });
});

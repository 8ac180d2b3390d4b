import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListenerOutput } from './cn.js';

const fx = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', ...p), 'utf8');

describe('parseListenerOutput on kph-cn-listen output from the baseline guest', () => {
  const cap = parseListenerOutput(fx('cn', 'listener-baseline-unshare-net.jsonl'));
  it('sees the subscription acked, every event, and the summary counters', () => {
    expect(cap.ready).toBe(true);
    expect(cap.garbage).toEqual([]);
    expect(cap.events.length).toBe(34);
    expect(cap.summary).toEqual({ events: 34, enobufs: 0, seqGaps: 0, features: null });
  });
  it('types the events and keeps the payload length', () => {
    const fork = cap.events.find((e) => e.kind === 'fork')!;
    expect(fork).toMatchObject({ what: 1, len: 40, data: { parent_pid: 110, child_pid: 130 } });
    expect(new Set(cap.events.map((e) => e.kind))).toEqual(new Set(['fork', 'exec', 'exit']));
  });
  it('keeps unknown events and counts ENOBUFS lines when the summary is missing', () => {
    const c = parseListenerOutput('{"ready":true,"acked":true}\n{"what":4096,"cpu":1,"seq":3,"ack":0,"ts":"1","len":20,"kind":"unknown","raw":"0011"}\n{"kind":"enobufs"}\nnot json\n');
    expect(c.events[0]).toMatchObject({ kind: 'unknown', what: 4096, data: { raw: '0011' } });
    expect(c.summary).toEqual({ events: 1, enobufs: 1, seqGaps: 0, features: null });
    expect(c.garbage).toEqual(['not json']);
  });
});

describe('parseListenerOutput: only an acked subscription is ready', () => {
  const SUMMARY = '{"summary":true,"events":0,"enobufs":0,"seq_gaps":0,"drained":0}\n';
  it('is ready with the ack, with or without the err field (older listeners)', () => {
    expect(parseListenerOutput('{"ready":true,"acked":true,"err":0}\n' + SUMMARY)).toMatchObject({ ready: true, notReady: null });
    expect(parseListenerOutput('{"ready":true,"acked":true}\n' + SUMMARY).ready).toBe(true);
  });
  it('is not ready when the ack never came, whatever "ready" said (the old listener printed ready:true)', () => {
    for (const line of ['{"ready":true,"acked":false}', '{"ready":false,"acked":false,"waited_ms":2000}']) {
      const c = parseListenerOutput(line + '\n' + SUMMARY);
      expect(c.ready, line).toBe(false);
      expect(c.notReady, line).toMatch(/never acked/);
    }
    expect(parseListenerOutput('{"ready":false,"acked":false,"waited_ms":2000}\n').notReady).toBe('the proc connector never acked the subscription (waited 2000 ms)');
  });
  it('is not ready when the kernel refused the subscription', () => {
    const c = parseListenerOutput('{"ready":false,"acked":true,"err":1}\n' + SUMMARY);
    expect(c).toMatchObject({ ready: false, notReady: 'the kernel refused the subscription (err 1)' });
  });
  it('a late ack makes it ready', () => {
    const c = parseListenerOutput('{"ready":false,"acked":false,"waited_ms":2000}\n{"ready":true,"acked":true,"err":0,"late":true}\n' + SUMMARY);
    expect(c).toMatchObject({ ready: true, notReady: null });
  });
  it('no readiness line at all is not ready, and no summary is made up', () => {
    const c = parseListenerOutput('{"error":"socket","errno":93}\n');
    expect(c).toMatchObject({ ready: false, notReady: 'the listener printed no readiness line', summary: null });
    expect(c.garbage).toEqual(['{"error":"socket","errno":93}']);
  });
  it('JSON that is not an object is garbage, not a crash', () => {
    expect(parseListenerOutput('5\nnull\n"x"\n').garbage).toEqual(['5', 'null', '"x"']);
  });
});

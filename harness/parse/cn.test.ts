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

// Parse the guest listener's NDJSON into typed proc-connector events. Pure.
//
//   {"ready":true,"acked":true,"err":0}          the kernel acked the subscription: ready
//   {"ready":false,"acked":false,"waited_ms":2000} no ack (no connector / proc events): not ready
//   {"ready":false,"acked":true,"err":1}          the kernel refused the subscription: not ready
//   {"what":1,"cpu":0,"seq":12,"ack":0,"ts":"9876","len":40,"kind":"fork","parent_pid":1,"parent_tgid":1,"child_pid":301,"child_tgid":301}
//   {"what":1024,"cpu":1,"seq":3,"ack":0,"ts":"9999","len":48,"kind":"ns","layout":"v1","pid":301,...}
//   {"features":"unsupported","err":22}
//   {"summary":true,"events":57,"enobufs":0,"seq_gaps":0,"drained":3}
//
// Only an acked subscription is "ready": a listener that never got its ack may have heard
// nothing at all, so its (empty) capture proves nothing. Older listeners printed
// {"ready":true,"acked":false} after 2 s without an ack: that is not ready either.

import type { CnEvent, CnSummary } from '../core/types.js';

export interface CnCapture {
  events: CnEvent[];
  summary: CnSummary | null;
  /** The kernel acked the subscription without error. */
  ready: boolean;
  /** Why the listener is not ready (null when it is). */
  notReady: string | null;
  /** Lines that were not JSON: the listener itself misbehaving. */
  garbage: string[];
}

export function parseListenerOutput(text: string): CnCapture {
  const events: CnEvent[] = [];
  let summary: CnSummary | null = null;
  let ready = false;
  let notReady: string | null = 'the listener printed no readiness line';
  let features: string | null = null;
  let enobufs = 0;
  const garbage: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch {
      garbage.push(line);
      continue;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      garbage.push(line);
      continue;
    }
    if ('ready' in o) {
      const err = Number(o.err ?? 0);
      if (o.ready === true && o.acked !== false && err === 0) {
        ready = true;
        notReady = null;
      } else if (!ready) {
        notReady =
          o.acked === false
            ? `the proc connector never acked the subscription${o.waited_ms !== undefined ? ` (waited ${Number(o.waited_ms)} ms)` : ''}`
            : `the kernel refused the subscription (err ${err})`;
      }
    } else if (typeof o.features === 'string') features = o.features;
    else if (o.kind === 'enobufs') enobufs++;
    else if (o.summary) summary = { events: Number(o.events), enobufs: Number(o.enobufs), seqGaps: Number(o.seq_gaps), features };
    else if (typeof o.what === 'number') {
      const { what, cpu, seq, ts, len, kind, ack: _ack, ...data } = o;
      events.push({ kind: String(kind), what: what as number, cpu: Number(cpu), seq: Number(seq), timestampNs: String(ts), len: Number(len), data });
    } else garbage.push(line);
  }
  if (summary) summary.features = features;
  else if (ready) summary = { events: events.length, enobufs, seqGaps: 0, features };
  return { events, summary, ready, notReady, garbage };
}

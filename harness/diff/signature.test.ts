import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { parseAuditLog } from '../parse/audit.js';
import { bundledMeta } from '../test/capture-fixture.js';
import { eventSequence } from './signature.js';

// Real (kph run --all, audit-nsid@strawman, nsid-follow): two tasks on two vCPUs exit unshare at
// once and the log interleaves their events (3315's PROCTITLE after all of 3316).
const log = readFileSync(join(repoRoot, 'harness/test/fixtures/audit/nsid-follow-interleaved.log'), 'utf8');
const records = parseAuditLog(log, { '1357': 'NSID' });

describe('eventSequence', () => {
  it('an event is all the records of its serial, wherever the log interleaved another event', () => {
    const at = (serial: number) => records.filter((r) => r.serial === serial).map((r) => r.type);
    expect(records.findIndex((r) => r.serial === 3315 && r.type === 'PROCTITLE')).toBeGreaterThan(records.findIndex((r) => r.serial === 3316 && r.type === 'PROCTITLE'));
    expect(at(3315)).toEqual(['NSID', 'SYSCALL', 'PROCTITLE']);
    // The same records with each event's lines together give the same sequence.
    const first = new Map<number, number>();
    records.forEach((r, i) => first.set(r.serial, first.get(r.serial) ?? i));
    const together = [...records].sort((a, b) => first.get(a.serial)! - first.get(b.serial)!);
    expect(eventSequence(records)).toEqual(eventSequence(together));
    expect(eventSequence(records)).toEqual(['NSID,SYSCALL,PROCTITLE+']);
  });
});

describe('eventSequence over concurrent tasks', () => {
  // Real: nsid-follow on ns-serial@v5 in two runs (kph run --all, then the bundled e2e). Its
  // tasks unshare concurrently, and the two logs put their events in different orders.
  const names = bundledMeta('ns-serial@v5').records;
  const run = (n: number) => parseAuditLog(readFileSync(join(repoRoot, `harness/test/fixtures/audit/nsid-follow-v5-run${n}.log`), 'utf8'), names);
  const inLogOrder = (rs: ReturnType<typeof run>) => {
    const withSyscall = new Set(rs.filter((r) => r.type === 'SYSCALL').map((r) => r.serial));
    const ev = new Map<number, string[]>();
    for (const r of rs) if (withSyscall.has(r.serial)) ev.set(r.serial, [...(ev.get(r.serial) ?? []), r.type]);
    return [...ev.values()].map((t) => t.join(','));
  };
  it('is the same for both runs, where the order of events in the log is not', () => {
    expect(inLogOrder(run(1))).not.toEqual(inLogOrder(run(2)));
    expect(eventSequence(run(1))).toEqual(eventSequence(run(2)));
    expect(eventSequence(run(1)).length).toBeGreaterThan(3);
  });
});

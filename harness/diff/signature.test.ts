import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { parseAuditLog } from '../parse/audit.js';
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

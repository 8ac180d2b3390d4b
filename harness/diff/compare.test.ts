import { describe, expect, it } from 'vitest';
import type { AuditRecord, CnEvent } from '../core/types.js';
import { parseAuditLog } from '../parse/audit.js';
import { compareSignatures } from './compare.js';
import { classifyValue, eventSequence, scenarioSignature, type FormatSignature } from './signature.js';

// The record formats of the two ns-serial revisions, as their cover letters show them.
const v1Log = [
  'type=SYSCALL msg=audit(1399651071.433:72): arch=c000003e syscall=272 success=yes exit=0 a0=40000000 a1=ffffffffffffffff a2=0 a3=22 items=0 ppid=1 pid=483 auid=4294967295 uid=0 comm="unshare" exe="/usr/bin/unshare" netns=97 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5 key="kph-ns"',
  'type=UNKNOWN[1340] msg=audit(1399651071.433:72): pid=483 uid=0 auid=4294967295 ses=4294967295 subj=kernel type=40000000 old_snum=7 snum=a1 res=1',
].join('\n');
const v5Log = [
  'type=SYSCALL msg=audit(1408577535.306:81): arch=c000003e syscall=272 success=yes exit=0 a0=40000000 a1=ffffffffffffffff a2=0 a3=22 items=0 ppid=1 pid=481 auid=4294967295 uid=0 comm="unshare" exe="/usr/bin/unshare" key="kph-ns"',
  'type=UNKNOWN[1346] msg=audit(1408577535.306:81): pid=481 uid=0 auid=4294967295 ses=4294967295 subj=kernel old_netns=7 netns=8 res=1',
  'type=UNKNOWN[1340] msg=audit(1408577535.306:81): netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5',
].join('\n');

function sig(series: string, log: string, names: Record<string, string>, events: CnEvent[] = []): FormatSignature {
  return { version: 1, series, scenarios: { 'unshare-net': scenarioSignature(parseAuditLog(log, names), events) } };
}

const ev = (kind: string, len: number, data: Record<string, unknown>): CnEvent => ({ kind, what: kind === 'fork' ? 1 : 0x400, cpu: 0, seq: 1, timestampNs: '1', len, data });

describe('compareSignatures', () => {
  const a = sig('ns-serial@v1', v1Log, { '1340': 'NS_INIT' });
  const b = sig('ns-serial@v5', v5Log, { '1340': 'NS_INFO', '1346': 'AUDIT_NS_INIT_NET' });
  const changes = compareSignatures(a, b);
  const msgs = changes.map((c) => c.message);

  it('names the new NS_INFO record and the removed NS_INIT', () => {
    expect(msgs).toContain('record NS_INFO (1340) added (fields: netns utsns ipcns pidns userns mntns)');
    expect(msgs).toContain('record AUDIT_NS_INIT_NET (1346) added (fields: pid uid auid ses subj old_netns netns res)');
    expect(msgs).toContain('record NS_INIT (1340) removed (fields: pid uid auid ses subj type old_snum snum res)');
  });
  it('names the fields that moved out of SYSCALL', () => {
    expect(msgs).toContain('SYSCALL (1300): fields removed: netns utsns ipcns pidns userns mntns');
  });
  it('shows the changed sequence of records in the event', () => {
    expect(changes.find((c) => c.kind === 'sequence')!.message).toContain('+ SYSCALL,AUDIT_NS_INIT_NET,NS_INFO');
  });
  it('finds no change between a signature and itself', () => {
    expect(compareSignatures(b, b)).toEqual([]);
  });
  it('catches a renamed field and a changed value class', () => {
    const renamed = sig('x', v5Log.replace('old_netns=7', 'prev_netns=7').replace('utsns=2', 'utsns="two"'), { '1340': 'NS_INFO', '1346': 'AUDIT_NS_INIT_NET' });
    const m = compareSignatures(b, renamed).map((c) => c.message);
    expect(m).toContain('AUDIT_NS_INIT_NET (1346): fields removed: old_netns');
    expect(m).toContain('AUDIT_NS_INIT_NET (1346): fields added: prev_netns');
    expect(m).toContain('NS_INFO (1340): utsns= was decimal, is quoted');
  });
  it('flags a changed payload length of an existing connector event as an ABI change', () => {
    const base = sig('baseline', v5Log, {}, [ev('fork', 40, { parent_pid: 1, child_pid: 2 })]);
    const v1 = sig('cn@rfc-v1', v5Log, {}, [ev('fork', 48, { parent_pid: 1, child_pid: 2 }), ev('ns', 48, { layout: 'v1', pid: 2, type: 'net' })]);
    const c = compareSignatures(base, v1);
    expect(c.find((x) => x.kind === 'payload-length')).toMatchObject({ severity: 'abi', subject: 'fork' });
    expect(c.find((x) => x.kind === 'event-added')!.message).toMatch(/^connector event ns:v1 \(what=0x400, 48 bytes\) added/);
  });
});

describe('value classes and sequences', () => {
  it('classifies unset sentinels, inodes, quoted strings, hex and words', () => {
    expect(['4294967295', '4026532099', '"kph-ns"', 'c000003e', '272', 'yes', '(null)'].map(classifyValue)).toEqual(['unset', 'inode', 'quoted', 'hex', 'decimal', 'word', 'unset']);
  });
  it('collapses repeated events into one step', () => {
    const recs = parseAuditLog(Array.from({ length: 3 }, (_, i) => `type=SYSCALL msg=audit(1.0:${i}): syscall=308\ntype=PROCTITLE msg=audit(1.0:${i}): proctitle=6B`).join('\n')) as AuditRecord[];
    expect(eventSequence(recs)).toEqual(['SYSCALL,PROCTITLE+']);
  });
});

describe('asynchronous records', () => {
  const withDel = 'type=SYSCALL msg=audit(1.0:1): syscall=272 key="k"\ntype=UNKNOWN[1353] msg=audit(1.5:9): pid=0 uid=0 auid=4294967295 ses=4294967295 subj=kernel netns=8 res=1';
  const withoutDel = 'type=SYSCALL msg=audit(1.0:1): syscall=272 key="k"';
  const names = { '1353': 'AUDIT_NS_DEL_NET' };
  const two = (first: string, second: string): FormatSignature => ({
    version: 1,
    series: 's',
    scenarios: { a: scenarioSignature(parseAuditLog(first, names), []), b: scenarioSignature(parseAuditLog(second, names), []) },
  });
  it('do not count as missing when they fell outside one scenario but were seen in another', () => {
    expect(compareSignatures(two(withDel, withoutDel), two(withoutDel, withDel))).toEqual([]);
  });
  it('count as removed when no scenario saw them', () => {
    expect(compareSignatures(two(withDel, withoutDel), two(withoutDel, withoutDel)).map((c) => c.kind)).toEqual(['record-removed']);
  });
  it('stay out of the event sequence', () => {
    expect(eventSequence(parseAuditLog(withDel, names))).toEqual(['SYSCALL']);
  });
});

describe('number classes', () => {
  it('do not tell a hex value without a-f digits from a decimal one', () => {
    const one = sig('a', 'type=SYSCALL msg=audit(1.0:1): syscall=272 a3=7ffd0a2b', {});
    const two = sig('b', 'type=SYSCALL msg=audit(1.0:1): syscall=272 a3=22', {});
    expect(compareSignatures(one, two)).toEqual([]);
  });
});

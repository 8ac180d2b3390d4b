import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { field, groupAuditEvents, parseAuditLog, parseFields, sliceBetweenMarkers } from './audit.js';

const fx = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', ...p), 'utf8');

describe('parseAuditLog on auditd 3.0.9 raw output from the guest', () => {
  const text = fx('audit', 'auditd-raw-boot-and-setns.log');
  const records = parseAuditLog(text);

  it('parses every line', () => {
    expect(records.length).toBe(text.trim().split('\n').length);
  });

  it('keeps type, timestamp, serial and fields in order with raw values', () => {
    const sys = records.find((r) => r.type === 'SYSCALL' && field(r, 'syscall') === '272')!;
    expect(sys).toMatchObject({ type: 'SYSCALL', typeNumber: 1300, timestamp: '1795338059.311', serial: 11 });
    expect(sys.fields.slice(0, 4).map((f) => `${f.name}=${f.raw}`)).toEqual(['arch=c000003e', 'syscall=272', 'success=yes', 'exit=0']);
    expect(sys.fields.find((f) => f.name === 'key')!.raw).toBe('"kph-ns"');
    expect(field(sys, 'key')).toBe('kph-ns');
  });

  it('reads a quoted msg with nested quotes as one field (auditctl -m markers)', () => {
    const marker = records.find((r) => r.type === 'USER')!;
    expect(field(marker, 'msg')).toBe('text=kph-begin setns-loop exe="/usr/sbin/auditctl" hostname=? addr=? terminal=? res=success');
    expect(marker.typeNumber).toBe(1005);
  });

  it('groups SYSCALL and PROCTITLE of one event by serial', () => {
    const ev = groupAuditEvents(records).find((e) => e.serial === 11)!;
    expect(ev.records.map((r) => r.type)).toEqual(['SYSCALL', 'PROCTITLE']);
  });
});

describe('sliceBetweenMarkers', () => {
  it('returns the records of one scenario and what came before it', () => {
    const records = parseAuditLog(fx('audit', 'auditd-raw-unshare-net.log'));
    const { inside, before, found } = sliceBetweenMarkers(records, 'kph-begin unshare-net', 'kph-end unshare-net');
    expect(found).toEqual({ begin: true, end: true });
    expect(before).toEqual([]);
    expect(inside.length).toBe(records.length - 2);
    expect(inside.filter((r) => r.type === 'SYSCALL').map((r) => field(r, 'syscall'))).toEqual(['56', '56', '56', '272', '56', '56', '56']);
  });
  it('takes the latest window when the scenario ran before on the same guest (--repeat)', () => {
    const once = parseAuditLog(fx('audit', 'auditd-raw-unshare-net.log'));
    const log = fx('audit', 'auditd-raw-unshare-net.log');
    const twice = parseAuditLog(`${log.trimEnd()}\n${log.replace(/pid=(\d+)/g, (_m, p: string) => `pid=${Number(p) + 1000}`)}`);
    const { inside } = sliceBetweenMarkers(twice, 'kph-begin unshare-net', 'kph-end unshare-net');
    expect(inside.length).toBe(once.length - 2);
    expect(inside.every((r) => !field(r, 'pid') || Number(field(r, 'pid')) > 1000)).toBe(true);
  });
  it('reports a missing end marker (auditd never flushed)', () => {
    const records = parseAuditLog(fx('audit', 'auditd-raw-unshare-net.log')).slice(0, -1);
    expect(sliceBetweenMarkers(records, 'kph-begin unshare-net', 'kph-end unshare-net').found).toEqual({ begin: true, end: false });
  });
});

describe('record names from the series', () => {
  it('resolves UNKNOWN[n] and the kernel console form through the series map', () => {
    const names = { '1340': 'NS_INFO' };
    const [a, b] = parseAuditLog(
      [
        'type=UNKNOWN[1340] msg=audit(1795338059.311:11): netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5',
        '[    6.750604] audit: type=1340 audit(1795337788.367:5): netns=8 utsns=2',
      ].join('\n'),
      names,
    );
    expect([a!.type, a!.typeNumber, b!.type, b!.typeNumber]).toEqual(['NS_INFO', 1340, 'NS_INFO', 1340]);
  });
  it('reads the kernel console form of real records (kauditd printing without a daemon)', () => {
    const recs = parseAuditLog(fx('console', 'audit-printk-no-daemon.log'));
    expect(recs.length).toBe(10);
    expect(recs.map((r) => r.type).slice(0, 3)).toEqual(['SYSCALL', 'PROCTITLE', 'CONFIG_CHANGE']);
    expect(field(recs[8]!, 'msg')).toMatch(/^text=kph-begin setns-loop/);
  });
});

describe('parseFields', () => {
  it('drops ENRICHED fields after the 0x1d separator', () => {
    expect(parseFields('pid=1 uid=0\x1dUID="root"').map((f) => f.name)).toEqual(['pid', 'uid']);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAuditctlStatus } from './auditctl.js';

describe('parseAuditctlStatus', () => {
  it('reads the counters of a real guest, backlog_wait_time_actual included', () => {
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'scenarios', 'boot-records', 'fixtures', 'baseline', 'audit-status-after.txt'), 'utf8');
    expect(parseAuditctlStatus(text)).toEqual({ enabled: 1, lost: 0, backlog: 0, backlogLimit: 8192, backlogWaitTimeActual: 0 });
  });
  it('keeps a rising backlog_wait_time_actual', () => {
    const s = parseAuditctlStatus('enabled 1\nfailure 1\npid 245\nrate_limit 0\nbacklog_limit 64\nlost 3\nbacklog 64\nbacklog_wait_time 60000\nbacklog_wait_time_actual 1234\n');
    expect(s).toEqual({ enabled: 1, lost: 3, backlog: 64, backlogLimit: 64, backlogWaitTimeActual: 1234 });
  });
  it('leaves the field out when an older auditctl does not print it', () => {
    const s = parseAuditctlStatus('enabled 1\nlost 0\nbacklog 0\nbacklog_limit 8192\n');
    expect(s).toEqual({ enabled: 1, lost: 0, backlog: 0, backlogLimit: 8192 });
    expect(s && 'backlogWaitTimeActual' in s).toBe(false);
  });
  it('is null without a lost line (not auditctl -s output)', () => {
    expect(parseAuditctlStatus('auditctl: command not found\n')).toBeNull();
  });
});

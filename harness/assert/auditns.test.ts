import { describe, expect, it } from 'vitest';
import { parseAuditLog } from '../parse/audit.js';
import { auditNsRecords, configChanges, userRecordsWith } from './auditns.js';

const LOG = [
  "type=CONFIG_CHANGE msg=audit(1795340798.148:37): pid=1300 uid=0 auid=4294967295 ses=4294967295 op=create_audit_ns old_audit_ns=1 audit_ns=3 res=1",
  "type=CONFIG_CHANGE msg=audit(1795340798.159:38): pid=1360 uid=0 auid=4294967295 ses=4294967295 op=set audit_ns=3 audit_backlog_limit=64 old=0 res=1",
  'type=CONFIG_CHANGE msg=audit(1795340771.952:4): op=set audit_backlog_limit=8192 old=8192 auid=4294967295 ses=4294967295 res=1',
  "type=USER msg=audit(1795340798.170:39): pid=1500 uid=0 auid=4294967295 ses=4294967295 msg='kph-auditns loop 0'",
  "type=USER_LOGIN msg=audit(1795340798.171:40): pid=1500 uid=0 auid=4294967295 ses=4294967295 msg='op=login kph-auditns'",
  'type=SYSCALL msg=audit(1795340798.172:41): arch=c000003e syscall=170 success=yes exit=0 comm="kph-auditns" key="kph-auditns"',
].join('\n');

describe('auditns helpers', () => {
  const records = parseAuditLog(LOG);
  it('configChanges matches op= and the given fields', () => {
    expect(configChanges(records, 'create_audit_ns').map((r) => r.serial)).toEqual([37]);
    expect(configChanges(records, 'set').map((r) => r.serial)).toEqual([38, 4]);
    expect(configChanges(records, 'set', { audit_backlog_limit: '64' }).map((r) => r.serial)).toEqual([38]);
  });
  it('auditNsRecords: only records naming an audit namespace', () => {
    expect(auditNsRecords(records).map((r) => r.serial)).toEqual([37, 38]);
  });
  it('userRecordsWith: AUDIT_USER and the user ranges, not kernel records', () => {
    expect(userRecordsWith(records, 'kph-auditns').map((r) => r.type)).toEqual(['USER', 'USER_LOGIN']);
  });
});

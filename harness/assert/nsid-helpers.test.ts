import { describe, expect, it } from 'vitest';
import { parseAuditLog } from '../parse/audit.js';
import { checkNoNsid, nsidValue, nsids, seriesRecords } from './helpers.js';

const LOG = [
  "type=UNKNOWN[1357] msg=audit(1795341200.008:102): op=clone pid=10 auditnsid=00000025 nsflags=40020000 new_pid=11 new_auditnsid=00000026 cgroup_inum=1 ipc_inum=2 mnt_inum=3 net_inum=4 pid_inum=5 pid_for_children_inum=6 time_inum=7 time_for_children_inum=8 user_inum=9 uts_inum=10 res=1",
  "type=UNKNOWN[1357] msg=audit(1795341200.012:103): op=unshare pid=12 auditnsid=00000026 nsflags=4000000 new_auditnsid=00000027 cgroup_inum=1 ipc_inum=2 mnt_inum=3 net_inum=4 pid_inum=5 pid_for_children_inum=6 time_inum=7 time_for_children_inum=8 user_inum=9 uts_inum=11 res=1",
  'type=UNKNOWN[1346] msg=audit(1795341200.016:104): pid=12 uid=0 old_netns=7 netns=9 res=1',
].join('\n');

describe('NSID helpers', () => {
  it('decode NSID records, named or not', () => {
    for (const names of [{}, { '1357': 'NSID' }] as Record<string, string>[]) {
      const n = nsids(parseAuditLog(LOG, names));
      expect(n.map((x) => [x.op, x.pid, x.nsflags, x.newPid, x.auditnsid, x.newAuditnsid, x.inums.uts])).toEqual([
        ['clone', 10, 0x40020000, 11, '00000025', '00000026', 10],
        ['unshare', 12, 0x04000000, null, '00000026', '00000027', 11],
      ]);
    }
    expect(nsids(parseAuditLog(LOG, {}), 12)).toHaveLength(1);
  });
  it('checkNoNsid fails on a log with NSID records, passes without', () => {
    const all = parseAuditLog(LOG, {});
    expect(checkNoNsid(all).ok).toBe(false);
    expect(checkNoNsid(all.filter((r) => r.typeNumber !== 1357)).ok).toBe(true);
  });
  it('seriesRecords counts other series records but not NSID', () => {
    expect(seriesRecords(parseAuditLog(LOG, {})).map((r) => r.typeNumber)).toEqual([1346]);
  });
  it('nsidValue compares ids as numbers, -1 for what is not an id', () => {
    expect(nsidValue('0000002a')).toBe(42n);
    expect(nsidValue('none')).toBe(-1n);
    expect(nsidValue('100000000') > nsidValue('ffffffff')).toBe(true);
  });
});

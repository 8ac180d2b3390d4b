import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { parseAuditLog } from '../parse/audit.js';
import { parseListenerOutput } from '../parse/cn.js';
import { compareSignatures } from './compare.js';
import { digestSignatures } from './digest.js';
import { renderChangelog } from './render.js';
import { scenarioSignature, type FormatSignature } from './signature.js';

const baseline = (s: string) => JSON.parse(readFileSync(join(repoRoot, 'results', 'baselines', `${s}.json`), 'utf8')) as FormatSignature;
const changelog = (a: FormatSignature, b: FormatSignature) => renderChangelog(digestSignatures(a, b, compareSignatures(a, b)));

describe('kph diff --format changelog (committed baselines)', () => {
  const text = changelog(baseline('ns-serial@v1'), baseline('ns-serial@v5'));
  const lines = text.split('\n');

  it('is a titled plain-text block for the cover letter of the next revision', () => {
    expect(lines[0]).toBe('Changes to the audit record and connector event formats since v1');
    expect(lines[1]).toBe('='.repeat(lines[0]!.length));
    expect(text).toContain('In short: 1 record type removed, 17 added, SYSCALL lost 6 fields, connector unchanged, event sequences changed in 23 scenarios.');
    expect(text).not.toMatch(/[^\x00-\x7f]/);
  });
  it('names each type once under what happened to it', () => {
    expect(text).toMatch(/Removed record types:\n {2}- NS_INIT \(1340\): pid uid auid ses subj type old_snum snum res \(in all but auditns-auditd, auditns-create, auditns-limit, auditns-loginuid, cn-selftest, feature-query \(22 of 28\)\)\n/);
    expect(text.match(/NS_INFO \(1340\)/g)).toHaveLength(1);
    expect(text).toContain('  - NS_INFO (1340): netns utsns ipcns pidns userns mntns cgroupns timens pid\n');
    expect(text).toContain('Changed record types:\n  - SYSCALL (1300): fields removed: netns utsns ipcns pidns userns mntns\n');
    expect(text).toContain('Connector events: unchanged.');
    expect(text).toContain('  - NS_INIT x6,SYSCALL,PROCTITLE\n    -> AUDIT_NS_INIT_USER,');
  });
  it('connector changes say where an event was no longer seen', () => {
    const t = changelog(baseline('baseline'), baseline('proc-connector-ns@rfc-v1'));
    expect(t.split('\n')[0]).toBe('Changes to the audit record and connector event formats since the unpatched kernel');
    expect(t).toContain('  - ABI CHANGE: connector exec, exit, fork payload length 40 -> 48 bytes (every proc-connector listener sees this)\n');
    expect(t).toContain('  - connector event fork (what=0x1) no longer seen (in filtered-listen)\n');
    expect(t).toContain('Audit records: unchanged.');
  });
  it('no change says so', () => {
    expect(changelog(baseline('ns-serial@v5'), baseline('ns-serial@v5'))).toContain('None: every audit record and connector event has the same format.');
  });
  it('carries the before and after lines when the signatures have them (real captures)', () => {
    const names = (rev: string) => (JSON.parse(readFileSync(join(repoRoot, 'kernel-patches', 'ns-serial', rev, 'series.json'), 'utf8')) as { records: Record<string, string> }).records;
    const sig = (rev: string): FormatSignature => ({ version: 1, series: `ns-serial@${rev}`, scenarios: { 'ns-delete': scenarioSignature(parseAuditLog(readFileSync(join(repoRoot, 'scenarios', 'ns-delete', 'fixtures', `ns-serial@${rev}`, 'audit-full.log'), 'utf8'), names(rev)), []) } });
    const t = changelog(sig('v1'), sig('v5'));
    expect(t).toMatch(/ {2}- NS_INIT \(1340\): .*\n {6}was: type=UNKNOWN\[1340\] msg=audit\(TIME:SERIAL\): pid=PID .*old_snum=/);
    expect(t).toMatch(/ {2}- NS_INFO \(1340\): .*\n {6}e\.g\. type=UNKNOWN\[1340\] msg=audit\(TIME:SERIAL\): netns=/);
    expect(t).toMatch(/ {2}- SYSCALL \(1300\): fields removed: .*\n {6}before: type=SYSCALL .* mntns=\d+ key=.*\n {6}after: {2}type=SYSCALL /);
  });
});

describe('connector examples (real captures of proc-connector-ns rfc-v1 and rfc-v2)', () => {
  const sig = (rev: string): FormatSignature => ({
    version: 1,
    series: `proc-connector-ns@${rev}`,
    scenarios: Object.fromEntries(
      ['pid-time-ns', 'unshare-multi'].map((sc) => {
        const dir = join(repoRoot, 'scenarios', sc, 'fixtures', rev);
        return [sc, scenarioSignature(parseAuditLog(readFileSync(join(dir, 'audit-full.log'), 'utf8')), parseListenerOutput(readFileSync(join(dir, 'events.jsonl'), 'utf8')).events)];
      }),
    ),
  });
  const t = changelog(sig('rfc-v1'), sig('rfc-v2'));

  it('shows the event before and after the ABI change, and a new kind with its fields, pids and inodes normalised', () => {
    expect(t).toContain('  - ABI CHANGE: connector exec, exit, fork payload length 48 -> 40 bytes (every proc-connector listener sees this)\n      before: what=0x2 len=48 pid=PID tgid=PID\n      after:  what=0x2 len=40 pid=PID tgid=PID\n');
    expect(t).toMatch(/ {6}e\.g\. what=0x400 len=\d+ layout=v2 pid=PID tgid=PID reason=\w+ reason_code=\d+ count=\d+ items=\[\{"type":"\w+","type_flag":\d+,"flags":0,"old_inum":"INODE","inum":"INODE"\}/);
    expect(t).toMatch(/ns:v1 \(what=0x400\) no longer seen\n {6}was: what=0x400 len=48 layout=v1 pid=PID tgid=PID type=\w+ type_flag=\d+ reason=set reason_code=2 old_inum=INODE inum=INODE\n/);
  });
});

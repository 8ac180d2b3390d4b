// Namespaces that never die (judge/ns-deaths.ts) on real records: the first event of
// unshare-multi on ns-serial@v5 (a bundled run under QEMU: unshare -m -u -i -n made four
// namespaces, whose four DEL records followed 0.36-0.39 s later), and the guest's step run by a
// real bash against a log file.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { parseAuditLog } from '../parse/audit.js';
import { applyLeaks } from './leaks.js';
import { applyNsDeaths, judgeNsDeaths, nsDeathScript, nsFamilies, parseNsDeathReport, pendingNamespaces } from './ns-deaths.js';

const recordsOf = (series: string) => (JSON.parse(readFileSync(join(repoRoot, 'kernel-patches', series, 'series.json'), 'utf8')) as { records: Record<string, string> }).records;
const names = recordsOf('ns-serial/v5');
const families = nsFamilies(names);
const lines = readFileSync(join(repoRoot, 'harness', 'test', 'fixtures', 'ns-deaths', 'unshare-multi-first.log'), 'utf8').trim().split('\n');
const INITS = lines.slice(0, 5); // four INIT records and the NS_INFO of the unshare event
const DELS = lines.slice(5); // mnt fd7, uts fd8, ipc fd9, net fda

/** The guest's step, in bash, against a log file instead of auditd's. */
async function runStep(log: string[], waitMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'kph-nsdeaths-'));
  const file = join(dir, 'audit.log');
  writeFileSync(file, log.join('\n') + '\n');
  const pending = pendingNamespaces(parseAuditLog(INITS.join('\n'), names), families);
  const t = Date.now();
  const r = await execa('bash', ['-c', nsDeathScript(pending, waitMs, file)], { reject: false });
  return { r, ms: Date.now() - t, pending };
}

describe('the series whose records say when a namespace dies', () => {
  it('are those naming NS_INIT_<T> and NS_DEL_<T> (ns-serial@v5: eight types); not v1, nor audit-nsid', () => {
    expect(families.map((f) => `${f.type} ${f.init} ${f.del}`)).toEqual(['MNT 1341 1349', 'UTS 1342 1350', 'IPC 1343 1351', 'USER 1344 1352', 'PID 1345 1353', 'NET 1346 1354', 'CGROUP 1347 1355', 'TIME 1348 1356']);
    expect(nsFamilies(recordsOf('ns-serial/v1'))).toEqual([]);
    expect(nsFamilies(recordsOf('audit-nsid/strawman'))).toEqual([]);
    expect(nsFamilies(undefined)).toEqual([]);
  });
});

describe('the namespaces a window made and did not see freed', () => {
  it('none when every INIT has its DEL in the window (unshare-multi as captured)', () => {
    expect(pendingNamespaces(parseAuditLog(lines.join('\n'), names), families)).toEqual([]);
  });

  it('each INIT without its DEL, by type and serial, with the record that made it', () => {
    const p = pendingNamespaces(parseAuditLog([...INITS, DELS[1]!].join('\n'), names), families);
    expect(p.map((x) => `${x.family.type} ${x.serial} ${x.init.type}`)).toEqual(['MNT fd7 AUDIT_NS_INIT_MNT', 'IPC fd9 AUDIT_NS_INIT_IPC', 'NET fda AUDIT_NS_INIT_NET']);
  });
});

describe('the guest\'s wait (bash) and the judgement', () => {
  it('returns at once when the DEL records are there, and nothing leaked', async () => {
    const { r, ms, pending } = await runStep([...INITS, ...DELS], 5000);
    expect(r.exitCode).toBe(0);
    expect(ms).toBeLessThan(3000);
    const report = parseNsDeathReport(r.stdout, names);
    expect(report.boundMs).toBe(5000);
    expect(report.dels.map((x) => x.type)).toEqual(['AUDIT_NS_DEL_MNT', 'AUDIT_NS_DEL_UTS', 'AUDIT_NS_DEL_IPC', 'AUDIT_NS_DEL_NET']);
    expect(judgeNsDeaths(pending, report)).toEqual({ failures: [], notes: [] });
  });

  it('waits its bound for a DEL that never comes; the namespace no task holds is E_NS_LEAK naming type, serial and maker', async () => {
    const { r, ms, pending } = await runStep([...INITS, ...DELS.slice(0, 3)], 600);
    expect(r.exitCode).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(600);
    const report = parseNsDeathReport(r.stdout, names);
    expect(report.waitedMs).toBeGreaterThanOrEqual(600);
    expect(report.holders).toEqual([]); // this host has no ns-serial _snum files
    const o = judgeNsDeaths(pending, report);
    expect(o.failures).toHaveLength(1);
    expect(o.failures[0]!.code).toBe('E_NS_LEAK');
    expect(o.failures[0]!.message).toBe('namespace leak: net namespace fda (made by pid 4807: AUDIT_NS_INIT_NET) was not freed within 1 s after the scenario ended, and no task is in it: no AUDIT_NS_DEL_NET (1354) for netns=fda');
    expect(o.failures[0]!.excerpt![0]).toBe(INITS[3]);
    expect(o.signature).toBe('namespace leak: net');
  });

  it('a namespace a task is still in is a note, not a leak', () => {
    const pending = pendingNamespaces(parseAuditLog(INITS.join('\n'), names), families);
    const report = parseNsDeathReport(['bound-ms 10000', 'waited-ms 10012', ...DELS.slice(0, 3), 'holder NET fda 212 sleep'].join('\n'), names);
    const o = judgeNsDeaths(pending, report);
    expect(o.failures).toEqual([]);
    expect(o.notes).toEqual(['namespace leak: net namespace fda (made by pid 4807: AUDIT_NS_INIT_NET) is still in use after the scenario, by pid 212 (sleep): not a leak (the scenario left it running)']);
  });
});

describe('the row', () => {
  const leak = judgeNsDeaths(pendingNamespaces(parseAuditLog(INITS.join('\n'), names), families), parseNsDeathReport(['bound-ms 10000', 'waited-ms 10004', ...DELS.slice(0, 3)].join('\n'), names));

  it('a pass becomes leak (never a pass) with the failure first; a crash stays a crash, the leak in a note', () => {
    expect(applyNsDeaths('pass', [], [], leak)).toMatchObject({ verdict: 'leak', signature: 'namespace leak: net', failures: [{ code: 'E_NS_LEAK' }] });
    const crash = applyNsDeaths('crash', [{ code: 'E_SPLAT', message: 'WARNING' }], [], leak);
    expect(crash.verdict).toBe('crash');
    expect(crash.failures.map((f) => f.code)).toEqual(['E_SPLAT']);
    expect(crash.notes[0]).toMatch(/^also: namespace leak: net namespace fda/);
    expect(applyNsDeaths('pass', [], ['n'], { failures: [], notes: [] })).toEqual({ verdict: 'pass', failures: [], notes: ['n'] });
  });

  it('stays leak when kmemleak\'s reconciliation finds its own suspected leaks known', () => {
    const row = applyNsDeaths('pass', [], [], leak);
    const o = applyLeaks({ verdict: row.verdict, failures: row.failures, notes: row.notes, signature: row.signature, leaks: [], isBaseline: false, baseline: { label: 'baseline+kmemleak', signatures: new Set() } });
    expect(o.verdict).toBe('leak');
    expect(o.failures.map((f) => f.code)).toEqual(['E_NS_LEAK']);
    expect(o.signature).toBe('namespace leak: net');
  });
});

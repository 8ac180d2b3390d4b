import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { parseAuditLog } from '../parse/audit.js';
import { compareSignatures } from './compare.js';
import { digestSignatures } from './digest.js';
import { loadSignature } from './load.js';
import { renderDigestText } from './render.js';
import { normaliseLine, scenarioSignature, type FormatSignature } from './signature.js';

// Real captures: the guest's audit log of ns-delete under ns-serial v1 and v5 (scenario fixtures).
const names = (rev: string) => (JSON.parse(readFileSync(join(repoRoot, 'kernel-patches', 'ns-serial', rev, 'series.json'), 'utf8')) as { records: Record<string, string> }).records;
const log = (rev: string) => readFileSync(join(repoRoot, 'scenarios', 'ns-delete', 'fixtures', `ns-serial@${rev}`, 'audit-full.log'), 'utf8');
const sig = (rev: string): FormatSignature => ({ version: 1, series: `ns-serial@${rev}`, scenarios: { 'ns-delete': scenarioSignature(parseAuditLog(log(rev), names(rev)), []) } });

describe('normaliseLine', () => {
  it('replaces time, serial, pids and inode numbers and keeps the format', () => {
    const line = 'type=SYSCALL msg=audit(1795340743.132:2): arch=c000003e syscall=44 success=yes exit=60 ppid=51 pid=52 auid=4294967295 uid=0 ses=4294967295 comm="auditd" netns=7 key=(null)';
    expect(normaliseLine(line)).toBe('type=SYSCALL msg=audit(TIME:SERIAL): arch=c000003e syscall=44 success=yes exit=60 ppid=PPID pid=PID auid=4294967295 uid=0 ses=4294967295 comm="auditd" netns=7 key=(null)');
    expect(normaliseLine('type=UNKNOWN[1340] msg=audit(1.2:3): inum=4026531840 pid="x pid=5"')).toBe('type=UNKNOWN[1340] msg=audit(TIME:SERIAL): inum=INODE pid="x pid=5"');
  });
});

describe('example lines (ns-delete, ns-serial v1 → v5, real captures)', () => {
  const a = sig('v1');
  const b = sig('v5');
  const d = digestSignatures(a, b, compareSignatures(a, b));

  it('every record type in the signature carries one normalised line', () => {
    for (const t of b.scenarios['ns-delete']!.records) expect(t.example, t.type).toMatch(/^type=\S+ msg=audit\(TIME:SERIAL\): /);
    expect(b.scenarios['ns-delete']!.records.find((t) => t.type === 'NS_INFO')!.example).toMatch(/^type=UNKNOWN\[1340\] msg=audit\(TIME:SERIAL\): netns=\d+ utsns=/);
  });
  it('the changed SYSCALL shows before and after; a new type after only; a removed one before only', () => {
    const sys = d.examples.find((e) => e.type === 'SYSCALL')!;
    expect(sys.change).toBe('changed');
    expect(sys.before).toMatch(/ netns=\d+ utsns=\d+ .* mntns=\d+ key=/);
    expect(sys.after).not.toMatch(/ netns=/);
    const info = d.examples.find((e) => e.type === 'NS_INFO')!;
    expect(info).toMatchObject({ change: 'added' });
    expect(info.before).toBeUndefined();
    expect(info.after).toContain('UNKNOWN[1340]');
    const init = d.examples.find((e) => e.type === 'NS_INIT')!;
    expect(init.change).toBe('removed');
    expect(init.before).toMatch(/old_snum=\S+ snum=/);
    expect(d.examples.every((e) => e.before || e.after)).toBe(true);
  });
  it('the text digest prints them', () => {
    const text = renderDigestText(d);
    expect(text).toContain('Example lines');
    expect(text).toMatch(/ {2}SYSCALL \(changed\):\n {4}before: type=SYSCALL .*netns=.*\n {4}after: {2}type=SYSCALL /);
  });
  it('old baselines (no examples) still load and say how to gain them', () => {
    // Baselines written before example lines existed: the committed ones without `example`.
    const dir = mkdtempSync(join(tmpdir(), 'kph-old-baselines-'));
    const strip = (s: string) => {
      const f = join(dir, `${s}.json`);
      writeFileSync(f, readFileSync(join(repoRoot, 'results', 'baselines', `${s}.json`), 'utf8').replace(/,\n\s*"example": "(?:[^"\\]|\\.)*"/g, ''));
      expect(readFileSync(f, 'utf8')).not.toContain('"example"');
      return f;
    };
    const old = loadSignature(strip('ns-serial@v1'));
    const nu = loadSignature(strip('ns-serial@v5'));
    const od = digestSignatures(old, nu, compareSignatures(old, nu));
    expect(od.examples.length).toBeGreaterThan(0);
    expect(renderDigestText(od)).toContain('`kph formats update RUN` writes them');
  });
});

describe('signatureFromRun', () => {
  it('takes example lines from audit.log next to records.jsonl', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kph-examples-'));
    const records = parseAuditLog(log('v5'), names('v5'));
    mkdirSync(join(dir, 'ns-serial@v5', 'ns-delete'), { recursive: true });
    writeFileSync(join(dir, 'ns-serial@v5', 'ns-delete', 'audit.log'), records.map((r) => r.line).join('\n') + '\n');
    writeFileSync(join(dir, 'ns-serial@v5', 'ns-delete', 'records.jsonl'), records.map(({ line: _l, ...r }) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ runs: [{ series: 'ns-serial', revision: 'v5', scenario: 'ns-delete', verdict: 'pass', dir: 'ns-serial@v5/ns-delete' }] }));
    const s = loadSignature(dir);
    expect(s.scenarios['ns-delete']!.records.find((t) => t.type === 'NS_INFO')!.example).toMatch(/^type=UNKNOWN\[1340\] msg=audit\(TIME:SERIAL\)/);
    // audit.log that does not match records.jsonl: no examples, same signature otherwise.
    writeFileSync(join(dir, 'ns-serial@v5', 'ns-delete', 'audit.log'), 'garbage\n');
    const t = loadSignature(dir);
    expect(t.scenarios['ns-delete']!.records.every((r) => r.example === undefined)).toBe(true);
    expect(compareSignatures(s, t)).toEqual([]);
  });
});

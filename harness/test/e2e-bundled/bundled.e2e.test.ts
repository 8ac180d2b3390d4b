// Every bundled series (and baseline) against Debian's 6.12, as `npm run main` runs them:
// each revision must keep every promise its scenarios check, the record formats must match
// the committed baselines (results/baselines/), and a field renamed in a copy of a bundled
// series must be caught, with the field named, by --check-formats and by kph diff. With
// --jobs 2, as `npm run main`: on a cold cache one series builds while another's guest runs.
// Project e2e-bundled (`npm run test:e2e-bundled`), not CI's e2e: on a cold cache it is four
// whole builds (the series that change sched.h, user_namespace.h and ns_common.h), about 45 min
// of a 2-core machine before any guest runs, which CI's 60-minute cold budget cannot hold.
import { execa } from 'execa';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../core/paths.js';
import type { Summary } from '../../core/types.js';

const bin = join(repoRoot, 'harness', 'cli', 'bin.mjs');
const outDirs: string[] = [];

async function kph(args: string[], timeoutMs = 60 * 60_000) {
  const r = await execa('node', [bin, ...args], { cwd: repoRoot, reject: false, timeout: timeoutMs, env: { CI: '1' }, all: true });
  return { code: r.exitCode ?? -1, stdout: r.stdout, all: r.all ?? '' };
}

function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kph-e2e-bundled-'));
  outDirs.push(d);
  return d;
}

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;

afterEach(async () => {
  const r = await execa('pgrep', ['-af', 'qemu-system-x86_64'], { reject: false });
  expect(r.stdout.split('\n').filter((l) => outDirs.some((d) => l.includes(`-name kph/${basename(d)}/`)))).toEqual([]);
});

let allRun = '';

describe('kph run --all --check-formats --compare', () => {
  it('passes every scenario on every bundled series and matches the committed formats', async () => {
    allRun = outDir();
    const r = await kph(['run', '--all', '--check-formats', '--compare', '--jobs', '2', '--out', allRun]);
    const s = summaryOf(allRun);
    const bad = s.runs.filter((x) => x.verdict !== 'pass' && x.verdict !== 'skip').map((x) => `${x.series}@${x.revision} ${x.scenario}: ${x.verdict}: ${x.failures[0]?.message}`);
    expect(bad, r.all.slice(-4000)).toEqual([]);
    expect(r.code).toBe(0);
    const series = new Set(s.runs.map((x) => (x.revision ? `${x.series}@${x.revision}` : x.series)));
    // every bundled series but those marked work in progress ("status": "wip": not in --all)
    for (const name of readdirSync(join(repoRoot, 'kernel-patches'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const rev of readdirSync(join(repoRoot, 'kernel-patches', name.name))) {
        const meta = JSON.parse(readFileSync(join(repoRoot, 'kernel-patches', name.name, rev, 'series.json'), 'utf8')) as { status?: string };
        if (meta.status === 'wip') expect(series).not.toContain(`${name.name}@${rev}`);
        else expect(series).toContain(`${name.name}@${rev}`);
      }
    }
    // every bundled series was checked against a committed baseline, and matched
    const formatRows = s.runs.filter((x) => x.scenario === 'format-baseline');
    expect(formatRows.map((x) => x.verdict)).toEqual(formatRows.map(() => 'pass'));
    expect(formatRows.length).toBe(series.size);
    expect(readFileSync(join(allRun, 'formats-diff.md'), 'utf8')).toContain('`proc-connector-ns@rfc-v1` → `proc-connector-ns@rfc-v2`');
  });
});

describe('a field renamed in a copy of a bundled series', () => {
  it('is caught by --check-formats and by kph diff, with the field named', async () => {
    expect(allRun, 'needs the --all run above').not.toBe('');
    // ns-serial@v5 with old_<t>ns= renamed to prev_<t>ns= in the INIT records of new namespaces
    const copy = join(mkdtempSync(join(tmpdir(), 'kph-e2e-rename-')), 'ns-serial@v5');
    cpSync(join(repoRoot, 'kernel-patches', 'ns-serial', 'v5'), copy, { recursive: true });
    const patch = readdirSync(copy).find((f) => f.startsWith('0004-'))!;
    const text = readFileSync(join(copy, patch), 'utf8');
    const renamed = text.replace('audit_log_format(ab, " old_%sns=%llx %sns=%llx res=1",', 'audit_log_format(ab, " prev_%sns=%llx %sns=%llx res=1",');
    expect(renamed).not.toBe(text);
    writeFileSync(join(copy, patch), renamed);

    const out = outDir();
    const r = await kph(['run', '-s', copy, '--scenario', 'unshare-net-serial', '--check-formats', '--out', out]);
    expect(r.code).toBe(1);
    const row = summaryOf(out).runs.find((x) => x.scenario === 'format-baseline')!;
    expect(row.verdict).toBe('fail');
    const why = row.failures.map((f) => f.message).join('\n');
    expect(why).toMatch(/AUDIT_NS_INIT_NET \(1346\): fields removed: old_netns/);
    expect(why).toMatch(/AUDIT_NS_INIT_NET \(1346\): fields added: prev_netns/);

    const d = await kph(['diff', allRun, out, '--from', 'ns-serial@v5', '--to', 'ns-serial@v5']);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/AUDIT_NS_INIT_NET \(1346\): fields removed: old_netns {2}\[unshare-net-serial\]/);
  });
});

describe('kph diff on the two ns-serial revisions', () => {
  it('names NS_INFO and the fields that moved out of SYSCALL', async () => {
    const d = await kph(['diff', allRun, '--from', 'ns-serial@v1', '--to', 'ns-serial@v5']);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/record NS_INFO \(1340\) added/);
    expect(d.stdout).toMatch(/SYSCALL \(1300\): fields removed: netns utsns ipcns pidns userns mntns/);
    expect(d.stdout).toMatch(/record NS_INIT \(1340\) removed \(fields: pid uid auid ses subj type old_snum snum res\)/);
  });
});

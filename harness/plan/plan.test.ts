import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniqueDirNames } from '../core/label.js';
import { resolveParams } from '../core/load-scenarios.js';
import { defineScenario } from '../core/scenario.js';
import { checkOutDir, distinctNames, planRun } from './plan.js';
import type { Series } from '../core/types.js';

const loop = defineScenario({ name: 'setns-loop', description: '', params: { N: 1000, RATE: 0.5, MODE: 'net' }, script: 'true', expect: () => [] });

describe('typed --param values', () => {
  it('converts to the default\'s type', () => {
    expect(resolveParams([loop], ['N=10', 'RATE=2.5', 'MODE=ipc']).get('setns-loop')).toEqual({ N: 10, RATE: 2.5, MODE: 'ipc' });
  });
  it('refuses a value of the wrong type before anything runs (usage error)', () => {
    expect(() => resolveParams([loop], ['N=abc'])).toThrow(/setns-loop\.N takes a whole number \(its default is 1000\), got "abc"/);
    expect(() => resolveParams([loop], ['N=1.5'])).toThrow(/whole number/);
    expect(() => resolveParams([loop], ['RATE=fast'])).toThrow(/takes a number/);
    expect(() => resolveParams([loop], ['NOPE=1'])).toThrow(/no selected scenario has a parameter "NOPE"/);
  });
});

describe('results folders', () => {
  it('two series with one basename get distinct folders', () => {
    expect(uniqueDirNames(['my-series', 'my-series', 'a,b c', 'a_b_c'])).toEqual(['my-series', 'my-series-2', 'a_b_c', 'a_b_c-2']);
  });
  it('--out that already holds a run is refused; a new or empty folder is fine', () => {
    const d = mkdtempSync(join(tmpdir(), 'kph-out-'));
    expect(() => checkOutDir(d)).not.toThrow();
    expect(() => checkOutDir(join(d, 'new'))).not.toThrow();
    writeFileSync(join(d, 'summary.json'), '{}');
    expect(() => checkOutDir(d)).toThrow(/already holds a run/);
  });
  it('a non-empty folder without a run is refused too', () => {
    const d = mkdtempSync(join(tmpdir(), 'kph-out-'));
    mkdirSync(join(d, 'x'));
    expect(() => checkOutDir(d)).toThrow(/not empty/);
  });
});

describe('planRun', () => {
  it('--base tree: on a missing path is a usage error (exit 2)', async () => {
    await expect(planRun({ base: 'tree:/no/such/linux', series: ['baseline'], scenarios: ['unshare-net'], params: [], accel: 'tcg', cache: '/tmp' }, 'id')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('/no/such/linux does not exist') });
  });
  it('a --param of the wrong type is a usage error before anything is built', async () => {
    await expect(planRun({ base: 'debian:6.12', series: ['baseline'], scenarios: ['setns-loop'], params: ['N=abc'], accel: 'tcg', cache: '/tmp', outDir: mkdtempSync(join(tmpdir(), 'kph-out-')) }, 'id')).rejects.toMatchObject({ exitCode: 2 });
  });
  it('--suite and --suite-only are checked before anything is built (exit 2)', async () => {
    const req = { base: 'debian:6.12', series: ['baseline'], scenarios: [] as string[], params: [], accel: 'tcg' as const, cache: '/tmp', env: {} };
    await expect(planRun({ ...req, suites: ['audit-testsuite=/no/such/suite'] }, 'id')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('no such file or directory') });
    await expect(planRun({ ...req, suiteOnly: true }, 'id')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--suite-only needs --suite') });
    const suite = mkdtempSync(join(tmpdir(), 'kph-suite-'));
    mkdirSync(join(suite, 'tests'));
    writeFileSync(join(suite, 'tests', 'runtests.pl'), '');
    for (const t of ['exec_execve', 'exec_name', 'file_create', 'file_delete', 'file_rename', 'filter_exit', 'filter_sessionid', 'syscalls_file', 'user_msg', 'field_compare', 'filter_saddr_fam', 'signal']) {
      mkdirSync(join(suite, 'tests', t));
      writeFileSync(join(suite, 'tests', t, 'test'), '');
    }
    await expect(planRun({ ...req, scenarios: ['unshare-net'], suiteOnly: true, suites: [`audit-testsuite=${suite}`] }, 'id')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('leave out --scenario') });
    const plan = await planRun({ ...req, suiteOnly: true, suites: [`audit-testsuite=${suite}`], outDir: mkdtempSync(join(tmpdir(), 'kph-out-')) }, 'id');
    expect(plan.scenarios).toEqual([]);
    expect(plan.suites).toMatchObject([{ name: 'audit-testsuite', path: suite }]);
  });
});

describe('distinctNames', () => {
  const path = (name: string, id: string): Series => ({ name, revision: null, id, contentHash: id, patches: [], meta: { title: '', origin: '', config: [], records: {}, provides: [] }, source: `/x/${id}/${name}` });
  it('renames the second of two path series with one basename; runs a repeated series once', () => {
    const out = distinctNames([path('v6', 'a'), path('v6', 'b'), path('v6', 'a'), path('other', 'c')]);
    expect(out.map((s) => s.name)).toEqual(['v6', 'v6-2', 'other']);
  });
});

// --suite NAME=PATH is checked before anything is built: a usage error (exit 2) names the input.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_TESTSUITE_FIRST_WAVE, isSuiteRow, parseSuiteSpecs, suiteOfRow, suiteRowName } from './suite.js';
import { suiteRunnerScript } from './audit-testsuite.js';

/** A stand-in tree with the suite's shape (runner and the first wave's test files). */
function fakeSuite(tests: readonly string[] = AUDIT_TESTSUITE_FIRST_WAVE): string {
  const dir = mkdtempSync(join(tmpdir(), 'kph-suite-'));
  mkdirSync(join(dir, 'tests'));
  writeFileSync(join(dir, 'tests', 'runtests.pl'), '#!/usr/bin/perl\n');
  for (const t of tests) {
    mkdirSync(join(dir, 'tests', t));
    writeFileSync(join(dir, 'tests', t, 'test'), '#!/usr/bin/perl\n');
  }
  return dir;
}

describe('parseSuiteSpecs', () => {
  it('takes NAME=PATH (relative to the working directory) and runs the first wave', () => {
    const dir = fakeSuite();
    const [s] = parseSuiteSpecs([`audit-testsuite=${dir}`], {});
    expect(s).toEqual({ name: 'audit-testsuite', path: dir, tests: [...AUDIT_TESTSUITE_FIRST_WAVE] });
    expect(parseSuiteSpecs([`audit-testsuite=${basename(dir)}`], {}, dirname(dir))[0]!.path).toBe(dir);
  });

  it('refuses an unknown name, a missing path, a tree that is not the suite, a name given twice (exit 2)', () => {
    const dir = fakeSuite();
    const refuse = (v: string[], msg: string) => expect(() => parseSuiteSpecs(v, {})).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining(msg) }));
    refuse(['ltp=/tmp'], 'unknown suite "ltp"');
    refuse(['audit-testsuite'], 'expected NAME=PATH');
    refuse(['audit-testsuite=/no/such/suite'], 'no such file or directory');
    refuse(['audit-testsuite=/tmp'], 'no tests/runtests.pl');
    refuse([`audit-testsuite=${dir}`, `audit-testsuite=${dir}`], 'given twice');
    refuse([`audit-testsuite=${fakeSuite(['exec_name'])}`], 'the suite has no tests/exec_execve/test');
  });

  it('KPH_SUITE_AUDIT_TESTSUITE when the command line does not name the suite; KPH_SUITE_AUDIT_TESTSUITE_TESTS for another list', () => {
    const dir = fakeSuite();
    expect(parseSuiteSpecs([], { KPH_SUITE_AUDIT_TESTSUITE: dir })).toEqual([{ name: 'audit-testsuite', path: dir, tests: [...AUDIT_TESTSUITE_FIRST_WAVE] }]);
    expect(() => parseSuiteSpecs([], { KPH_SUITE_AUDIT_TESTSUITE: '/no/such' })).toThrow(/KPH_SUITE_AUDIT_TESTSUITE audit-testsuite=\/no\/such: no such file/);
    expect(parseSuiteSpecs([], { KPH_SUITE_AUDIT_TESTSUITE: dir, KPH_SUITE_AUDIT_TESTSUITE_TESTS: 'user_msg, exec_name' })[0]!.tests).toEqual(['user_msg', 'exec_name']);
    expect(() => parseSuiteSpecs([], { KPH_SUITE_AUDIT_TESTSUITE: dir, KPH_SUITE_AUDIT_TESTSUITE_TESTS: 'bpf' })).toThrow(/no tests\/bpf\/test/);
    expect(parseSuiteSpecs([], {})).toEqual([]);
  });
});

describe('suite rows', () => {
  it('are named SUITE/TEST, which no scenario name can be', () => {
    expect(suiteRowName('audit-testsuite', 'exec_name')).toBe('audit-testsuite/exec_name');
    expect(suiteOfRow('audit-testsuite/exec_name')).toEqual({ suite: 'audit-testsuite', test: 'exec_name' });
    expect(isSuiteRow('unshare-net')).toBe(false);
    expect(suiteOfRow('unshare-net')).toBeNull();
  });
});

describe('suiteRunnerScript', () => {
  it('fixes the guest for this boot only and never gives ausearch the SSH channel as stdin', () => {
    const s = suiteRunnerScript(['exec_name', 'user_msg']);
    expect(s).toContain('ln -sf bash /bin/sh');
    expect(s).toContain('echo 0 >/proc/self/loginuid');
    expect(s).toContain('TESTS="exec_name user_msg"');
    expect(s).toMatch(/\.\/runtests\.pl <\/dev\/null 2>&1/);
    expect(() => suiteRunnerScript(['x; rm -rf /'])).toThrow(/not a folder name/);
  });
});

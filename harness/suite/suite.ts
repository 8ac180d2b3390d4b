// Peer test suites: regression suites the project did not write (the Linux audit project's
// audit-testsuite), taken by path like a kernel tree and never copied into this repository.
// `kph run --suite audit-testsuite=PATH` (repeatable; or KPH_SUITE_AUDIT_TESTSUITE=PATH) runs
// them after a series' scenarios, on a boot of their own, one summary row per suite test.
// `kph run --suite kselftests` (no path) runs the base tree's own kernel selftests about
// namespaces (harness/suite/kselftests.ts), built from each series' own tree and headers.
// This file: the registry of known suites and the checks a plan makes before anything is built.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { KSELFTESTS } from './kselftests-list.js';

/** A suite the run will run: its name, where the user's copy is, which of its tests. */
export interface SuiteSpec {
  name: SuiteName;
  /** Absolute path of the user's copy (read only: kph builds a copy in its cache); '' for kselftests (each series' own tree). */
  path: string;
  /** Test names (the suite's folders; the kselftests' binaries), in the order they run. */
  tests: string[];
}

export const SUITE_NAMES = ['audit-testsuite', 'kselftests'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/**
 * The audit-testsuite's first wave: tests that need no kernel option beyond
 * harness/config/base.config and nothing the guest image lacks. The others, and why they are
 * not run yet, are in the README's table (*Peer test suites*).
 */
export const AUDIT_TESTSUITE_FIRST_WAVE = [
  'exec_execve',
  'exec_name',
  'file_create',
  'file_delete',
  'file_rename',
  'filter_exit',
  'filter_sessionid',
  'syscalls_file',
  'user_msg',
  'field_compare',
  'filter_saddr_fam',
  'signal',
] as const;

/** The summary row of a suite test: `audit-testsuite/exec_name`. Scenario names never hold a `/`. */
export function suiteRowName(suite: string, test: string): string {
  return `${suite}/${test}`;
}

/** The row of the suite's run as a whole (its runner reached the end, no splat): `audit-testsuite/runtests`. */
export function suiteRunRowName(suite: string): string {
  return `${suite}/runtests`;
}

/** Rows of peer suites (their names hold a `/`; scenario names are [a-z0-9-]). */
export function isSuiteRow(scenario: string): boolean {
  return scenario.includes('/');
}

/** The suite a row belongs to and its test (`runtests` for the whole run), or null for a scenario row. */
export function suiteOfRow(scenario: string): { suite: string; test: string } | null {
  const i = scenario.indexOf('/');
  return i < 0 ? null : { suite: scenario.slice(0, i), test: scenario.slice(i + 1) };
}

/** Suites taken from a path; kselftests come from each series' own tree. */
const ENV_OF: Partial<Record<SuiteName, string>> = { 'audit-testsuite': 'KPH_SUITE_AUDIT_TESTSUITE' };
/** Another list of tests than the default (space or comma separated folder or binary names), to try one by hand. */
const TESTS_ENV_OF: Record<SuiteName, string> = { 'audit-testsuite': 'KPH_SUITE_AUDIT_TESTSUITE_TESTS', kselftests: 'KPH_SUITE_KSELFTESTS_TESTS' };

/**
 * `--suite NAME=PATH` values (and KPH_SUITE_<NAME> from the environment, when the command line
 * does not name that suite) → checked specs. A usage error (exit 2) for an unknown name, a
 * missing path, a path that is not that suite, or one suite given twice.
 */
export function parseSuiteSpecs(values: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SuiteSpec[] {
  const given = new Map<SuiteName, string>();
  let kselftests: SuiteSpec | null = null;
  for (const v of values) {
    if (v === 'kselftests' || v.startsWith('kselftests=')) {
      if (v !== 'kselftests') throw new UsageError(`--suite ${v}: kselftests takes no path (they are built from each series' own kernel tree): --suite kselftests.`);
      if (kselftests) throw new UsageError('--suite kselftests given twice.');
      kselftests = kselftestsSpec(env[TESTS_ENV_OF.kselftests]);
      continue;
    }
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--suite ${v}: expected NAME=PATH (NAME one of ${SUITE_NAMES.join(', ')}).`);
    const name = v.slice(0, eq);
    const path = v.slice(eq + 1);
    if (!(SUITE_NAMES as readonly string[]).includes(name)) throw new UsageError(`--suite ${v}: unknown suite "${name}".`, { hint: `Known suites: ${SUITE_NAMES.join(', ')}.` });
    if (given.has(name as SuiteName)) throw new UsageError(`--suite ${name} given twice.`);
    if (!path) throw new UsageError(`--suite ${v}: no path.`);
    given.set(name as SuiteName, resolve(cwd, path));
  }
  for (const name of SUITE_NAMES) {
    const envName = ENV_OF[name];
    const fromEnv = envName ? env[envName] : undefined;
    if (!given.has(name) && fromEnv) given.set(name, resolve(cwd, fromEnv));
  }
  const specs = [...given].map(([name, path]) => checkSuite(name, path, values.some((v) => v.startsWith(`${name}=`)) ? '--suite' : ENV_OF[name]!, env[TESTS_ENV_OF[name]]));
  return kselftests ? [...specs, kselftests] : specs;
}

function kselftestsSpec(testsFromEnv?: string): SuiteSpec {
  const known = KSELFTESTS.map((k) => k.name);
  const tests = testsFromEnv?.trim() ? [...new Set(testsFromEnv.split(/[\s,]+/).filter(Boolean))] : known;
  const bad = tests.filter((t) => !known.includes(t));
  if (bad.length) throw new UsageError(`${TESTS_ENV_OF.kselftests}: ${bad.join(', ')} is not one of kph's kselftests.`, { hint: `Known: ${known.join(', ')}.` });
  return { name: 'kselftests', path: '', tests };
}

function checkSuite(name: SuiteName, path: string, from: string, testsFromEnv?: string): SuiteSpec {
  if (!existsSync(path)) throw new UsageError(`${from} ${name}=${path}: no such file or directory.`, { hint: name === 'audit-testsuite' ? 'git clone https://github.com/linux-audit/audit-testsuite' : undefined });
  if (!statSync(path).isDirectory()) throw new UsageError(`${from} ${name}=${path}: not a directory.`);
  const tests = testsFromEnv?.trim() ? [...new Set(testsFromEnv.split(/[\s,]+/).filter(Boolean))] : [...AUDIT_TESTSUITE_FIRST_WAVE];
  const bad = tests.filter((t) => !/^[A-Za-z0-9_]+$/.test(t));
  if (bad.length) throw new UsageError(`${TESTS_ENV_OF[name]}: ${bad.join(', ')} is not a test folder name.`);
  const runner = resolve(path, 'tests/runtests.pl');
  if (!existsSync(runner)) throw new UsageError(`${from} ${name}=${path}: not the audit-testsuite (no tests/runtests.pl).`);
  const missing = tests.filter((t) => !existsSync(resolve(path, 'tests', t, 'test')));
  if (missing.length) throw new UsageError(`${from} ${name}=${path}: the suite has no ${missing.map((t) => `tests/${t}/test`).join(', ')}.`, { hint: 'kph runs its first wave of tests; an older or newer copy of the suite may name them differently.' });
  return { name, path, tests };
}

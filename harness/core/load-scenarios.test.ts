// Scenario names are checked before anything is loaded: they become host folders and
// /tmp/kph/<name> in the guest, on shell command lines.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { listScenarioNames, loadScenario, SCENARIO_NAME } from './load-scenarios.js';

describe('scenario names', () => {
  it('allows lower-case letters, digits and dashes', () => {
    for (const n of ['unshare-net', 'setns-loop', 'a', '9p-mount', 'x-1-y']) expect(SCENARIO_NAME.test(n), n).toBe(true);
  });
  it('refuses anything else with a usage error, before importing a file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kph-scen-'));
    for (const bad of ['Unshare', 'a b', 'a;rm -rf /', '../etc', 'a/b', '-x', 'x_y', 'é', '$(id)', '']) {
      mkdirSync(join(root, bad || 'empty'), { recursive: true });
      const err = await loadScenario(bad, root).catch((e: unknown) => e);
      expect(err, JSON.stringify(bad)).toBeInstanceOf(UsageError);
      expect((err as Error).message, bad).toContain(`Scenario name "${bad}" is not allowed`);
    }
  });
  it('a folder with a bad name among the scenarios is refused when loaded', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kph-scen-'));
    mkdirSync(join(root, 'Bad Name'));
    writeFileSync(join(root, 'Bad Name', 'scenario.ts'), 'export default {};\n');
    expect(listScenarioNames(root)).toEqual(['Bad Name']);
    await expect(loadScenario('Bad Name', root)).rejects.toThrow(/only lower-case letters, digits and "-"/);
  });
  it('every bundled and fixture scenario has an allowed name', async () => {
    const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'scenarios');
    for (const n of [...listScenarioNames(), ...listScenarioNames(fixtures)]) expect(SCENARIO_NAME.test(n), n).toBe(true);
  });
});

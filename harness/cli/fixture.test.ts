// `kph fixture RUN SCENARIO`: a run's captured guest folder becomes the scenario's test fixture.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

function run(): string {
  const d = mkdtempSync(join(tmpdir(), 'kph-fixture-run-'));
  const row = (series: string, revision: string | null, dir: string) => ({ series, revision, scenario: 'x', verdict: 'pass', failures: [], durationsMs: { build: 0, boot: 0, scenario: 1 }, dir });
  const summary = { schemaVersion: 2, kph: { version: 't' }, base: { spec: 'debian:6.12', version: '6.12.117' }, accel: 'tcg', startedAt: 't', complete: true, series: [], runs: [row('baseline', null, 'baseline/x'), row('ns-serial', 'v5', 'ns-serial@v5/x')] };
  writeFileSync(join(d, 'summary.json'), JSON.stringify(summary));
  for (const s of ['baseline', 'ns-serial@v5']) {
    mkdirSync(join(d, s, 'x', 'guest'), { recursive: true });
    writeFileSync(join(d, s, 'x', 'guest', 'stdout.txt'), `KPH series=${s}\n`);
    writeFileSync(join(d, s, 'x', 'guest', 'script.sh'), 'true\n'); // an input, not a capture
  }
  return d;
}

describe('kph fixture', () => {
  it('copies the series\' guest folder to scenarios/NAME/fixtures/SERIES', async () => {
    const scenarios = mkdtempSync(join(tmpdir(), 'kph-fixture-scen-'));
    mkdirSync(join(scenarios, 'x'));
    writeFileSync(join(scenarios, 'x', 'scenario.ts'), '');
    const code = await main(['node', 'kph', 'fixture', run(), 'x', '-s', 'ns-serial@v5', '--scenarios-dir', scenarios]);
    expect(code).toBe(0);
    expect(readFileSync(join(scenarios, 'x', 'fixtures', 'ns-serial@v5', 'stdout.txt'), 'utf8')).toBe('KPH series=ns-serial@v5\n');
    expect(existsSync(join(scenarios, 'x', 'fixtures', 'baseline'))).toBe(false);
    expect(existsSync(join(scenarios, 'x', 'fixtures', 'ns-serial@v5', 'script.sh'))).toBe(false);
  });
  it('asks which series when the run holds several (usage error, exit 2)', async () => {
    const scenarios = mkdtempSync(join(tmpdir(), 'kph-fixture-scen-'));
    mkdirSync(join(scenarios, 'x'));
    writeFileSync(join(scenarios, 'x', 'scenario.ts'), '');
    expect(await main(['node', 'kph', 'fixture', run(), 'x', '--scenarios-dir', scenarios])).toBe(2);
  });
});

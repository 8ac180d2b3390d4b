// Committed format baselines: results/baselines/<series>.json, written by `kph formats update`
// and checked by `kph run --check-formats` (snapshot testing for record formats).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from '../core/paths.js';
import { compareSignatures, type FormatChange } from './compare.js';
import type { FormatSignature } from './signature.js';

export const baselinesDir = join(resultsDir, 'baselines');

export function baselineFile(series: string, dir = baselinesDir): string {
  return join(dir, `${series.replace(/[^\w@.-]/g, '_')}.json`);
}

export function writeBaseline(sig: FormatSignature, dir = baselinesDir): string {
  mkdirSync(dir, { recursive: true });
  const f = baselineFile(sig.series, dir);
  writeFileSync(f, JSON.stringify(sig, null, 2) + '\n');
  return f;
}

export interface BaselineCheck {
  status: 'match' | 'differ' | 'missing';
  file: string;
  changes: FormatChange[];
  /** Scenarios the run had but the baseline does not (update the baseline to cover them). */
  uncovered: string[];
}

/**
 * Compare a run's signature with the committed one, on the scenarios both have: the series' own,
 * or `against`'s (a debug kernel's run, `ns-serial@v5+lockdep`, is checked against
 * `ns-serial@v5`'s baseline).
 */
export function checkBaseline(sig: FormatSignature, dir = baselinesDir, against?: string): BaselineCheck {
  const file = baselineFile(against ?? sig.series, dir);
  if (!existsSync(file)) return { status: 'missing', file, changes: [], uncovered: Object.keys(sig.scenarios) };
  const committed = JSON.parse(readFileSync(file, 'utf8')) as FormatSignature;
  const common = Object.keys(sig.scenarios).filter((s) => committed.scenarios[s]);
  const pick = (x: FormatSignature): FormatSignature => ({ ...x, scenarios: Object.fromEntries(common.map((s) => [s, x.scenarios[s]!])) });
  const changes = compareSignatures(pick(committed), pick(sig));
  return { status: changes.length ? 'differ' : 'match', file, changes, uncovered: Object.keys(sig.scenarios).filter((s) => !committed.scenarios[s]) };
}

// Read format signatures from a results folder (summary.json + records.jsonl/events.jsonl per
// scenario) or from a committed baseline (results/baselines/<series>.json).
import { isSuiteRow } from '../suite/suite.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { AuditRecord, CnEvent, Summary } from '../core/types.js';
import { seriesLabel } from '../core/label.js';
import { scenarioSignature, type FormatSignature } from './signature.js';

function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
}

/** Series labels in a results folder, in run order. */
export function seriesInRun(dir: string): string[] {
  const summary = readSummary(dir);
  return [...new Set(summary.runs.map((r) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig })))];
}

function readSummary(dir: string): Summary {
  const f = join(dir, 'summary.json');
  if (!existsSync(f)) throw new UsageError(`${dir} is not a kph results folder (no summary.json).`);
  return JSON.parse(readFileSync(f, 'utf8')) as Summary;
}

/** The signature of one series in a run; only scenarios that captured something count. */
export function signatureFromRun(dir: string, series: string): FormatSignature {
  const summary = readSummary(dir);
  // Scenarios that captured something; the run's own format-baseline row and peer suites' rows captured no records.
  const runs = summary.runs.filter((r) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig }) === series && (r.verdict === 'pass' || r.verdict === 'fail' || r.verdict === 'leak') && r.scenario !== 'format-baseline' && !isSuiteRow(r.scenario));
  const sig: FormatSignature = { version: 1, series, scenarios: {} };
  for (const r of runs) {
    // records.jsonl holds the parsed records without the raw line; audit.log holds the lines,
    // one per record in the same order (the run writes both from one list): they give the
    // signature its example lines. A folder where the two disagree gets no examples.
    const parsed = readJsonl<Omit<AuditRecord, 'line'>>(join(dir, r.dir, 'records.jsonl'));
    const lines = readLines(join(dir, r.dir, 'audit.log'));
    const same = lines.length === parsed.length && parsed.every((x, i) => lines[i]!.includes(`(${x.timestamp}:${x.serial})`));
    const records = parsed.map((x, i) => ({ ...x, line: same ? lines[i]! : '' }));
    const events = readJsonl<CnEvent>(join(dir, r.dir, 'events.jsonl'));
    sig.scenarios[r.scenario] = scenarioSignature(records, events);
  }
  return sig;
}

/** A folder (with --series when it holds several) or a baseline JSON file. */
export function loadSignature(path: string, series?: string): FormatSignature {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist.`);
  if (statSync(path).isFile()) {
    const sig = JSON.parse(readFileSync(path, 'utf8')) as FormatSignature;
    if (sig.version !== 1 || !sig.scenarios) throw new UsageError(`${path} is not a format baseline.`);
    return sig;
  }
  const labels = seriesInRun(path);
  const pick = series ?? (labels.length === 1 ? labels[0] : undefined);
  if (!pick) throw new UsageError(`${path} holds several series (${labels.join(', ')}): say which with --from/--to.`);
  if (!labels.includes(pick)) throw new UsageError(`${path} has no series ${pick} (it has ${labels.join(', ')}).`);
  return signatureFromRun(path, pick);
}

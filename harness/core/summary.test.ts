import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSummarySchema, summarySchemaFile } from './summary-schema.js';
import { summarySchema } from './summary.js';

describe('summary.json schema', () => {
  it('the published results/summary.schema.json is the one the zod types give (npm run schema)', () => {
    expect(readFileSync(summarySchemaFile, 'utf8')).toBe(renderSummarySchema());
  });
  it('refuses a summary without a schemaVersion or with an unknown verdict', () => {
    const ok = { schemaVersion: 2, kph: { version: '0.1.0' }, base: { spec: 'debian:6.12', version: '6.12.117' }, accel: 'tcg', startedAt: 'x', complete: true, series: [], runs: [] };
    expect(summarySchema.safeParse(ok).success).toBe(true);
    expect(summarySchema.safeParse({ ...ok, schemaVersion: undefined }).success).toBe(false);
    const run = { series: 'baseline', revision: null, scenario: 'x', verdict: 'maybe', failures: [], durationsMs: { build: 0, boot: 0, scenario: 0 }, dir: 'x' };
    expect(summarySchema.safeParse({ ...ok, runs: [run] }).success).toBe(false);
    expect(summarySchema.safeParse({ ...ok, runs: [{ ...run, verdict: 'timeout', failures: [{ code: 'E_TIMEOUT', message: 'm' }] }] }).success).toBe(true);
  });
});

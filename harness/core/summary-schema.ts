// Writes results/summary.schema.json from the zod schema (npm run schema).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from './paths.js';
import { summaryJsonSchema } from './summary.js';

export const summarySchemaFile = join(resultsDir, 'summary.schema.json');
export const renderSummarySchema = (): string => JSON.stringify(summaryJsonSchema(), null, 2) + '\n';

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  writeFileSync(summarySchemaFile, renderSummarySchema());
  process.stdout.write(`${summarySchemaFile}\n`);
}

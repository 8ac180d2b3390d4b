// The cost of the NSID record in one run: calls/s of nsid-cost (and setns-loop, nsid-never-reused)
// on audit-nsid@strawman against baseline, and their ratio.
//   node harness/test/nsid-handmade/cost.mjs /tmp/nsid-run
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const run = process.argv[2];
if (!run) {
  console.error('usage: cost.mjs RUN_DIR');
  process.exit(2);
}
const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
const of = (series, scenario) => summary.runs.find((r) => r.series === series && r.scenario === scenario)?.metrics ?? {};
for (const scenario of ['nsid-cost', 'setns-loop', 'nsid-never-reused']) {
  const ours = of('audit-nsid', scenario);
  const base = of('baseline', scenario);
  for (const k of Object.keys(base).filter((k) => /PerSec$/.test(k))) {
    const ratio = ours[k] && base[k] ? (ours[k] / base[k]).toFixed(3) : '-';
    console.log(`${scenario} ${k}: audit-nsid ${ours[k] ?? '-'} baseline ${base[k]} ratio ${ratio}`);
  }
}

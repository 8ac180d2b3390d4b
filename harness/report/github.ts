// GitHub Actions: error annotations for the first failures and a summary for the job page,
// when GITHUB_ACTIONS is set. Pure rendering; the caller writes stdout and $GITHUB_STEP_SUMMARY.
import type { Summary } from '../core/types.js';
import { seriesLabel } from '../core/label.js';

/** `::error title=...::message` lines (workflow commands), at most `max`. */
export function githubAnnotations(summary: Summary, max = 10): string[] {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return summary.runs
    .filter((r) => r.verdict !== 'pass' && r.verdict !== 'skip')
    .slice(0, max)
    .map((r) => {
      const level = r.verdict === 'inconclusive' || r.verdict === 'infra-error' ? 'warning' : 'error';
      const title = `${seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig })} · ${r.scenario}: ${r.verdict}`;
      return `::${level} title=${escProp(title)}::${esc(r.failures.map((f) => f.message).join('\n') || r.verdict)}`;
    });
}

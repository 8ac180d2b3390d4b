// The coverage of a run's series in report.md, report.html and the terminal: per series and
// per patch, every line that never ran, and the patch's hunks holding them with each added line
// marked (✗ never ran, ✓ ran; unmarked: not instrumented). Pure.
import type { SeriesCoverage, SeriesEntry, Summary } from '../core/summary.js';
import { coverageHeadline, coveragePercent, formatPercent } from './report.js';

type Covered = SeriesEntry & { coverage: SeriesCoverage };
const covered = (s: Summary): Covered[] => s.series.filter((e): e is Covered => Boolean(e.coverage));

const MARK = (ran: boolean | undefined) => (ran === false ? '✗' : ran === true ? '✓' : ' ');

/** A hunk as the patch writes it, a mark column in front: the lines of a code block. */
export function hunkLines(h: NonNullable<SeriesCoverage['hunks']>[number]): string[] {
  return [`${h.patch}: ${h.file}`, `  ${h.header}`, ...h.lines.map((l) => `${MARK(l.ran)} ${l.kind}${l.text}`)];
}

function gateLine(s: Summary): string | null {
  const g = s.coverageGate;
  if (!g) return null;
  return g.passed
    ? `--min-coverage ${g.minPercent}: every series at or above it.`
    : `--min-coverage ${g.minPercent}: FAILED (exit 1) for ${g.below.map((b) => `${b.series} (${b.why ?? `${formatPercent(b.percent)} of ${b.addedLines} lines`})`).join(', ')}.`;
}

export function coverageMarkdown(s: Summary): string | null {
  const list = covered(s);
  if (!list.length) return null;
  const out = ['## Coverage', '', '`--coverage`: of the lines each series adds, those gcov instruments (the executable ones, in the objects its C files build; a header\'s where a profiled object includes it), and which of them ran during the scenarios. Information, not a verdict.', ''];
  const gate = gateLine(s);
  if (gate) out.push(`**${gate}**`, '');
  out.push('| series | added lines | ran | share | never ran | tracefile |', '|---|---|---|---|---|---|');
  for (const e of list) {
    const c = e.coverage;
    out.push(`| ${e.label} | ${c.error ? '—' : c.addedLines} | ${c.error ? '—' : c.executedLines} | ${c.error ? `not measured: ${c.error}` : formatPercent(coveragePercent(c))} | ${c.error ? '—' : c.unexecuted.length} | ${c.lcov ? `\`${c.lcov}\`` : '—'} |`);
  }
  for (const e of list) {
    const c = e.coverage;
    if (c.error) continue;
    out.push('', `### ${e.label}: ${coverageHeadline(c)}`, '');
    if (c.patches?.length) {
      out.push('| patch | added lines | ran |', '|---|---|---|');
      for (const p of c.patches) out.push(`| ${p.patch} | ${p.addedLines} | ${p.executedLines} |`);
      out.push('');
    }
    if (c.scenarios?.length) out.push(`Added lines each scenario ran (counters read after each; \`(boot)\`: before the first): ${c.scenarios.map((x) => `${x.scenario} ${x.executedLines}`).join(', ')}.`, '');
    if (c.unexecuted.length) {
      out.push('Never ran:', '');
      for (const u of c.unexecuted) out.push(`- \`${u.file}:${u.line}\` (${u.patch}): \`${u.text.trim()}\``);
      out.push('');
    }
    if (c.hunks?.length) {
      out.push('The hunks holding them, as the patches write them (✗ never ran, ✓ ran, unmarked: not instrumented):', '');
      for (const h of c.hunks) out.push('```', ...hunkLines(h), '```', '');
    }
    if (c.unmeasured?.length) {
      out.push('Not measured:', '');
      for (const u of c.unmeasured) out.push(`- \`${u.file}\`: ${u.lines} added line(s), ${u.why}`);
      out.push('');
    }
    const boots = c.boots ? [`counters of ${c.boots.collected} boot(s)${c.boots.lost ? `, ${c.boots.lost} lost` : ''}`] : [];
    const objects = c.objects?.length ? [`profiled: ${c.objects.map((o) => `\`${o}\``).join(', ')}`] : [];
    if (boots.length || objects.length) out.push(`${[...boots, ...objects].join('; ')}.`);
    for (const n of c.notes ?? []) out.push(`- ${n}`);
  }
  return out.join('\n').trimEnd();
}

const esc = (t: string) => t.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function coverageHtml(s: Summary): string {
  const list = covered(s);
  if (!list.length) return '';
  const gate = gateLine(s);
  const rows = list
    .map((e) => {
      const c = e.coverage;
      return `<tr><th>${esc(e.label)}</th><td>${c.error ? '—' : c.addedLines}</td><td>${c.error ? '—' : c.executedLines}</td><td>${esc(c.error ? `not measured: ${c.error}` : formatPercent(coveragePercent(c)))}</td><td>${c.error ? '—' : c.unexecuted.length}</td><td>${c.lcov ? `<a href="${esc(c.lcov)}">${esc(c.lcov)}</a>` : '—'}</td></tr>`;
    })
    .join('');
  const details = list
    .filter((e) => !e.coverage.error)
    .map((e) => {
      const c = e.coverage;
      const patches = c.patches?.length ? `<table><tr><th>patch</th><th>added lines</th><th>ran</th></tr>${c.patches.map((p) => `<tr><td>${esc(p.patch)}</td><td>${p.addedLines}</td><td>${p.executedLines}</td></tr>`).join('')}</table>` : '';
      const byScenario = c.scenarios?.length ? `<p>Added lines each scenario ran: ${c.scenarios.map((x) => `${esc(x.scenario)} ${x.executedLines}`).join(', ')}</p>` : '';
      const never = c.unexecuted.length ? `<p>Never ran:</p><ul class="never">${c.unexecuted.map((u) => `<li><code>${esc(`${u.file}:${u.line}`)}</code> (${esc(u.patch)}): <code>${esc(u.text.trim())}</code></li>`).join('')}</ul>` : '';
      const hunks = (c.hunks ?? [])
        .map((h) => {
          const body = h.lines.map((l) => `<span class="${l.ran === false ? 'cov-no' : l.ran === true ? 'cov-yes' : 'cov-na'}"${l.scenarios ? ` title="ran in ${esc(l.scenarios.join(', '))}"` : ''}>${MARK(l.ran)} ${esc(l.kind + l.text)}</span>`).join('\n');
          return `<p class="dir">${esc(h.patch)}: ${esc(h.file)}</p><pre class="hunk">${esc(h.header)}\n${body}</pre>`;
        })
        .join('');
      const unmeasured = c.unmeasured?.length ? `<p>Not measured:</p><ul>${c.unmeasured.map((u) => `<li><code>${esc(u.file)}</code>: ${u.lines} added line(s), ${esc(u.why)}</li>`).join('')}</ul>` : '';
      const notes = c.notes?.length ? `<ul>${c.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
      return `<h3>${esc(e.label)}: ${esc(coverageHeadline(c))}</h3>${patches}${byScenario}${never}${hunks ? `<p>The hunks holding them (✗ never ran, ✓ ran, unmarked: not instrumented):</p>${hunks}` : ''}${unmeasured}${notes}`;
    })
    .join('');
  return `<h2 id="coverage">Coverage</h2>
<style>.cov-no{background:#ffebe9;color:#82071e;font-weight:600}.cov-yes{color:#1a7f37}.cov-na{color:#57606a}</style>
<p>Of the lines each series adds, those gcov instruments, and which of them ran during the scenarios (<code>--coverage</code>). Information, not a verdict.</p>
${gate ? `<p class="headline">${esc(gate)}</p>` : ''}<table class="coverage"><tr><th>series</th><th>added lines</th><th>ran</th><th>share</th><th>never ran</th><th>tracefile</th></tr>${rows}</table>
${details}`;
}

/** The terminal's lines: a headline per series, the first lines that never ran, the gate. */
export function coverageTerminal(s: Summary, o: { maxLines?: number; bold?: (t: string) => string } = {}): string[] {
  const list = covered(s);
  if (!list.length) return [];
  const bold = o.bold ?? ((t: string) => t);
  const max = o.maxLines ?? 8;
  const out = ['', bold('Coverage (--coverage: the lines the series add that ran; not a verdict):')];
  for (const e of list) {
    const c = e.coverage;
    out.push(`  ${e.label}: ${coverageHeadline(c)}${c.lcov ? ` → ${c.lcov}` : ''}`);
    for (const u of c.unexecuted.slice(0, max)) out.push(`    ✗ ${u.file}:${u.line} ${u.text.trim()}  (${u.patch})`);
    if (c.unexecuted.length > max) out.push(`    ${c.unexecuted.length - max} more in report.md`);
  }
  const gate = gateLine(s);
  if (gate) out.push(`  ${gate}`);
  return out;
}

// A self-contained HTML report of a run: the verdict matrix (series × scenario), what went
// wrong with console excerpts and the records that did not match, record-format diffs side by
// side, and timings. Pure: summary (+ format diffs) in, one HTML string out.
import type { RunResult, Summary, Verdict } from '../core/types.js';
import type { FormatChange } from '../diff/compare.js';
import type { FormatSignature } from '../diff/signature.js';
import { seriesLabel } from '../core/label.js';

export interface FormatDiff {
  from: string;
  to: string;
  changes: FormatChange[];
  a?: FormatSignature;
  b?: FormatSignature;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const label = (r: RunResult) => seriesLabel({ name: r.series, revision: r.revision });
const anchor = (r: RunResult) => `r-${label(r)}-${r.scenario}`.replace(/[^\w-]/g, '_');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const COLOURS: Record<Verdict, string> = {
  pass: '#1a7f37', fail: '#cf222e', crash: '#8250df', timeout: '#8250df', 'boot-error': '#8250df', 'apply-error': '#bc4c00', 'config-error': '#bc4c00', 'build-error': '#bc4c00',
  'infra-error': '#57606a', inconclusive: '#9a6700', skip: '#8c959f',
};

function matrix(summary: Summary): string {
  const series = [...new Set(summary.runs.map(label))];
  const scenarios = [...new Set(summary.runs.map((r) => r.scenario))];
  const rows = series.map((s) => {
    const cells = scenarios.map((sc) => {
      const r = summary.runs.find((x) => label(x) === s && x.scenario === sc);
      if (!r) return '<td></td>';
      const link = r.verdict === 'pass' || r.verdict === 'skip' ? esc(r.verdict) : `<a href="#${anchor(r)}">${esc(r.verdict)}</a>`;
      return `<td class="v" style="background:${COLOURS[r.verdict]}" title="${esc(r.failures[0]?.message ?? r.verdict)}">${link}</td>`;
    });
    return `<tr><th>${esc(s)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="matrix"><thead><tr><th>series</th>${scenarios.map((s) => `<th>${esc(s)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function failures(summary: Summary): string {
  const bad = summary.runs.filter((r) => r.verdict !== 'pass' && r.verdict !== 'skip');
  if (!bad.length) return '<p>Every scenario passed.</p>';
  return bad
    .map((r) => {
      const items = r.failures
        .map((f) => `<li>${esc(f.message)}${f.excerpt?.length ? `<pre>${esc(f.excerpt.slice(0, 60).join('\n'))}</pre>` : ''}</li>`)
        .join('');
      return `<section id="${anchor(r)}"><h3>${esc(label(r))} · ${esc(r.scenario)}: <span style="color:${COLOURS[r.verdict]}">${esc(r.verdict)}</span></h3><p class="dir">${esc(r.dir)}</p><ul>${items}</ul></section>`;
    })
    .join('');
}

function sideBySide(d: FormatDiff): string {
  if (!d.a || !d.b) return '';
  const rows: string[] = [];
  const scenarios = [...new Set([...Object.keys(d.a.scenarios), ...Object.keys(d.b.scenarios)])];
  for (const sc of scenarios) {
    const ta = d.a.scenarios[sc]?.records ?? [];
    const tb = d.b.scenarios[sc]?.records ?? [];
    const types = [...new Set([...ta.map((t) => t.type), ...tb.map((t) => t.type)])].sort();
    for (const t of types) {
      const fa = ta.find((x) => x.type === t)?.shapes[0]?.fields.map((f) => f.name).join(' ') ?? '';
      const fb = tb.find((x) => x.type === t)?.shapes[0]?.fields.map((f) => f.name).join(' ') ?? '';
      rows.push(`<tr class="${fa === fb ? 'same' : 'changed'}"><td>${esc(sc)}</td><td>${esc(t)}</td><td>${esc(fa) || '<em>absent</em>'}</td><td>${esc(fb) || '<em>absent</em>'}</td></tr>`);
    }
    const ea = d.a.scenarios[sc]?.events ?? [];
    const eb = d.b.scenarios[sc]?.events ?? [];
    for (const k of [...new Set([...ea.map((e) => e.kind), ...eb.map((e) => e.kind)])].sort()) {
      const x = ea.find((e) => e.kind === k);
      const y = eb.find((e) => e.kind === k);
      const fa = x ? `${x.lengths.join('/')} B: ${x.fields.join(' ')}` : '';
      const fb = y ? `${y.lengths.join('/')} B: ${y.fields.join(' ')}` : '';
      rows.push(`<tr class="${fa === fb ? 'same' : 'changed'}"><td>${esc(sc)}</td><td>connector ${esc(k)}</td><td>${esc(fa) || '<em>absent</em>'}</td><td>${esc(fb) || '<em>absent</em>'}</td></tr>`);
    }
  }
  return `<table class="sbs"><thead><tr><th>scenario</th><th>record / event</th><th>${esc(d.from)}</th><th>${esc(d.to)}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function formatDiffs(diffs: FormatDiff[]): string {
  if (!diffs.length) return '';
  return `<h2>Record and event formats</h2>${diffs
    .map((d) => {
      const abi = d.changes.filter((c) => c.severity === 'abi');
      return `<section class="diff"><h3>${esc(d.from)} → ${esc(d.to)}</h3>${abi.length ? `<p class="abi">ABI change: ${esc([...new Set(abi.map((c) => c.message.replace(/^ABI CHANGE: /, '')))].join('; '))}</p>` : ''}${
        d.changes.length ? `<ul>${d.changes.map((c) => `<li><b>${esc(c.scenario)}</b>: <code>${esc(c.message)}</code></li>`).join('')}</ul>` : '<p>Formats are the same.</p>'
      }${sideBySide(d)}</section>`;
    })
    .join('')}`;
}

function timings(summary: Summary): string {
  const rows = summary.runs
    .filter((r) => r.verdict !== 'skip')
    .map((r) => `<tr><td>${esc(label(r))}</td><td>${esc(r.scenario)}</td><td>${secs(r.durationsMs.build)}</td><td>${secs(r.durationsMs.boot)}</td><td>${secs(r.durationsMs.scenario)}</td><td>${r.metrics ? esc(Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`).join(', ')) : ''}</td></tr>`);
  return `<h2>Timings and figures</h2><table><thead><tr><th>series</th><th>scenario</th><th>build</th><th>boot</th><th>scenario</th><th>figures</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderHtml(summary: Summary, diffs: FormatDiff[] = []): string {
  const counts = summary.runs.reduce<Record<string, number>>((m, r) => ((m[r.verdict] = (m[r.verdict] ?? 0) + 1), m), {});
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kph run ${esc(summary.startedAt)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328;max-width:1200px}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
.matrix td.v{color:#fff;font-weight:600;text-align:center}.matrix td.v a{color:#fff}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px;max-height:30em}
.abi{color:#cf222e;font-weight:700}.sbs tr.changed td{background:#fff8c5}.sbs tr.same td{color:#57606a}
.dir{color:#57606a;font-family:monospace}
</style></head><body>
<h1>kph run</h1>
<p id="meta">Base <code>${esc(summary.base.spec)}</code> (Linux ${esc(summary.base.version)}) · accelerator <b>${esc(summary.accel)}</b>${summary.accelReason ? ` (${esc(summary.accelReason)})` : ''} · started ${esc(summary.startedAt)}</p>
<p id="counts">${Object.entries(counts).map(([v, n]) => `<span style="color:${COLOURS[v as Verdict]}">${n} ${esc(v)}</span>`).join(' · ')}</p>
<h2>Verdicts</h2>
${matrix(summary)}
<h2>What went wrong</h2>
${failures(summary)}
${formatDiffs(diffs)}
${timings(summary)}
</body></html>
`;
}

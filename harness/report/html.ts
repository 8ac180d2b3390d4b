// A self-contained HTML report of a run: the verdict matrix (scenarios as rows, series as
// columns, sticky headers, a failures-only filter in CSS), what went wrong with console
// excerpts and links to the files to open, the format changes per pair (each once, with example
// lines before and after; the per-scenario detail folded), and timings. Pure: summary (+ format
// diffs) in, one HTML string out.
import type { RunResult, Summary, Verdict } from '../core/types.js';
import type { FormatChange } from '../diff/compare.js';
import { digestChanges, digestSignatures, scenarioList, type FormatDigest, type GroupedChange } from '../diff/digest.js';
import type { FormatSignature } from '../diff/signature.js';
import { seriesLabel } from '../core/label.js';
import { bugGroups, bugHeadline, bugWhere, evidenceDir, repeatsLine } from './bugs.js';
import { bootAgainLine, bootsAgain } from './boots.js';
import { coverageHtml } from '../coverage/render.js';

export interface FormatDiff {
  from: string;
  to: string;
  changes: FormatChange[];
  a?: FormatSignature;
  b?: FormatSignature;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const label = (r: RunResult) => seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig });
const anchor = (r: RunResult) => `r-${label(r)}-${r.scenario}`.replace(/[^\w-]/g, '_');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const COLOURS: Record<Verdict, string> = {
  pass: '#1a7f37', fail: '#cf222e', crash: '#8250df', timeout: '#8250df', 'boot-error': '#8250df', 'apply-error': '#bc4c00', 'config-error': '#bc4c00', 'build-error': '#bc4c00',
  'infra-error': '#57606a', inconclusive: '#9a6700', skip: '#8c959f', flaky: '#bf3989', leak: '#cf222e',
};

const isBad = (r: RunResult) => r.verdict !== 'pass' && r.verdict !== 'skip';

function matrix(summary: Summary): string {
  const series = [...new Set(summary.runs.map(label))];
  const scenarios = [...new Set(summary.runs.map((r) => r.scenario))];
  const rows = scenarios.map((sc) => {
    const runs = summary.runs.filter((x) => x.scenario === sc);
    const cells = series.map((s) => {
      const r = runs.find((x) => label(x) === s);
      if (!r) return '<td></td>';
      const link = isBad(r) ? `<a href="#${anchor(r)}">${esc(r.verdict)}</a>` : esc(r.verdict);
      return `<td class="v" style="background:${COLOURS[r.verdict]}" title="${esc(r.failures[0]?.message ?? r.verdict)}">${link}</td>`;
    });
    return `<tr class="${runs.some(isBad) ? 'bad' : 'allok'}"><th>${esc(sc)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="matrix"><thead><tr><th>scenario</th>${series.map((s) => `<th>${esc(s)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The files worth opening for a result, relative to the results folder (report.html sits there). */
export function evidenceFiles(r: RunResult): { name: string; path: string }[] {
  const seriesDir = r.dir.split('/').slice(0, -1).join('/');
  // A flaky row: the files of its first failing repeat.
  if (r.verdict === 'flaky') return ['console.log', 'checks.json', 'audit.log', 'records.jsonl', 'events.jsonl'].map((f) => ({ name: f, path: `${evidenceDir(r)}/${f}` }));
  const at = (dir: string, f: string) => ({ name: f, path: dir ? `${dir}/${f}` : f });
  if (r.verdict === 'apply-error') return [at(seriesDir, 'apply.log')];
  if (r.verdict === 'build-error' || r.verdict === 'config-error') return [at(seriesDir, 'build.log')];
  if (r.verdict === 'boot-error' || r.verdict === 'infra-error') return [at(seriesDir, 'console.log'), at(r.dir, 'verdict.json')];
  // kmemleak's report as the guest read it after the scenario (guest/kmemleak.txt), first.
  if (r.verdict === 'leak') return ['guest/kmemleak.txt', 'console.log', 'checks.json', 'audit.log'].map((f) => at(r.dir, f));
  return ['console.log', 'checks.json', 'audit.log', 'records.jsonl', 'events.jsonl'].map((f) => at(r.dir, f));
}

function failures(summary: Summary, exists: (path: string) => boolean): string {
  const bad = summary.runs.filter(isBad);
  if (!bad.length) return '<p>Every scenario passed.</p>';
  return bad
    .map((r) => {
      const items = r.failures
        .map((f) => `<li>${esc(f.message)}${f.excerpt?.length ? `<pre>${esc(f.excerpt.slice(0, 60).join('\n'))}</pre>` : ''}</li>`)
        .join('');
      const files = evidenceFiles(r).filter((f) => exists(f.path));
      const links = files.length ? `<p class="files">open: ${files.map((f) => `<a href="${esc(encodeURI(f.path))}">${esc(f.name)}</a>`).join(' · ')}</p>` : '';
      const sig = r.signature ? `<p class="sig">signature <code>${esc(r.signature)}</code></p>` : '';
      const reps = repeatsLine(r);
      return `<section id="${anchor(r)}"><h3>${esc(label(r))} · ${esc(r.scenario)}: <span style="color:${COLOURS[r.verdict]}">${esc(r.verdict)}</span></h3><p class="dir">${esc(r.dir)}</p>${sig}${reps ? `<p class="repeats">${esc(reps)}</p>` : ''}${links}<ul>${items}</ul></section>`;
    })
    .join('');
}

/** One entry per kernel bug (signature), with the rows that hit it, linked to their sections. */
function bugsHtml(summary: Summary): string {
  const groups = bugGroups(summary);
  if (!groups.length) return '';
  return `<h2>Kernel bugs</h2><p>Rows whose kernel reports have one signature (kind and top frames, nothing that changes between boots) are one bug.</p><table class="bugs"><thead><tr><th>signature</th><th>bug</th><th>where</th></tr></thead><tbody>${groups
    .map((g) => `<tr><td><code>${esc(g.signature)}</code></td><td style="color:${COLOURS[g.verdict]}">${esc(bugHeadline(g))}</td><td>${g.rows.map((r, i) => `<a href="#${anchor(r)}">${esc(bugWhere(g)[i]!)}</a>`).join(', ')}</td></tr>`)
    .join('')}</tbody></table>`;
}

/** Boots booted again after saying ready and never answering on SSH (run/policy.ts: bootAgain). */
function bootsAgainHtml(summary: Summary): string {
  const again = bootsAgain(summary);
  if (!again.length) return '';
  return `<h2>Boots booted again</h2><p>A guest that said it was ready and never answered on SSH is booted again once (nothing in it blames the kernel); twice is judged.</p><ul>${again
    .map((b) => `<li>${esc(bootAgainLine(b))}<ul>${[...b.evidence.map((l) => l.replace(/^kph: /, '')), b.message].map((l) => `<li>${esc(l)}</li>`).join('')}</ul></li>`)
    .join('')}</ul>`;
}

/** --repeat N: each repeated row's k of N and time, said plainly. */
function repeatsHtml(summary: Summary): string {
  const rows = summary.runs.filter((r) => r.repeats);
  if (!rows.length) return '';
  const n = rows[0]!.repeats!.count;
  const total = rows.reduce((t, r) => t + r.durationsMs.scenario + r.durationsMs.boot, 0);
  return `<h2>Repeats</h2><p><code>--repeat ${n}</code>: every scenario ran ${n} times on the same kernel (a fresh guest after any repeat that did not pass): ${n} times the work, ${secs(total)} of scenarios and boots in all.</p><table class="repeats"><thead><tr><th>series</th><th>scenario</th><th>verdict</th><th>repeats</th></tr></thead><tbody>${rows
    .map((r) => `<tr class="${isBad(r) ? 'bad' : 'allok'}"><td>${esc(label(r))}</td><td>${esc(r.scenario)}</td><td style="color:${COLOURS[r.verdict]}">${esc(r.verdict)}</td><td>${esc(repeatsLine(r)!)}</td></tr>`)
    .join('')}</tbody></table>`;
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

function groupItems(gs: GroupedChange[], all: string[]): string {
  return gs.map((g) => `<li${g.severity === 'abi' ? ' class="abi"' : ''}><code>${esc(g.message)}</code> <span class="where">${esc(scenarioList(g.scenarios, all))}</span></li>`).join('');
}

/** A record-type tuple that may break after each comma. */
const seqHtml = (t: string) => (t ? esc(t).replace(/,/g, ',<wbr>') : '—');

function digestHtml(d: FormatDigest): string {
  const parts = [`<p class="headline">${esc(d.headline)}</p>`];
  if (d.records.length) parts.push(`<h4>Audit records (${d.scenarios.length} scenarios compared)</h4><ul>${groupItems(d.records, d.scenarios)}</ul>`);
  parts.push(d.connector.length ? `<h4>Connector events</h4><ul>${groupItems(d.connector, d.scenarios)}</ul>` : '<h4>Connector events: unchanged</h4>');
  if (d.sequences.length) parts.push(`<h4>Audit event sequences</h4><table class="seq"><thead><tr><th>before</th><th>after</th><th>scenarios</th></tr></thead><tbody>${d.sequences.map((x) => `<tr><td><code>${seqHtml(x.before)}</code></td><td><code>${seqHtml(x.after)}</code></td><td class="where">${esc(scenarioList(x.scenarios, d.scenarios))}</td></tr>`).join('')}</tbody></table>`);
  if (d.other.length) parts.push(`<ul>${groupItems(d.other, d.scenarios)}</ul>`);
  const xs = d.examples.filter((e) => e.before || e.after);
  if (xs.length) parts.push(`<h4>Example lines</h4><table class="examples"><thead><tr><th>record</th><th>${esc(d.from)}</th><th>${esc(d.to)}</th></tr></thead><tbody>${xs.map((e) => `<tr><th>${esc(e.type)}<br><small>${esc(e.change)}</small></th><td>${e.before ? `<code>${esc(e.before)}</code>` : '<em>absent</em>'}</td><td>${e.after ? `<code>${esc(e.after)}</code>` : '<em>absent</em>'}</td></tr>`).join('')}</tbody></table>`);
  else if (d.examples.length) parts.push('<p class="dir">No example lines: these signatures predate them.</p>');
  return parts.join('');
}

function formatDiffs(diffs: FormatDiff[]): string {
  if (!diffs.length) return '';
  return `<h2>Record and event formats</h2><ul>${diffs.map((d) => `<li><b>${esc(d.from)} → ${esc(d.to)}</b>: ${esc((d.a && d.b ? digestSignatures(d.a, d.b, d.changes) : digestChanges(d.from, d.to, d.changes)).headline)}</li>`).join('')}</ul>${diffs
    .map((d) => {
      const abi = d.changes.filter((c) => c.severity === 'abi');
      const digest = d.a && d.b ? digestSignatures(d.a, d.b, d.changes) : digestChanges(d.from, d.to, d.changes);
      const detail = d.changes.length || d.a ? `<details><summary>Per scenario</summary>${d.changes.length ? `<ul>${d.changes.map((c) => `<li><b>${esc(c.scenario)}</b>: <code>${esc(c.message)}</code></li>`).join('')}</ul>` : ''}${sideBySide(d)}</details>` : '';
      return `<section class="diff"><h3>${esc(d.from)} → ${esc(d.to)}</h3>${abi.length ? `<p class="abi">ABI change: ${esc([...new Set(abi.map((c) => c.message.replace(/^ABI CHANGE: /, '')))].join('; '))}</p>` : ''}${
        d.changes.length ? digestHtml(digest) : '<p>Formats are the same.</p>'
      }${detail}</section>`;
    })
    .join('')}`;
}

function timings(summary: Summary): string {
  const rows = summary.runs
    .filter((r) => r.verdict !== 'skip')
    .map((r) => `<tr class="${isBad(r) ? 'bad' : 'allok'}"><td>${esc(label(r))}</td><td>${esc(r.scenario)}</td><td>${secs(r.durationsMs.build)}</td><td>${secs(r.durationsMs.boot)}</td><td>${secs(r.durationsMs.scenario)}</td><td>${r.metrics ? esc(Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`).join(', ')) : ''}</td></tr>`);
  return `<h2>Timings and figures</h2><table><thead><tr><th>series</th><th>scenario</th><th>build</th><th>boot</th><th>scenario</th><th>figures</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export interface HtmlOptions {
  /** Whether a file (relative to the results folder) exists: only those are linked. Default: all. */
  exists?: (path: string) => boolean;
}

export function renderHtml(summary: Summary, diffs: FormatDiff[] = [], o: HtmlOptions = {}): string {
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
.matrix thead th{position:sticky;top:0;background:#fff;z-index:2;white-space:nowrap}
.matrix tbody th{position:sticky;left:0;background:#fff;z-index:1;font-weight:500;white-space:nowrap}
.matrix td.v{min-width:4.5em}
#only-failures:checked ~ table tr.allok{display:none}
.filter{display:inline-block;margin:.5em 0;cursor:pointer}
.headline{font-weight:600}.where{color:#57606a;font-size:12px}
.examples code{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}.examples th{white-space:nowrap}
.files a{font-family:monospace}.seq td{max-width:40em}.seq td.where{min-width:12em}
details{margin:.5em 0}summary{cursor:pointer;color:#0969da}
</style></head><body>
<h1>kph run</h1>
<p id="meta">Base <code>${esc(summary.base.spec)}</code> (Linux ${esc(summary.base.version)}) · accelerator <b>${esc(summary.accel)}</b>${summary.accelReason ? ` (${esc(summary.accelReason)})` : ''} · started ${esc(summary.startedAt)}</p>
<p id="counts">${Object.entries(counts).map(([v, n]) => `<span style="color:${COLOURS[v as Verdict]}">${n} ${esc(v)}</span>`).join(' · ')}</p>
<h2>Verdicts</h2>
<input type="checkbox" id="only-failures"><label class="filter" for="only-failures"> show only scenarios that did not pass</label>
${matrix(summary)}
${bugsHtml(summary)}
${repeatsHtml(summary)}
${coverageHtml(summary)}
${bootsAgainHtml(summary)}
<h2>What went wrong</h2>
${failures(summary, o.exists ?? (() => true))}
${formatDiffs(diffs)}
${timings(summary)}
</body></html>
`;
}

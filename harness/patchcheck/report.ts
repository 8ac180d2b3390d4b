// What `kph patchcheck` writes and shows: report.md, report.html (a patch × check matrix, then
// what went wrong per patch with the files to open) and the terminal's end screen. All pure:
// the summary in, text out; writePatchcheckReports puts the files in the results folder.
import { join } from 'node:path';
import type { PatchcheckSummary, PatchRow } from '../core/patchcheck.js';
import { writeFileAtomic } from '../report/reporter.js';
import { formatCheckpatchItem } from './checkpatch.js';
import { formatWarning } from './warnings.js';

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The cells of a patch's row, in the matrix's column order, as short marks. */
export const CHECK_COLUMNS = ['applies', 'builds', 'new warnings', 'checkpatch errors', 'checkpatch warnings', 'checkpatch checks', 'build time'] as const;

type Tone = 'ok' | 'warn' | 'bad' | 'none';
interface Cell {
  text: string;
  tone: Tone;
  title?: string;
}

export function rowCells(p: PatchRow): Cell[] {
  const apply: Cell = p.apply.status === 'ok' ? { text: p.apply.offsets.length ? `ok (${p.apply.offsets.length} offset)` : 'ok', tone: p.apply.offsets.length ? 'warn' : 'ok' } : p.apply.status === 'error' ? { text: 'NO', tone: 'bad', title: p.apply.errors[0] } : { text: '-', tone: 'none', title: 'an earlier patch does not apply' };
  const build: Cell =
    p.build.status === 'ok' ? { text: 'ok', tone: 'ok' }
    : p.build.status === 'error' ? { text: 'NO', tone: 'bad', title: p.build.errors[0] }
    : p.build.status === 'config-error' ? { text: 'CONFIG', tone: 'bad', title: p.build.errors[0] }
    : { text: '-', tone: 'none' };
  const built = p.build.status === 'ok' || p.build.status === 'error';
  const count = (n: number, bad: Tone): Cell => ({ text: String(n), tone: n ? bad : 'ok' });
  return [
    apply,
    build,
    p.build.status === 'ok' ? { ...count(p.warnings.new.length, 'warn'), text: p.warnings.new.length ? `+${p.warnings.new.length}` : p.warnings.gone.length ? `0 (-${p.warnings.gone.length})` : '0' } : { text: '-', tone: 'none' },
    count(p.checkpatch.errors, 'bad'),
    count(p.checkpatch.warnings, 'warn'),
    count(p.checkpatch.checks, 'warn'),
    built ? { text: secs(p.build.ms), tone: 'none' } : { text: '-', tone: 'none' },
  ];
}

/** The one-line headline: the first patch that does not build, or that every one does. */
export function headline(s: PatchcheckSummary): string {
  const n = s.patches.length;
  const first = s.patches.find((p) => p.index === s.firstBuildFailure);
  const applyFail = s.patches.find((p) => p.apply.status === 'error');
  const cpErr = s.patches.filter((p) => p.checkpatch.errors > 0);
  const parts: string[] = [];
  if (first) parts.push(`patch ${first.index}/${n} does not build: ${first.subject}`);
  if (applyFail) parts.push(`patch ${applyFail.index}/${n} does not apply: ${applyFail.subject}`);
  if (!first && !applyFail) parts.push(s.complete ? `all ${n} patches build one by one` : `${s.patches.length} of ${n} checked (not complete)`);
  if (cpErr.length) parts.push(`checkpatch errors in patch ${cpErr.map((p) => p.index).join(', ')}`);
  const newW = s.patches.filter((p) => p.warnings.new.length);
  if (newW.length) parts.push(`new compiler warnings in patch ${newW.map((p) => p.index).join(', ')}`);
  if (s.boot) {
    const subj = (k: number) => s.patches.find((p) => p.index === k)?.subject ?? '';
    parts.push(s.boot.firstFormatChange !== null ? `patch ${s.boot.firstFormatChange}/${n} is the first to change a record or event format: ${subj(s.boot.firstFormatChange)}` : 'no patch changes a record or event format in the scenarios run');
    if (s.boot.firstRegression !== null) parts.push(`patch ${s.boot.firstRegression}/${n} breaks a scenario that passed before it: ${subj(s.boot.firstRegression)}`);
  }
  return parts.join('; ');
}

/** --boot, per step: "3/4 scenarios pass, 2 format changes" (or why nothing ran). */
export function bootLine(b: PatchRow['boot']): string {
  if (!b) return '';
  if (b.status === 'not-reached') return 'not booted (the step did not build)';
  if (b.status === 'error') return `did not boot: ${b.error ?? '?'}`;
  const v = Object.values(b.verdicts);
  return `${v.filter((x) => x === 'pass').length}/${v.length} scenarios pass${b.formatChanges.length ? `, ${b.formatChanges.length} format change(s)` : ''}${b.regressions.length ? `, ${b.regressions.length} regression(s)` : ''}`;
}

/** The --boot section: a line per step, then each step's format changes and regressions. */
function bootSection(s: PatchcheckSummary): string[] {
  if (!s.boot) return [];
  const out = [`Scenarios on every step: ${s.boot.scenarios.join(', ')}.`, ''];
  const steps: { k: number; subject: string; boot: PatchRow['boot'] }[] = [...(s.reference?.boot ? [{ k: 0, subject: 'the base, series config', boot: s.reference.boot }] : []), ...s.patches.map((p) => ({ k: p.index, subject: p.subject, boot: p.boot }))];
  for (const st of steps) {
    out.push(`- step ${st.k} (${st.subject}): ${bootLine(st.boot)}${st.boot?.run ? ` — ${st.boot.run}/report.md` : ''}`);
    // A change that spans lines (an event sequence's before → after) stays inside its item.
    for (const c of st.boot?.formatChanges ?? []) out.push(`  - format: ${c.replace(/\n/g, '\n    ')}`);
    for (const r of st.boot?.regressions ?? []) out.push(`  - REGRESSION: ${r}`);
  }
  return out;
}

function problems(p: PatchRow): string[] {
  const out: string[] = [];
  if (p.apply.status === 'error') out.push(...p.apply.errors);
  if (p.build.status === 'error' || p.build.status === 'config-error') out.push(...p.build.errors);
  for (const w of p.warnings.new) out.push(`new warning: ${formatWarning(w)}`);
  for (const w of p.warnings.gone) out.push(`warning gone: ${w.file}: ${w.function ? `in ${w.function}(): ` : ''}${w.message}`);
  for (const i of p.checkpatch.items) out.push(`checkpatch ${formatCheckpatchItem(i)}`);
  if (p.notCompiled.length) out.push(`not compiled by this config: ${p.notCompiled.join(', ')}`);
  if (p.build.configMissing?.length) out.push(`not in this step's config yet: ${p.build.configMissing.join(', ')}`);
  for (const r of p.boot?.regressions ?? []) out.push(`scenario regression: ${r}`);
  if (p.boot?.status === 'error') out.push(`boot: ${p.boot.error ?? '?'}`);
  return out;
}

export function renderPatchcheckMarkdown(s: PatchcheckSummary): string {
  const out: string[] = [];
  out.push(`# kph patchcheck: ${s.series.label}`, '');
  out.push(`Base ${s.base.spec} (Linux ${s.base.version}), kph ${s.kph.version}, ${s.startedAt}${s.complete ? '' : ' — **not complete**'}${s.interrupted ? ' (interrupted)' : ''}.`, '');
  out.push(`**${headline(s)}**`, '');
  if (s.reference) out.push(`Step 0 (the base with the series' config, the reference for patch 1): built in ${secs(s.reference.build.ms)}, ${s.reference.build.compiled} objects compiled, ${s.reference.warnings} compiler warnings.`, '');
  out.push(`| # | patch | ${CHECK_COLUMNS.join(' | ')} |`, `|---|---|${CHECK_COLUMNS.map(() => '---').join('|')}|`);
  for (const p of s.patches) out.push(`| ${p.index} | ${p.subject.replace(/\|/g, '\\|')} | ${rowCells(p).map((c) => (c.tone === 'bad' ? `**${c.text}**` : c.text)).join(' | ')} |`);
  out.push('');
  for (const p of s.patches) {
    const lines = problems(p);
    if (!lines.length) continue;
    out.push(`## ${p.index}. ${p.subject}`, '', `\`${p.name}\` (${p.files.join(', ')}): ${[p.build.log, p.checkpatch.output].filter(Boolean).map((f) => `[${f!.split('/').pop()}](${f})`).join(', ')}`, '', '```', ...lines, '```', '');
  }
  if (s.boot) out.push('## Booted steps (--boot)', '', ...bootSection(s), '');
  out.push('## Not checked', '', ...s.notChecked.map((x) => `- ${x}`), '');
  return out.join('\n');
}

const TONE_BG: Record<Tone, string> = { ok: '#1a7f37', warn: '#9a6700', bad: '#cf222e', none: '#8c959f' };

export function renderPatchcheckHtml(s: PatchcheckSummary): string {
  const head = `<tr><th>#</th><th>patch</th>${CHECK_COLUMNS.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const rows = s.patches.map((p) => {
    const cells = rowCells(p).map((c) => `<td class="v ${c.tone}" style="background:${TONE_BG[c.tone]}"${c.title ? ` title="${esc(c.title)}"` : ''}>${esc(c.text)}</td>`);
    return `<tr class="${p.verdict}"><td>${p.index}</td><th><a href="#p${p.index}">${esc(p.subject)}</a></th>${cells.join('')}</tr>`;
  });
  const ref = s.reference
    ? `<tr class="ref"><td>0</td><th>the base, series config (reference)</th><td class="v none">-</td><td class="v ok" style="background:${TONE_BG.ok}">ok</td><td class="v none">${s.reference.warnings} in all</td><td class="v none">-</td><td class="v none">-</td><td class="v none">-</td><td class="v none">${secs(s.reference.build.ms)}</td></tr>`
    : '';
  const details = s.patches
    .map((p) => {
      const lines = problems(p);
      const files = [p.build.log, p.checkpatch.output, `${p.dir}/apply.log`].filter(Boolean) as string[];
      return `<section id="p${p.index}"><h3>${p.index}. ${esc(p.subject)} <small>${esc(p.verdict)}</small></h3><p><code>${esc(p.name)}</code> touches ${p.files.map((f) => `<code>${esc(f)}</code>`).join(', ')}; ${p.build.status === 'ok' || p.build.status === 'error' ? `${p.build.compiled} objects compiled in ${secs(p.build.ms)}; ` : ''}files: ${files.map((f) => `<a href="${esc(f)}">${esc(f.split('/').pop()!)}</a>`).join(', ')}</p>${lines.length ? `<pre>${esc(lines.join('\n'))}</pre>` : '<p>Nothing to say.</p>'}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kph patchcheck ${esc(s.series.label)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1f2328}
table.matrix{border-collapse:collapse}
table.matrix th,table.matrix td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left}
table.matrix td.v{color:#fff;text-align:center}
table.matrix td.v.none{color:#1f2328;background:#f6f8fa!important}
pre{background:#f6f8fa;padding:.6em;overflow:auto}
.headline{font-size:1.1em;font-weight:600}
</style></head><body>
<h1>kph patchcheck: ${esc(s.series.label)}</h1>
<p>Base <b>${esc(s.base.spec)}</b> (Linux ${esc(s.base.version)}), kph ${esc(s.kph.version)}, started ${esc(s.startedAt)}${s.complete ? '' : ' — <b>not complete</b>'}.</p>
<p class="headline">${esc(headline(s))}</p>
<table class="matrix"><thead>${head}</thead><tbody>${ref}${rows.join('')}</tbody></table>
<h2>Per patch</h2>
${details}
${s.boot ? `<h2>Booted steps (--boot)</h2><pre>${esc(bootSection(s).join('\n'))}</pre>` : ''}
<h2>Not checked</h2><ul>${s.notChecked.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
</body></html>
`;
}

/** The compiler's lines of a failed step (with gcc's source and caret lines), make's "***" lines only when there are none. */
export function firstErrorLines(errors: string[], max = 8): string[] {
  const compiler = errors.filter((l) => !/^make(?:\[\d+\])?: \*\*\* /.test(l));
  return (compiler.length ? compiler : errors).slice(0, max);
}

/** The end screen: headline, the first failure's compiler lines, the matrix, the findings, where to look. */
export function renderPatchcheckTerminal(s: PatchcheckSummary, o: { outDir: string; color?: boolean }): string {
  const paint = (code: string, t: string) => (o.color ? `\x1b[${code}m${t}\x1b[0m` : t);
  const toneCode: Record<Tone, string> = { ok: '32', warn: '33', bad: '1;31', none: '2' };
  const out: string[] = [];
  out.push('', `kph patchcheck ${s.series.label} on ${s.base.spec} (${s.base.version})`, '');
  const first = s.patches.find((p) => p.index === s.firstBuildFailure);
  const bad = s.patches.some((p) => p.verdict === 'fail');
  out.push(paint(bad ? '1;31' : '1;32', headline(s)));
  if (first) for (const l of firstErrorLines(first.build.errors)) out.push(`  ${l}`);
  out.push('');
  const subjW = Math.min(48, Math.max(5, ...s.patches.map((p) => p.subject.length)));
  const cols = ['apply', 'build', 'new warn', 'cp err', 'cp warn', 'cp chk', 'time'];
  const widths = [8, 6, 9, 7, 8, 7, 6];
  const cut = (t: string, w: number) => (t.length > w ? `${t.slice(0, w - 1)}…` : t.padEnd(w));
  out.push(`  ${'#'.padStart(2)}  ${'patch'.padEnd(subjW)}  ${cols.map((c, i) => c.padEnd(widths[i]!)).join(' ')}`);
  if (s.reference) out.push(`  ${'0'.padStart(2)}  ${cut('(base, series config)', subjW)}  ${['-', 'ok', `${s.reference.warnings} all`, '-', '-', '-', secs(s.reference.build.ms)].map((c, i) => c.padEnd(widths[i]!)).join(' ')}`);
  for (const p of s.patches) {
    const cells = rowCells(p).map((c, i) => paint(toneCode[c.tone], cut(c.text, widths[i]!)));
    out.push(`  ${String(p.index).padStart(2)}  ${cut(p.subject, subjW)}  ${cells.join(' ')}`);
  }
  const findings = s.patches.flatMap((p) => [
    ...p.warnings.new.map((w) => `${p.index}: new warning ${formatWarning(w)}`),
    ...p.checkpatch.items.filter((i) => i.level !== 'CHECK').map((i) => `${p.index}: checkpatch ${formatCheckpatchItem(i)}`),
  ]);
  const checks = s.patches.reduce((n, p) => n + p.checkpatch.checks, 0);
  if (findings.length || checks) {
    out.push('');
    for (const f of findings.slice(0, 20)) out.push(`  ${f}`);
    if (findings.length > 20) out.push(`  ... ${findings.length - 20} more in report.md`);
    if (checks) out.push(`  (${checks} checkpatch CHECK(s) of --strict: listed in report.md)`);
  }
  if (s.boot) {
    out.push('');
    for (const l of bootSection(s).slice(2, 40)) out.push(`  ${l}`);
  }
  out.push('', `Not checked: ${s.notChecked.map((x) => x.split(':')[0]).join('; ')}.`);
  out.push(`Reports: ${join(o.outDir, 'report.html')}, ${join(o.outDir, 'report.md')}, ${join(o.outDir, 'patchcheck.json')}`, '');
  return out.join('\n');
}

export function writePatchcheckJson(outDir: string, s: PatchcheckSummary): void {
  writeFileAtomic(join(outDir, 'patchcheck.json'), JSON.stringify(s, null, 2) + '\n');
}

export function writePatchcheckReports(outDir: string, s: PatchcheckSummary): void {
  writePatchcheckJson(outDir, s);
  writeFileAtomic(join(outDir, 'report.md'), renderPatchcheckMarkdown(s));
  writeFileAtomic(join(outDir, 'report.html'), renderPatchcheckHtml(s));
}

// Format changes as text for a terminal, as Markdown for reports, and as a changelog block for
// a cover letter. Pure.
import type { FormatChange } from './compare.js';
import { scenarioList, type FormatDigest, type GroupedChange } from './digest.js';

function byScenario(changes: FormatChange[]): Map<string, FormatChange[]> {
  const m = new Map<string, FormatChange[]>();
  for (const c of changes) m.set(c.scenario, [...(m.get(c.scenario) ?? []), c]);
  return m;
}

const SIGN: Partial<Record<FormatChange['kind'], string>> = { 'record-added': '+', 'record-removed': '-', 'event-added': '+', 'event-removed': '-', 'scenario-added': '+', 'scenario-removed': '-' };
const sign = (g: GroupedChange) => (g.severity === 'abi' ? '!' : (SIGN[g.kind] ?? '~'));

/** The per-scenario list (every change under every scenario where it shows). */
export function renderChangesText(from: string, to: string, changes: FormatChange[]): string {
  if (!changes.length) return `${from} → ${to}: record and event formats are the same\n`;
  const abi = changes.filter((c) => c.severity === 'abi').length;
  const out = [`${from} → ${to}: ${changes.length} format change(s)${abi ? `, ${abi} ABI CHANGE(S)` : ''}`];
  for (const [scenario, cs] of byScenario(changes)) {
    out.push(`  ${scenario}:`);
    for (const c of cs) out.push(`    ${c.severity === 'abi' ? '!!' : '- '} ${c.message.replace(/\n/g, '\n    ')}`);
  }
  return out.join('\n') + '\n';
}

function groupLines(gs: GroupedChange[], all: string[], indent: string): string[] {
  return gs.map((g) => `${indent}${sign(g)} ${g.message}  [${scenarioList(g.scenarios, all)}]`);
}

/** Each change once with its scenarios: what a reviewer reads (kph diff's default). */
/** Sequence changes the text digest shows; markdown and json show every one. */
const MAX_SEQUENCES = 8;

export function renderDigestText(d: FormatDigest): string {
  const out = [`${d.from} → ${d.to}: ${d.headline}`];
  if (d.headline.startsWith('no change')) return out.join('\n') + '\n';
  out.push('', `Audit records (${d.scenarios.length} scenarios compared):`);
  if (d.records.length) out.push(...groupLines(d.records, d.scenarios, '  '));
  else out.push('  unchanged');
  out.push('Connector events:');
  if (d.connector.length) out.push(...groupLines(d.connector, d.scenarios, '  '));
  else out.push('  unchanged');
  if (d.sequences.length) {
    // The most widespread first; a screen holds the digest, so the rest is counted and pointed to.
    const shown = [...d.sequences].sort((a, b) => b.scenarios.length - a.scenarios.length).slice(0, MAX_SEQUENCES);
    out.push('Audit event sequences (record types of one event, before → after):');
    for (const s of shown) out.push(`  ${s.before || '(no such event)'}`, `    → ${s.after || '(no such event)'}  [${scenarioList(s.scenarios, d.scenarios)}]`);
    const rest = d.sequences.filter((s) => !shown.includes(s));
    if (rest.length) out.push(`  … ${rest.length} more sequence changes, in ${[...new Set(rest.flatMap((s) => s.scenarios))].length} scenarios: every one in --format markdown`);
  }
  if (d.other.length) out.push('Scenarios:', ...groupLines(d.other, d.scenarios, '  '));
  out.push(...exampleLines(d));
  return out.join('\n') + '\n';
}

/** Before/after lines of every changed, new or removed record type (empty when the signatures hold none). */
function exampleLines(d: FormatDigest): string[] {
  const xs = d.examples.filter((e) => e.before || e.after);
  if (!xs.length) return d.examples.length ? ['', 'No example lines: these signatures predate them (`kph formats update RUN` writes them).'] : [];
  const out = ['', 'Example lines (time, serial, pids and inode numbers normalised; connector events as what, len and fields):'];
  for (const e of xs) {
    out.push(`  ${e.type} (${e.change}):`);
    if (e.before && e.before === e.after) {
      out.push(`    both:   ${e.before}  (its common layout is unchanged; the change is in another)`);
      continue;
    }
    if (e.before) out.push(`    before: ${e.before}`);
    if (e.after) out.push(`    after:  ${e.after}`);
  }
  return out;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

function mdGroups(gs: GroupedChange[], all: string[]): string[] {
  return gs.map((g) => {
    const text = g.severity === 'abi' ? `**${g.message}**` : g.message;
    return `- ${text} — ${scenarioList(g.scenarios, all)}`;
  });
}

/** The digest first, the per-scenario detail folded underneath. */
export function renderChangesMarkdown(from: string, to: string, changes: FormatChange[], digest?: FormatDigest): string {
  const out = [`### \`${from}\` → \`${to}\``, ''];
  if (!changes.length) return [...out, 'Record and event formats are the same.', ''].join('\n');
  const abi = changes.filter((c) => c.severity === 'abi');
  if (abi.length) out.push(`> **ABI change:** ${[...new Set(abi.map((c) => c.message.replace(/^ABI CHANGE: /, '')))].join('; ')}`, '');
  if (digest) {
    out.push(`**${digest.headline}**`, '');
    if (digest.records.length) out.push(`Audit records (${digest.scenarios.length} scenarios compared):`, '', ...mdGroups(digest.records, digest.scenarios), '');
    out.push(digest.connector.length ? 'Connector events:' : 'Connector events: unchanged.', '');
    if (digest.connector.length) out.push(...mdGroups(digest.connector, digest.scenarios), '');
    if (digest.sequences.length) {
      out.push('Audit event sequences (record types of one event):', '', '| before | after | scenarios |', '|---|---|---|');
      for (const s of digest.sequences) out.push(`| ${s.before ? code(s.before) : '—'} | ${s.after ? code(s.after) : '—'} | ${scenarioList(s.scenarios, digest.scenarios)} |`);
      out.push('');
    }
    if (digest.other.length) out.push(...mdGroups(digest.other, digest.scenarios), '');
    const xs = digest.examples.filter((e) => e.before || e.after);
    if (xs.length) {
      out.push('Example lines (time, serial, pids and inode numbers normalised):', '');
      for (const e of xs) out.push(`- ${e.type} (${e.change}):`, '', '  ```', ...(e.before ? [`  - ${e.before}`] : []), ...(e.after ? [`  + ${e.after}`] : []), '  ```', '');
    }
    out.push('<details><summary>Per scenario</summary>', '');
  }
  for (const [scenario, cs] of byScenario(changes)) {
    out.push(`**${scenario}**`, '');
    for (const c of cs) {
      if (c.kind === 'sequence') out.push(`- ${c.kind}:`, '', '  ```', ...c.message.split('\n').slice(1).map((l) => `  ${l}`), '  ```');
      else out.push(`- ${c.severity === 'abi' ? '**' : ''}${c.message}${c.severity === 'abi' ? '**' : ''}`);
    }
    out.push('');
  }
  if (digest) out.push('</details>', '');
  return out.join('\n');
}

/** ASCII for mail: arrows and multiplication signs as a mail client will not mangle them. */
const ascii = (s: string) => s.replace(/ → /g, ' -> ').replace(/→/g, '->').replace(/×(\d+)/g, ' x$1').replace(/—/g, '-');

/** "since v1" for ns-serial@v1; "since the unpatched kernel" for baseline. */
function since(label: string): string {
  if (label === 'baseline' || label.startsWith('baseline+')) return 'the unpatched kernel';
  const at = label.lastIndexOf('@');
  return at > 0 ? label.slice(at + 1) : label;
}

/**
 * A plain-text block for the cover letter of the next revision: "Changes to the audit record
 * and connector event formats since vN", each change once, with real lines before and after.
 */
export function renderChangelog(d: FormatDigest): string {
  const title = `Changes to the audit record and connector event formats since ${since(d.from)}`;
  const out = [title, '='.repeat(title.length), '', `(${d.from} -> ${d.to}, as captured by kph in ${d.scenarios.length} scenario${d.scenarios.length === 1 ? '' : 's'} run on both;`, ' time, serial, pids and inode numbers in the example lines normalised)', ''];
  if (d.headline.startsWith('no change')) return ascii([...out, 'None: every audit record and connector event has the same format.', ''].join('\n'));
  // Which scenarios ran on one side only is the test suite's business, not the format's.
  out.push(`In short: ${d.headline.replace(/, \d+ scenarios? only in \S+/g, '')}.`, '');
  const where = (g: GroupedChange) => (g.scenarios.length < d.scenarios.length ? ` (in ${scenarioList(g.scenarios, d.scenarios)})` : '');
  const example = (type: string) => d.examples.find((e) => e.type === type);
  const fieldsOf = (m: string) => /\(fields: (.*)\)$/.exec(m)?.[1] ?? '';
  const numbered = (m: string) => /^record (.+?) (?:added|removed) \(fields/.exec(m)?.[1] ?? m;
  const section = (heading: string, gs: GroupedChange[], line: (g: GroupedChange) => string[]) => {
    if (!gs.length) return;
    out.push(heading);
    for (const g of gs) out.push(...line(g));
    out.push('');
  };
  section('Removed record types:', d.records.filter((g) => g.kind === 'record-removed'), (g) => [`  - ${numbered(g.message)}: ${fieldsOf(g.message)}${where(g)}`, ...(example(g.subject)?.before ? [`      was: ${example(g.subject)!.before}`] : [])]);
  section('Renamed record types:', d.records.filter((g) => g.kind === 'record-renamed'), (g) => [`  - ${g.message.replace(/^record /, '')}`, ...(example(g.subject)?.after ? [`      now: ${example(g.subject)!.after}`] : [])]);
  section('New record types:', d.records.filter((g) => g.kind === 'record-added'), (g) => [`  - ${numbered(g.message)}: ${fieldsOf(g.message)}`, ...(example(g.subject)?.after ? [`      e.g. ${example(g.subject)!.after}`] : [])]);
  const changed = d.records.filter((g) => !['record-added', 'record-removed', 'record-renamed'].includes(g.kind));
  const types = [...new Set(changed.map((g) => g.subject))];
  if (types.length) {
    out.push('Changed record types:');
    for (const t of types) {
      for (const g of changed.filter((x) => x.subject === t)) out.push(`  - ${g.message}`);
      const e = example(t);
      if (e?.before && e.before !== e.after) out.push(`      before: ${e.before}`);
      if (e?.after && e.before !== e.after) out.push(`      after:  ${e.after}`);
    }
    out.push('');
  }
  if (!d.records.length) out.push('Audit records: unchanged.', '');
  if (d.connector.length) {
    out.push('Connector events:');
    for (const g of d.connector) {
      out.push(`  - ${g.message}${g.kind === 'event-removed' ? where(g) : ''}`);
      const e = example(`connector ${g.subject.split(', ')[0]}`);
      if (e?.before && e.after && e.before !== e.after) out.push(`      before: ${e.before}`, `      after:  ${e.after}`);
      else if (e?.after && g.kind === 'event-added') out.push(`      e.g. ${e.after}`);
      else if (e?.before && g.kind === 'event-removed') out.push(`      was: ${e.before}`);
    }
    out.push('');
  } else out.push('Connector events: unchanged.', '');
  if (d.sequences.length) {
    out.push('Records of one audit event, in order (before -> after):');
    for (const s of d.sequences) out.push(`  - ${s.before || '(no such event)'}`, `    -> ${s.after || '(no such event)'}`);
    out.push('');
  }
  return ascii(out.join('\n'));
}

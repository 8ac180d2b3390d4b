// Format changes as text for a terminal and as Markdown for reports. Pure.
import type { FormatChange } from './compare.js';

function byScenario(changes: FormatChange[]): Map<string, FormatChange[]> {
  const m = new Map<string, FormatChange[]>();
  for (const c of changes) m.set(c.scenario, [...(m.get(c.scenario) ?? []), c]);
  return m;
}

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

export function renderChangesMarkdown(from: string, to: string, changes: FormatChange[]): string {
  const out = [`### \`${from}\` → \`${to}\``, ''];
  if (!changes.length) return [...out, 'Record and event formats are the same.', ''].join('\n');
  const abi = changes.filter((c) => c.severity === 'abi');
  if (abi.length) out.push(`> **ABI change:** ${[...new Set(abi.map((c) => c.message.replace(/^ABI CHANGE: /, '')))].join('; ')}`, '');
  for (const [scenario, cs] of byScenario(changes)) {
    out.push(`**${scenario}**`, '');
    for (const c of cs) {
      if (c.kind === 'sequence') out.push(`- ${c.kind}:`, '', '  ```', ...c.message.split('\n').slice(1).map((l) => `  ${l}`), '  ```');
      else out.push(`- ${c.severity === 'abi' ? '**' : ''}${c.message}${c.severity === 'abi' ? '**' : ''}`);
    }
    out.push('');
  }
  return out.join('\n');
}

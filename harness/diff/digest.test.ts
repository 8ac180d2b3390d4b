import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';
import { compareSignatures } from './compare.js';
import { compactTuple, digestSignatures, headline, scenarioList, sequenceSteps } from './digest.js';
import { renderChangesMarkdown, renderDigestText } from './render.js';
import type { FormatSignature } from './signature.js';

// The committed baselines: real signatures of every bundled series.
const baseline = (s: string) => JSON.parse(readFileSync(join(repoRoot, 'results', 'baselines', `${s}.json`), 'utf8')) as FormatSignature;
const pair = (a: string, b: string) => {
  const sa = baseline(a);
  const sb = baseline(b);
  const changes = compareSignatures(sa, sb);
  return { changes, digest: digestSignatures(sa, sb, changes) };
};

describe('the digest of ns-serial v1 → v5 (committed baselines)', () => {
  const { changes, digest } = pair('ns-serial@v1', 'ns-serial@v5');

  it('answers in one line', () => {
    expect(digest.headline).toBe('1 record type removed, 17 added, SYSCALL lost 6 fields, connector unchanged, event sequences changed in 23 scenarios, 4 scenarios only in ns-serial@v5');
  });
  it('names each change once, with the scenarios where it shows', () => {
    expect(changes.filter((c) => c.subject === 'NS_INFO').length).toBe(23);
    const nsInfo = digest.records.filter((g) => g.subject === 'NS_INFO');
    expect(nsInfo).toHaveLength(1);
    expect(nsInfo[0]!.kind).toBe('record-added');
    expect(nsInfo[0]!.scenarios).toHaveLength(23);
    const subjects = digest.records.map((g) => `${g.kind} ${g.subject}`);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(digest.records.find((g) => g.subject === 'SYSCALL')!.message).toBe('SYSCALL (1300): fields removed: netns utsns ipcns pidns userns mntns');
    expect(digest.records[0]!.kind).toBe('record-removed');
  });
  it('fits on a screen before its example lines, where the per-scenario list does not', () => {
    const text = renderDigestText(digest);
    const head = text.slice(0, text.indexOf('\nExample lines'));
    expect(head.split('\n').length).toBeLessThan(50);
    expect(renderChangesMarkdown(digest.from, digest.to, changes, digest).split('\n').length).toBeGreaterThan(200);
    expect(text.match(/NS_INFO \(1340\) added/g)).toHaveLength(1);
    expect(text).toContain('[all but auditns-auditd, auditns-create, auditns-limit, cn-selftest, feature-query (23 of 28)]');
    // The most widespread sequence changes, then the rest counted and pointed to.
    expect(text).toContain('    → AUDIT_NS_INIT_NET,SYSCALL,NS_INFO,PROCTITLE  [7 scenarios: filtered-listen, ns-delete, nsid-unshare, setns-loop, setns-loop-10k, unshare-net, unshare-net-serial]');
    expect(text).toMatch(/\n {2}… 11 more sequence changes, in 9 scenarios: every one in --format markdown\n/);
  });
  it('reduces event sequences to the events that changed, grouped over scenarios', () => {
    const s = digest.sequences.find((x) => x.before === 'NS_INIT,SYSCALL,PROCTITLE' && x.after === 'AUDIT_NS_INIT_NET,SYSCALL,NS_INFO,PROCTITLE');
    expect(s?.scenarios).toEqual(expect.arrayContaining(['ns-delete', 'setns-loop', 'unshare-net']));
    expect(digest.sequences.some((x) => x.before === 'NS_INIT×6,SYSCALL,PROCTITLE')).toBe(true);
    expect(digest.sequences.length).toBeLessThan(changes.filter((c) => c.kind === 'sequence').length);
  });
  it('keeps the per-scenario detail in Markdown, folded', () => {
    const md = renderChangesMarkdown(digest.from, digest.to, changes, digest);
    expect(md).toContain(`**${digest.headline}**`);
    expect(md).toContain('<details><summary>Per scenario</summary>');
    expect(md.indexOf('**clone-flags**')).toBeGreaterThan(md.indexOf('<details>'));
  });
});

describe('connector changes (proc-connector-ns baselines)', () => {
  it('rfc-v1 against baseline: one ABI line for fork, exec and exit', () => {
    const { digest } = pair('baseline', 'proc-connector-ns@rfc-v1');
    expect(digest.headline).toBe('audit records unchanged, connector: ABI CHANGE: exec/exit/fork/none payload 40 → 48 bytes, ns:v1 added, exec/exit/fork no longer seen');
    const abi = digest.connector.filter((g) => g.severity === 'abi');
    expect(abi.map((g) => g.subject)).toEqual(['exec, exit, fork', 'none']);
    expect(abi[0]!.message).toBe('ABI CHANGE: connector exec, exit, fork payload length 40 → 48 bytes (every proc-connector listener sees this)');
  });
  it('rfc-v1 → rfc-v2: the new ns:v2 event once, with every length it was seen with', () => {
    const { digest } = pair('proc-connector-ns@rfc-v1', 'proc-connector-ns@rfc-v2');
    const v2 = digest.connector.filter((g) => g.subject === 'ns:v2');
    expect(v2).toHaveLength(1);
    expect(v2[0]!.message).toContain('56/80/128/176 bytes');
    expect(digest.records).toEqual([]);
  });
  it('the same signature: no change', () => {
    const { changes, digest } = pair('ns-serial@v5', 'ns-serial@v5');
    expect(changes).toEqual([]);
    expect(digest.headline).toBe('no change: record and event formats are the same');
    expect(headline([])).toBe(digest.headline);
  });
});

describe('helpers', () => {
  it('compactTuple collapses repeats and marks repeated events', () => {
    expect(compactTuple('NS_INIT,NS_INIT,NS_INIT,SYSCALL,PROCTITLE')).toBe('NS_INIT×3,SYSCALL,PROCTITLE');
    expect(compactTuple('SYSCALL,PROCTITLE+')).toBe('SYSCALL,PROCTITLE (repeated)');
  });
  it('sequenceSteps pairs events when the lengths match, else trims the common ends', () => {
    expect(sequenceSteps(['A', 'B', 'C'], ['A', 'X', 'C'])).toEqual([{ before: 'B', after: 'X' }]);
    expect(sequenceSteps(['A', 'C'], ['A', 'X', 'Y', 'C'])).toEqual([{ before: '', after: 'X ; Y' }]);
  });
  it('scenarioList says "all" and "all but" where it is shorter', () => {
    const all = ['a', 'b', 'c', 'd', 'e'];
    expect(scenarioList(all, all)).toBe('all 5 scenarios');
    expect(scenarioList(['a', 'b', 'c', 'd'], all)).toBe('all but e (4 of 5)');
    expect(scenarioList(['a', 'b'], all)).toBe('a, b');
  });
});

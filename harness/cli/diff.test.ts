// kph diff as a user runs it, on the committed baselines (no kernel, no QEMU).
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../core/paths.js';

const kph = (...args: string[]) => execa('node', [join(repoRoot, 'harness', 'cli', 'bin.mjs'), ...args], { reject: false, cwd: repoRoot });
const v1 = 'results/baselines/ns-serial@v1.json';
const v5 = 'results/baselines/ns-serial@v5.json';

describe('kph diff', () => {
  it('text: the headline first, each change once, exit 1', async () => {
    const r = await kph('diff', v1, v5);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('ns-serial@v1 → ns-serial@v5: 1 record type removed, 17 added, SYSCALL lost 6 fields, connector unchanged, event sequences changed in 23 scenarios, 4 scenarios only in ns-serial@v5');
    expect(r.stdout.match(/NS_INFO \(1340\) added/g)).toHaveLength(1);
    // A screen before the example lines (one per changed type).
    expect(r.stdout.slice(0, r.stdout.indexOf('\nExample lines')).split('\n').length).toBeLessThan(50);
  });
  it('--format changelog: the block for a cover letter', async () => {
    const r = await kph('diff', v1, v5, '--format', 'changelog');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^Changes to the audit record and connector event formats since v1\n=+\n/);
  });
  it('--format json: the digest and every change per scenario', async () => {
    const r = await kph('diff', v1, v5, '--format', 'json');
    const j = JSON.parse(r.stdout) as { digest: { headline: string; records: unknown[] }; changes: { scenario: string }[] };
    expect(j.digest.headline).toMatch(/^1 record type removed/);
    expect(j.changes.length).toBeGreaterThan(j.digest.records.length);
  });
  it('the same file twice: exit 0', async () => {
    const r = await kph('diff', v5, v5, '--format', 'changelog');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('None: every audit record and connector event has the same format.');
  });
});

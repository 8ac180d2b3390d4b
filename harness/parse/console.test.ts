import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSplats } from './console.js';

const fx = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', ...p), 'utf8').split('\n');

describe('findSplats', () => {
  it('finds nothing in a clean TCG boot of the baseline kernel', () => {
    expect(findSplats(fx('console', 'boot-baseline-tcg.log'))).toEqual([]);
  });
});

describe('findSplats on a real oops (BUG() in ksys_unshare, oops=panic)', () => {
  const splats = findSplats(fx('console', 'oops-bug-in-unshare.log'));
  it('titles the report by its first line and keeps the cut-here line and the trace', () => {
    expect(splats.map((s) => [s.kind, s.title])).toEqual([
      ['bug', 'kernel BUG at ../src/kernel/fork.c:3331!'],
      ['panic', 'Kernel panic - not syncing: Fatal exception'],
    ]);
    const bug = splats[0]!;
    expect(bug.excerpt[0]).toMatch(/-\[ cut here \]-/);
    expect(bug.excerpt.join('\n')).toMatch(/RIP: 0010:ksys_unshare\+0x4a/);
    expect(bug.excerpt.at(-1)).toMatch(/---\[ end trace/);
  });
  it('finds the same report in the whole boot log', () => {
    expect(findSplats(fx('console', 'boot-then-oops-in-unshare.log')).map((s) => s.kind)).toEqual(['bug', 'panic']);
  });
});

describe('splat titles', () => {
  it('are the kernel\'s text, without what a serial BREAK and SysRq keys left before the time stamp', () => {
    const [s] = findSplats(['\x00w\x00t[   42.465316] INFO: task kph-hang-d:93 blocked for more than 21 seconds.', '[   42.466] Call Trace:']);
    expect(s!.title).toBe('INFO: task kph-hang-d:93 blocked for more than 21 seconds.');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addedLines, attributeSeries, parseUnifiedDiff, placeHunk } from './diff.js';

const fx = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', ...p), 'utf8');

/** A base file of numbered lines, "l1".."lN". */
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `l${i + 1}`).join('\n') + '\n';

describe('parseUnifiedDiff', () => {
  it('reads a git format-patch file: its file, hunks and lines, past the commit message and the signature', () => {
    const [p1] = fx('series', 'breaks-at-2', '0001-nsproxy-count-the-nsproxies-in-use.patch').split(/(?=^From [0-9a-f]{40} )/m);
    const d = parseUnifiedDiff(p1!);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ oldPath: 'kernel/nsproxy.c', newPath: 'kernel/nsproxy.c', binary: false });
    expect(d[0]!.hunks.map((h) => [h.oldStart, h.oldCount, h.newStart, h.newCount])).toEqual([
      [29, 6, 29, 14],
      [54, 8, 62, 10],
      [204, 6, 214, 7],
    ]);
    expect(d[0]!.hunks[2]!.lines.filter((l) => l.kind === '+')).toEqual([{ kind: '+', text: '\tatomic_dec(&nr_nsproxies);' }]);
    // The first hunk's first context line is an empty line of the file (" " then nothing).
    expect(d[0]!.hunks[0]!.lines[0]).toEqual({ kind: ' ', text: '' });
  });
  it('knows new, deleted and renamed files, and a section without hunks', () => {
    const text = [
      'diff --git a/kernel/new.c b/kernel/new.c',
      'new file mode 100644',
      'index 0000000..1111111',
      '--- /dev/null',
      '+++ b/kernel/new.c',
      '@@ -0,0 +1,2 @@',
      '+int a;',
      '+int b;',
      'diff --git a/kernel/old.c b/kernel/old.c',
      'deleted file mode 100644',
      '--- a/kernel/old.c',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-int c;',
      'diff --git a/a.c b/b.c',
      'similarity index 100%',
      'rename from a.c',
      'rename to b.c',
      'diff --git a/x.bin b/x.bin',
      'GIT binary patch',
      'literal 1',
      '',
    ].join('\n');
    const d = parseUnifiedDiff(text);
    expect(d.map((f) => [f.oldPath, f.newPath, f.hunks.length, f.binary])).toEqual([
      [null, 'kernel/new.c', 1, false],
      ['kernel/old.c', null, 1, false],
      ['a.c', 'b.c', 0, false],
      ['x.bin', 'x.bin', 0, true],
    ]);
    expect(d[1]!.hunks[0]).toMatchObject({ oldStart: 1, oldCount: 1, newStart: 0, newCount: 0 });
  });
  it('reads a plain diff -u without git headers', () => {
    const d = parseUnifiedDiff('--- a/f.c\t2026-01-01\n+++ b/f.c\t2026-01-01\n@@ -1,2 +1,3 @@\n x\n+y\n z\n');
    expect(d).toEqual([{ oldPath: 'f.c', newPath: 'f.c', binary: false, hunks: [expect.objectContaining({ lines: [{ kind: ' ', text: 'x' }, { kind: '+', text: 'y' }, { kind: ' ', text: 'z' }] })] }]);
  });
});

describe('placeHunk', () => {
  const cur = ['a', 'b', 'c', 'a', 'b', 'c'];
  it('takes the stated place when it matches, else the nearest that does', () => {
    expect(placeHunk(cur, ['a', 'b'], 3, 0)).toBe(3);
    expect(placeHunk(cur, ['a', 'b'], 2, 0)).toBe(3); // 1 later before 1 earlier
    expect(placeHunk(cur, ['a', 'b'], 1, 0)).toBe(0);
    expect(placeHunk(cur, ['a', 'b'], 0, 1)).toBe(3); // never before the previous hunk
    expect(placeHunk(cur, ['x'], 0, 0)).toBe(-1);
    expect(placeHunk(cur, [], 6, 0)).toBe(6);
  });
});

let gnuOutput = '';
/** Apply the patches with GNU patch (fuzz 0, as kph does) to `base` as `f.c`: the tree kph builds. */
function gnuPatch(base: string, patches: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kph-diff-'));
  writeFileSync(join(dir, 'f.c'), base);
  patches.forEach((p, i) => {
    writeFileSync(join(dir, `${i}.patch`), p);
    gnuOutput += execFileSync('patch', ['-p1', '--batch', '--forward', '--fuzz=0', '-d', dir, '-i', join(dir, `${i}.patch`)], { encoding: 'utf8' });
  });
  return readFileSync(join(dir, 'f.c'), 'utf8');
}

describe('attributeSeries', () => {
  // Patch 1 adds two lines after l3 and one after l8; patch 2 removes the first of them and adds
  // one above everything (so patch 1's lines move down by 1), its hunk header written against a
  // tree 2 lines shorter (it applies at an offset, as a series rebased by hand does).
  const p1 = ['--- a/f.c', '+++ b/f.c', '@@ -2,4 +2,6 @@', ' l2', ' l3', '+p1 first', '+p1 second', ' l4', ' l5', '@@ -7,4 +9,5 @@', ' l7', ' l8', '+p1 third', ' l9', ' l10', ''].join('\n');
  const p2 = ['--- a/f.c', '+++ b/f.c', '@@ -1,1 +1,2 @@', '+p2 top', ' l1', '@@ -1,5 +2,4 @@', ' l2', ' l3', '-p1 first', ' p1 second', ' l4', ''].join('\n');
  const base = numbered(12);

  it('gives every added line its final line number and its patch, as GNU patch leaves the file', () => {
    const final = gnuPatch(base, [p1, p2]);
    const a = attributeSeries([p1, p2], (p) => (p === 'f.c' ? base : null), (p) => (p === 'f.c' ? final : null));
    expect(gnuOutput).toMatch(/offset/);
    expect(a.unmapped).toEqual([]);
    expect(addedLines(a).map((l) => [l.line, l.text, l.origin.patch])).toEqual([
      [1, 'p2 top', 1],
      [5, 'p1 second', 0],
      [11, 'p1 third', 0],
    ]);
    expect(final.split('\n')[10]).toBe('p1 third');
    // Where in its patch each line was: file section, hunk, line of the hunk.
    expect(addedLines(a)[1]!.origin).toEqual({ patch: 0, file: 0, hunk: 0, index: 3 });
  });

  it('maps a new file and follows a rename', () => {
    const add = ['diff --git a/n.c b/n.c', 'new file mode 100644', '--- /dev/null', '+++ b/n.c', '@@ -0,0 +1,2 @@', '+one', '+two', ''].join('\n');
    const mv = ['diff --git a/n.c b/m.c', 'similarity index 80%', 'rename from n.c', 'rename to m.c', '--- a/n.c', '+++ b/m.c', '@@ -1,2 +1,3 @@', ' one', '+mid', ' two', ''].join('\n');
    const a = attributeSeries([add, mv], () => null);
    expect([...a.files.keys()]).toEqual(['m.c']);
    expect(addedLines(a).map((l) => [l.file, l.line, l.text, l.origin.patch])).toEqual([
      ['m.c', 1, 'one', 0],
      ['m.c', 2, 'mid', 1],
      ['m.c', 3, 'two', 0],
    ]);
  });

  it('does not map a file whose hunks it cannot place, or that the built tree holds otherwise', () => {
    const bad = ['--- a/f.c', '+++ b/f.c', '@@ -1,2 +1,3 @@', ' nothing', '+x', ' like this', ''].join('\n');
    expect(attributeSeries([bad], () => base).unmapped).toEqual([{ file: 'f.c', why: expect.stringContaining("patch 1's hunk 1") }]);
    const a = attributeSeries([p1], () => base, () => base);
    expect(a.unmapped).toEqual([{ file: 'f.c', why: expect.stringContaining('other content') }]);
    expect(a.files.size).toBe(0);
    expect(attributeSeries([p1], () => null).unmapped[0]!.why).toMatch(/base has no such file/);
  });
});

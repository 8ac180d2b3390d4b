import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patchesDir } from '../core/paths.js';
import { editAddedLine } from './edit.js';

const patch = readFileSync(join(patchesDir, 'proc-connector-ns', 'rfc-v2', '0001-proc-connector-add-namespace-events.patch'), 'utf8');

describe('editAddedLine', () => {
  it('appends a comment to the first statement the patch adds to a .c file, and nothing else changes', () => {
    const e = editAddedLine(patch, /\.c$/, 'kph-bench 1');
    expect(e).not.toBeNull();
    expect(e!.file).toBe('drivers/connector/cn_proc.c');
    const before = patch.split('\n');
    const after = e!.text.split('\n');
    expect(after.length).toBe(before.length);
    const changed = after.map((l, i) => (l === before[i] ? -1 : i)).filter((i) => i >= 0);
    expect(changed.length).toBe(1);
    expect(after[changed[0]!]).toBe(`+${e!.line.replace(/\s+$/, '')} /* kph-bench 1 */`);
    expect(e!.line).toMatch(/;\s*$/);
  });

  it('finds a line in a header, and says null when the patch adds no statement there', () => {
    expect(editAddedLine(patch, /^include\/linux\/cn_proc\.h$/, 'x')?.file).toBe('include/linux/cn_proc.h');
    expect(editAddedLine(patch, /^no\/such\/file\.c$/, 'x')).toBeNull();
  });

  it('never touches comment lines, macro continuations or lines that already hold a comment', () => {
    const p = ['diff --git a/k.c b/k.c', '--- a/k.c', '+++ b/k.c', '@@ -1,0 +1,5 @@', '+ * a comment line;', '+#define X(a) f(a);', '+\tg(); \\', '+\th(); /* why */', '+\ti = 1;', ''].join('\n');
    expect(editAddedLine(p, /\.c$/, 'n')!.line).toBe('\ti = 1;');
  });
});

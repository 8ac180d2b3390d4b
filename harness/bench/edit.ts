// "Edit one line, get a verdict": the benchmark changes one line a patch adds (a comment
// appended to a statement, so the kernel still builds and behaves the same) and times kph run
// from there. Pure: patch text in, patch text out.

export interface LineEdit {
  /** The patch with the line changed. */
  text: string;
  /** The file of the kernel tree the line is in. */
  file: string;
  /** The added line, before the edit (without its "+"). */
  line: string;
}

/**
 * Append `/* note *\/` to the first line the patch adds to a file matching `file` that is a
 * plain statement: ends with ";" and is not inside or the start of a comment, nor a macro's
 * continued line. The hunk's line counts stay as they were. Null when there is no such line.
 */
export function editAddedLine(patch: string, file: RegExp, note: string): LineEdit | null {
  const lines = patch.split('\n');
  let current: string | null = null;
  let inHunk = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('diff --git ')) {
      current = null;
      inHunk = false;
      continue;
    }
    const to = /^\+\+\+ b\/(.+)$/.exec(l);
    if (to) {
      current = to[1]!;
      continue;
    }
    if (l.startsWith('@@ ')) {
      inHunk = true;
      continue;
    }
    if (!inHunk || !current || !file.test(current) || !l.startsWith('+')) continue;
    const code = l.slice(1);
    if (!/;\s*$/.test(code) || /^\s*(\*|\/\*|\/\/|#)/.test(code) || /\/\*|\*\/|\/\//.test(code) || /\\\s*$/.test(code)) continue;
    lines[i] = `${l.replace(/\s+$/, '')} /* ${note} */`;
    return { text: lines.join('\n'), file: current, line: code };
  }
  return null;
}

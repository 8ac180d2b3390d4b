// A patch's hunks, and which line of the final tree each added line became. Pure.
//
// `kph run --coverage` counts the lines each patch of a series adds. A line added by patch k
// may move (later patches add or remove lines above it) or go (a later patch removes it), and a
// hunk may apply at an offset (`patch` says "succeeded at 153 (offset 14 lines)"). So the lines
// are not mapped through hunk headers: the series is applied again here, in memory, to the base
// files it touches, as GNU patch applies it (fuzz 0, each hunk at the place nearest the one its
// header names where its context and removed lines match exactly), and every line carries where
// it came from: the base, or patch k's hunk h, line i. The result is checked against the tree kph
// built (attributeSeries' `final`): a file whose simulated content differs is not mapped.

export interface HunkLine {
  kind: ' ' | '-' | '+';
  text: string;
}

export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** The whole `@@ -a,b +c,d @@ heading` line. */
  header: string;
  lines: HunkLine[];
}

export interface FileDiff {
  /** Tree-relative path before the patch; null for a new file. */
  oldPath: string | null;
  /** Tree-relative path after the patch; null for a deleted file. */
  newPath: string | null;
  hunks: Hunk[];
  /** A GIT binary patch: no hunks to read. */
  binary: boolean;
}

const strip = (p: string): string | null => {
  const q = p.replace(/^"|"$/g, '').replace(/\t.*$/, '');
  if (q === '/dev/null') return null;
  return q.replace(/^[ab]\//, '');
};

/**
 * The file sections of a patch (a `git format-patch` file, an mbox message or a plain diff): the
 * commit message and the signature after `-- ` are skipped, hunk bodies are read by their counts.
 */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const out: FileDiff[] = [];
  const lines = text.split('\n');
  let cur: FileDiff | null = null;
  let hunk: Hunk | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  /** A `diff --git` section whose ---/+++ lines are still to come (or never come: a pure rename, a mode change). */
  let pendingGit = false;
  const open = (o: string | null, n: string | null) => {
    cur = { oldPath: o, newPath: n, hunks: [], binary: false };
    out.push(cur);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const c = line[0];
      if (c === '\\') continue; // "\ No newline at end of file"
      if (c === '+') {
        hunk.lines.push({ kind: '+', text: line.slice(1) });
        newLeft--;
      } else if (c === '-') {
        hunk.lines.push({ kind: '-', text: line.slice(1) });
        oldLeft--;
      } else if (c === ' ' || line === '') {
        // An empty line inside a hunk is a context line whose space a mailer dropped.
        hunk.lines.push({ kind: ' ', text: line.slice(1) });
        oldLeft--;
        newLeft--;
      } else {
        hunk = null; // a malformed hunk: stop reading it
        i--;
      }
      continue;
    }
    hunk = null;
    let m = /^diff --git (\S+) (\S+)$/.exec(line);
    if (m) {
      open(strip(m[1]!), strip(m[2]!));
      pendingGit = true;
      continue;
    }
    if (cur && /^new file mode /.test(line)) (cur as FileDiff).oldPath = null;
    else if (cur && /^deleted file mode /.test(line)) (cur as FileDiff).newPath = null;
    else if (cur && (m = /^rename from (.+)$/.exec(line))) (cur as FileDiff).oldPath = strip(m[1]!);
    else if (cur && (m = /^rename to (.+)$/.exec(line))) (cur as FileDiff).newPath = strip(m[1]!);
    else if (cur && /^(GIT binary patch|Binary files )/.test(line)) (cur as FileDiff).binary = true;
    m = /^--- (\S+)/.exec(line);
    if (m && /^\+\+\+ (\S+)/.test(lines[i + 1] ?? '')) {
      const o = strip(m[1]!);
      const n = strip(/^\+\+\+ (\S+)/.exec(lines[i + 1]!)![1]!);
      // Inside a `diff --git` section, the ---/+++ lines name its files.
      const c = cur as FileDiff | null;
      if (c && pendingGit) {
        c.oldPath = o;
        c.newPath = n;
      } else open(o, n);
      pendingGit = false;
      i++;
      continue;
    }
    const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (h && cur) {
      hunk = {
        oldStart: Number(h[1]),
        oldCount: h[2] === undefined ? 1 : Number(h[2]),
        newStart: Number(h[3]),
        newCount: h[4] === undefined ? 1 : Number(h[4]),
        header: line,
        lines: [],
      };
      (cur as FileDiff).hunks.push(hunk);
      oldLeft = hunk.oldCount;
      newLeft = hunk.newCount;
      continue;
    }
    if (/^(diff |From [0-9a-f]{40} )/.test(line)) {
      cur = null;
      pendingGit = false;
    }
  }
  return out;
}

/** Where a line of the final tree came from: patch `patch` (0-based), its file section's hunk `hunk`, line `index` of that hunk. */
export interface LineOrigin {
  patch: number;
  /** Index of the file section in parseUnifiedDiff's result. */
  file: number;
  hunk: number;
  index: number;
}

export interface TrackedLine {
  text: string;
  /** null: the base's line. */
  origin: LineOrigin | null;
}

export interface Attribution {
  /** Every file the series leaves (touched files only), line by line with where each came from. */
  files: Map<string, TrackedLine[]>;
  /** Files whose simulated content is not what the tree holds, or whose hunks could not be placed: not mapped. */
  unmapped: { file: string; why: string }[];
  /** The parsed patches, in order (for rendering hunks). */
  diffs: FileDiff[][];
}

export const splitLines = (text: string): string[] => {
  const l = text.split('\n');
  if (l.length && l[l.length - 1] === '') l.pop();
  return l;
};

/**
 * Where a hunk's old lines are in `cur`: the position nearest `guess` (searched outward, later
 * first on a tie, as GNU patch does) at or after `min` where they match exactly; -1 if nowhere.
 */
export function placeHunk(cur: readonly string[], old: readonly string[], guess: number, min: number): number {
  const fits = (p: number) => p >= min && p + old.length <= cur.length && old.every((l, j) => cur[p + j] === l);
  const span = Math.max(cur.length, 1);
  for (let d = 0; d <= span; d++) {
    if (fits(guess + d)) return guess + d;
    if (d && fits(guess - d)) return guess - d;
  }
  return -1;
}

/**
 * Apply `patches` in memory to the files they touch, read from the base with `readBase` (null:
 * the base has no such file), tracking each line's origin. `readFinal` (when given) reads the
 * file as the built tree holds it: a file whose simulated content differs is dropped from
 * `files` and listed in `unmapped`.
 */
export function attributeSeries(patches: readonly string[], readBase: (path: string) => string | null, readFinal?: (path: string) => string | null): Attribution {
  const files = new Map<string, TrackedLine[]>();
  const broken = new Map<string, string>();
  const diffs = patches.map((p) => parseUnifiedDiff(p));
  const current = (path: string): TrackedLine[] | null => {
    if (files.has(path)) return files.get(path)!;
    const text = readBase(path);
    if (text === null) return null;
    const lines = splitLines(text).map((t) => ({ text: t, origin: null }));
    files.set(path, lines);
    return lines;
  };
  diffs.forEach((fileDiffs, k) => {
    fileDiffs.forEach((fd, f) => {
      const name = fd.newPath ?? fd.oldPath;
      if (!name || fd.binary) return;
      let lines: TrackedLine[];
      if (fd.oldPath === null) lines = [];
      else {
        const had = current(fd.oldPath);
        if (had === null) {
          broken.set(fd.oldPath, `patch ${k + 1} changes it, but the base has no such file`);
          return;
        }
        lines = [...had];
      }
      let shift = 0;
      let lastOffset = 0;
      let min = 0;
      for (const [h, hunk] of fd.hunks.entries()) {
        const old = hunk.lines.filter((l) => l.kind !== '+').map((l) => l.text);
        const stated = (hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1) + shift;
        const at = placeHunk(
          lines.map((l) => l.text),
          old,
          stated + lastOffset,
          min,
        );
        if (at < 0) {
          broken.set(name, `patch ${k + 1}'s hunk ${h + 1} (${hunk.header}) does not match the simulated file`);
          return;
        }
        lastOffset = at - stated;
        const next: TrackedLine[] = [];
        let j = at;
        hunk.lines.forEach((l, index) => {
          if (l.kind === ' ') next.push(lines[j++]!);
          else if (l.kind === '-') j++;
          else next.push({ text: l.text, origin: { patch: k, file: f, hunk: h, index } });
        });
        lines.splice(at, old.length, ...next);
        shift += next.length - old.length;
        min = at + next.length;
      }
      if (fd.oldPath && fd.oldPath !== fd.newPath) files.delete(fd.oldPath);
      if (fd.newPath) files.set(fd.newPath, lines);
    });
  });
  const unmapped: Attribution['unmapped'] = [...broken].map(([file, why]) => ({ file, why }));
  for (const file of broken.keys()) files.delete(file);
  if (readFinal) {
    for (const [file, lines] of files) {
      const text = readFinal(file);
      const want = text === null ? null : splitLines(text);
      if (want === null || want.length !== lines.length || want.some((l, i) => l !== lines[i]!.text)) {
        unmapped.push({ file, why: want === null ? 'the built tree has no such file' : 'the built tree holds other content than the patches give (mapped nowhere)' });
        files.delete(file);
      }
    }
  }
  return { files, unmapped, diffs };
}

/** The lines of the final tree a patch added, in file and line order (line is 1-based). */
export function addedLines(a: Attribution): { file: string; line: number; text: string; origin: LineOrigin }[] {
  const out: { file: string; line: number; text: string; origin: LineOrigin }[] = [];
  for (const file of [...a.files.keys()].sort()) {
    a.files.get(file)!.forEach((l, i) => {
      if (l.origin) out.push({ file, line: i + 1, text: l.text, origin: l.origin });
    });
  }
  return out;
}

// Patches and mailboxes as text: split an mbox into patches, list the files a patch touches,
// and read GNU patch's output for the failing file and hunk. Pure.
//
// An mbox as `git format-patch --stdout` or `b4 am` writes it:
//   From 1234abcd... Mon Sep 17 00:00:00 2001
//   From: Alban Crequy <alban@kinvolk.io>
//   Subject: [PATCH 1/2] connector: add namespace events
//   ...
//   diff --git a/kernel/nsproxy.c b/kernel/nsproxy.c

import type { PatchFile } from '../core/types.js';

const MBOX_FROM = /^From \S+ +\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}$/;

/** Split an mbox into its messages; each keeps its headers so `patch` can skip them. */
export function splitMbox(text: string, fileName: string): PatchFile[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  lines.forEach((l, i) => {
    if (MBOX_FROM.test(l)) starts.push(i);
  });
  if (starts.length === 0) return hasDiff(text) ? [{ name: fileName, text }] : [];
  const out: PatchFile[] = [];
  starts.forEach((s, k) => {
    const body = lines
      .slice(s, starts[k + 1] ?? lines.length)
      // mboxrd: a body line ">From " was "From " before quoting.
      .map((l) => (/^>+From /.test(l) ? l.slice(1) : l))
      .join('\n');
    if (!hasDiff(body)) return; // a cover letter (0/N) carries no diff
    const subject = /^Subject: (.*(?:\n[ \t].*)*)/m.exec(body)?.[1]?.replace(/\n[ \t]+/g, ' ') ?? '';
    out.push({ name: `${fileName}#${out.length + 1}${subject ? ` (${subject})` : ''}`, text: body.endsWith('\n') ? body : body + '\n' });
  });
  return out;
}

function hasDiff(text: string): boolean {
  return /^(diff --git |--- \S)/m.test(text) && /^\+\+\+ \S/m.test(text);
}

/**
 * The paths a patch's file headers name, as written (quotes removed, a/ b/ kept): `diff --git`,
 * `---`/`+++` and rename/copy lines. Hunk bodies are skipped by their line counts, so a removed
 * line that reads "-- x" (shown as "--- x") is never taken for a header.
 */
export function headerPaths(patchText: string): string[] {
  const out: string[] = [];
  const unquote = (p: string) => p.replace(/^"|"$/g, '');
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of patchText.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      const c = line[0];
      if (c === '\\') continue; // "\ No newline at end of file"
      if (c === '-') oldLeft--;
      else if (c === '+') newLeft--;
      else {
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      continue;
    }
    let m = /^diff --git (\S+) (\S+)$/.exec(line);
    if (m) {
      out.push(unquote(m[1]!), unquote(m[2]!));
      continue;
    }
    m = /^(?:---|\+\+\+) (\S+)/.exec(line);
    if (m && m[1] !== '/dev/null') {
      out.push(unquote(m[1]!));
      continue;
    }
    m = /^(?:rename|copy) (?:from|to) (.+)$/.exec(line);
    if (m) out.push(unquote(m[1]!));
  }
  return out;
}

/** Repository-relative paths a patch creates, changes or deletes (old and new names of renames). */
export function touchedFiles(patchText: string): string[] {
  return [...new Set(headerPaths(patchText).map((p) => p.replace(/^[ab]\//, '')))].sort();
}

/**
 * Paths of a patch that reach outside the tree it is applied to: absolute ones and any with a
 * ".." component. A series carrying one is refused before anything is applied.
 */
export function unsafePatchPaths(patchText: string): string[] {
  const bad = headerPaths(patchText).filter((p) => p.startsWith('/') || p.split('/').includes('..'));
  return [...new Set(bad)];
}

export interface PatchOutcome {
  ok: boolean;
  /** File patch was working on when it failed. */
  file: string | null;
  failedHunks: { hunk: number; line: number }[];
  /** Files patch could not find (a patch against another tree). */
  missingFiles: string[];
  reversed: boolean;
  /** "Hunk #2 succeeded at 140 (offset 3 lines)." — applied, but not where the patch said. */
  offsets: string[];
}

/**
 * Read GNU patch's output, e.g.
 *   patching file kernel/nsproxy.c
 *   Hunk #2 FAILED at 140.
 *   1 out of 2 hunks FAILED
 */
export function parsePatchOutput(output: string, exitCode: number): PatchOutcome {
  let current: string | null = null;
  let failedFile: string | null = null;
  const failed: { hunk: number; line: number }[] = [];
  const missing: string[] = [];
  const offsets: string[] = [];
  let reversed = false;
  let pendingMissing: string | null = null;
  for (const line of output.split('\n')) {
    let m = /^(?:patching|checking) file (.+)$/.exec(line);
    if (m) {
      current = m[1]!.replace(/^'|'$/g, '');
      continue;
    }
    m = /^Hunk #(\d+) FAILED at (\d+)/.exec(line);
    if (m) {
      failed.push({ hunk: Number(m[1]), line: Number(m[2]) });
      failedFile ??= current;
      continue;
    }
    if (/^Hunk #\d+ succeeded at .*(offset|fuzz)/.test(line)) {
      offsets.push(`${current ?? '?'}: ${line.trim()}`);
      continue;
    }
    // "can't find file to patch" comes first, then the patch text it read ("|+++ b/x.c"),
    // then "No file to patch.  Skipping patch."
    if (/can't find file to patch/.test(line)) {
      pendingMissing = '';
      continue;
    }
    m = /^\|(?:\+\+\+|---) (?:[ab]\/)?(\S+)/.exec(line);
    if (m && pendingMissing !== null && m[1] !== '/dev/null') pendingMissing = m[1]!;
    if (/^No file to patch/.test(line) && pendingMissing !== null) {
      if (pendingMissing) missing.push(pendingMissing);
      failedFile ??= pendingMissing || null;
      pendingMissing = null;
    }
    if (/Reversed \(or previously applied\) patch detected/.test(line)) {
      reversed = true;
      failedFile ??= current;
    }
  }
  return {
    ok: exitCode === 0 && failed.length === 0 && missing.length === 0 && !reversed,
    file: failedFile ?? (exitCode !== 0 ? current : null),
    failedHunks: failed,
    missingFiles: missing,
    reversed,
    offsets,
  };
}

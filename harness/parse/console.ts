// Find kernel splats in a serial console log and cut out the report a developer reads. Pure.
//
//   [   12.345678] BUG: kernel NULL pointer dereference, address: 0000000000000008
//   [   12.345900] Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI
//   [   12.346100] Call Trace: ...
//   [   12.350000] ---[ end trace 0000000000000000 ]---

export const SPLAT_PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'panic', re: /Kernel panic - not syncing/ },
  { name: 'bug', re: /\bBUG: |kernel BUG at / },
  { name: 'oops', re: /\bOops\b/ },
  { name: 'warning', re: /\bWARNING: / },
  { name: 'gpf', re: /general protection fault/ },
  { name: 'kasan', re: /\bKASAN\b/ },
  { name: 'ubsan', re: /\bUBSAN\b/ },
  { name: 'lockdep', re: /possible circular locking/ },
  { name: 'rcu-stall', re: /rcu_.* detected stall/ },
  { name: 'hung-task', re: /blocked for more than/ },
  { name: 'invalid-opcode', re: /invalid opcode/ },
];

export interface Splat {
  kind: string;
  /** The first matching line, timestamps stripped: the splat's title. */
  title: string;
  /** Line index in the console log. */
  line: number;
  excerpt: string[];
}

const PRINTK_TIME = /^\[\s*\d+\.\d+\]\s?/;

export function stripPrintkTime(line: string): string {
  return line.replace(PRINTK_TIME, '');
}

/**
 * A console line as the kernel wrote it: control characters (a serial BREAK, SysRq keys through
 * QEMU's monitor) and whatever they left before the time stamp removed, then the time stamp.
 */
export function kernelText(line: string): string {
  return stripPrintkTime(line.replace(/[\x00-\x1f\x7f]/g, '').replace(/^[^[]{1,8}(?=\[\s*\d+\.\d+\])/, ''));
}

/** The kind of splat a single line starts, or null. */
export function matchSplat(line: string): string | null {
  for (const p of SPLAT_PATTERNS) if (p.re.test(line)) return p.name;
  return null;
}

/** Every splat, deduplicated by title; each excerpt runs to "end trace" or 40 lines. */
export function findSplats(lines: string[], maxExcerpt = 40): Splat[] {
  const out: Splat[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const kind = matchSplat(lines[i]!);
    if (!kind) continue;
    // A title is the kernel's text alone (control characters can precede the time stamp).
    const title = kernelText(lines[i]!).trim();
    // WARN()/BUG() reports open with a "cut here" line: keep it with the report.
    const excerpt: string[] = i > 0 && /-\[ cut here \]-/.test(lines[i - 1]!) ? [lines[i - 1]!] : [];
    let j = i;
    for (; j < lines.length && excerpt.length < maxExcerpt + 1; j++) {
      excerpt.push(lines[j]!);
      if (/---\[ end (trace|Kernel panic)/.test(lines[j]!)) break;
    }
    // The lines of one report (Oops after BUG, the panic that follows) belong to the first.
    const covered = j;
    if (!seen.has(title)) {
      seen.add(title);
      out.push({ kind, title, line: i, excerpt });
    }
    i = Math.max(i, covered);
  }
  return out;
}

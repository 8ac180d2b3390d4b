// Find kernel splats in a serial console log and cut out the report a developer reads. Pure.
//
//   [   12.345678] BUG: kernel NULL pointer dereference, address: 0000000000000008
//   [   12.345900] Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI
//   [   12.346100] Call Trace: ...
//   [   12.350000] ---[ end trace 0000000000000000 ]---

export const SPLAT_PATTERNS: { name: string; re: RegExp }[] = [
  // The debug kernels' reports (--kconfig profiles) first: their headers also start with
  // "BUG: " or "WARNING: ", and their kind names the detector. The headers as the 6.12 sources
  // print them: mm/kasan/report.c, mm/kfence/report.c, lib/ubsan.c, kernel/locking/lockdep.c,
  // kernel/sched/core.c (__might_resched, __schedule_bug).
  { name: 'kasan', re: /\bBUG: KASAN: / },
  { name: 'kfence', re: /\bBUG: KFENCE: / },
  { name: 'ubsan', re: /\bUBSAN: [a-z]/ },
  {
    name: 'lockdep',
    re: /\bWARNING: (possible circular locking dependency|possible recursive locking|inconsistent lock state|possible irq lock inversion dependency|\S+-safe -> \S+-unsafe lock order detected|bad unlock balance detected|held lock freed|lock held when returning to user space|\S+ still has locks held|Nested lock was not taken|bad contention detected)/,
  },
  { name: 'rcu-lockdep', re: /\bWARNING: suspicious RCU usage/ },
  { name: 'atomic-sleep', re: /\bBUG: (sleeping function called from invalid context|scheduling while atomic)/ },
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

const RULE = /^={20,}\s*$/;
const TASK_END = /^\s*<\/TASK>\s*$/;

/**
 * Reports that run past 40 lines, and where they end: KASAN and KFENCE close with a rule of
 * "="; lockdep's, RCU's and might_sleep()'s with the stack of the task (after the dependency
 * chain, the unsafe scenario and the locks held), which the signature needs. They end before a
 * line that starts another report, so a report without a stack swallows no other.
 */
const LONG_REPORTS: Record<string, { max: number; end: (line: string, before: string[]) => boolean }> = {
  kasan: { max: 120, end: (l, before) => before.length > 1 && RULE.test(kernelText(l).trim()) },
  kfence: { max: 120, end: (l, before) => before.length > 1 && RULE.test(kernelText(l).trim()) },
  lockdep: { max: 160, end: (l, before) => TASK_END.test(kernelText(l)) && before.some((x) => /Call Trace:/.test(x)) },
  'rcu-lockdep': { max: 160, end: (l, before) => TASK_END.test(kernelText(l)) && before.some((x) => /Call Trace:/.test(x)) },
  'atomic-sleep': { max: 160, end: (l, before) => TASK_END.test(kernelText(l)) && before.some((x) => /Call Trace:/.test(x)) },
};

/**
 * Every splat, deduplicated by title; each excerpt runs to "end trace" or 40 lines (a
 * sanitizer's or lockdep's report: to its end, see LONG_REPORTS).
 */
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
    const long = LONG_REPORTS[kind];
    if (long) {
      for (; j < lines.length && excerpt.length < long.max; j++) {
        if (j > i && matchSplat(lines[j]!)) {
          j--; // the next report starts here: it is found on its own
          break;
        }
        excerpt.push(lines[j]!);
        if (long.end(lines[j]!, excerpt) || /---\[ end (trace|Kernel panic)/.test(lines[j]!)) break;
      }
    } else {
      for (; j < lines.length && excerpt.length < maxExcerpt + 1; j++) {
        excerpt.push(lines[j]!);
        if (/---\[ end (trace|Kernel panic)/.test(lines[j]!)) break;
      }
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

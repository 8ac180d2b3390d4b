// Which objects a coverage kernel profiles, and the Kbuild lines that say so. Pure.
//
// `kph run --coverage` builds the series' kernel with CONFIG_GCOV_KERNEL but not
// GCOV_PROFILE_ALL (the whole kernel profiled is far slower under TCG, and says nothing about
// the series): only the objects built from the C files the series' patches touch are profiled,
// by `GCOV_PROFILE_<stem>.o := y` lines appended to the Kbuild file of their directory
// (Documentation/dev-tools/gcov.rst), in kph's own copy of the patched tree.
//   - The Kbuild file is what kbuild reads: `Kbuild` when the directory has one, else `Makefile`
//     (scripts/Kbuild.include: kbuild-file). A directory with neither is looked up in its parents,
//     the stem then the path below that parent (`obj-y += sub/foo.o`; scripts/Makefile.lib's
//     target-stem).
//   - A C file that is not an object of its own but #included by others (kernel/sched/rt.c, in
//     build_policy.c) is profiled through the objects that include it: the C files of its
//     directory that `#include "<name>.c"`.
//   - Files outside the kernel's build (tools/, scripts/, Documentation/, samples/) are left alone,
//     and so are objects not linked into the kernel image (the boot code, the vDSO, the real-mode
//     trampoline, purgatory, the EFI stub: gcov.rst, "Only files which are linked to the main
//     kernel image ... are supported") and those whose Kbuild file says `GCOV_PROFILE := n` or
//     `GCOV_PROFILE_<stem>.o := n` (a per-object `y` would override the directory's `n`).
// Headers are not objects: the lines a patch adds to a header are counted where a profiled
// object includes them and gcov instruments them (coverage/report.ts), and nowhere else.

export interface GcovPlan {
  /** Kbuild file (tree-relative) → the lines appended to it. */
  makefiles: Map<string, string[]>;
  /** Touched C files and the objects profiled for each ("kernel/fork.c" → ["kernel/fork.o"]). */
  objects: Map<string, string[]>;
  /** Touched C files not profiled, and why. */
  skipped: { file: string; why: string }[];
}

export interface TreeReader {
  exists(path: string): boolean;
  read(path: string): string | null;
  /** The names in a directory (files only matter), or [] when there is none. */
  list(dir: string): string[];
}

const OUTSIDE = /^(tools|scripts|Documentation|samples|usr\/include)\//;
/** Built, but not into the kernel image: profiling them breaks their link. */
const NOT_IN_IMAGE = /^(arch\/[^/]+\/(boot|realmode|purgatory)\/|arch\/[^/]+\/entry\/vdso\/|arch\/[^/]+\/kernel\/vdso|drivers\/firmware\/efi\/libstub\/)/;

/** Whether a Kbuild file excludes the object `stem` from gcov: `GCOV_PROFILE := n` or `GCOV_PROFILE_<stem>.o := n`. */
export function excludedFromGcov(kbuild: string, stem: string): boolean {
  const esc = stem.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return new RegExp(`^\\s*GCOV_PROFILE(?:_${esc}\\.o)?\\s*[:+]?=\\s*n`, 'm').test(kbuild);
}

const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const join = (d: string, f: string) => (d && f ? `${d}/${f}` : d || f);

/** The Kbuild file kbuild reads for objects of `dir`: its own, or the nearest parent's, with the stem prefix below it. */
function kbuildFileFor(dir: string, tree: TreeReader): { file: string; prefix: string } | null {
  let d = dir;
  let prefix = '';
  for (;;) {
    for (const name of ['Kbuild', 'Makefile']) if (tree.exists(join(d, name))) return { file: join(d, name), prefix };
    if (!d) return null;
    prefix = join(baseOf(d), prefix);
    d = dirOf(d);
  }
}

/** The C files of `dir` that `#include "<name>"` (or a path ending in it). */
function includers(dir: string, name: string, tree: TreeReader): string[] {
  const re = new RegExp(`^\\s*#\\s*include\\s+"(?:[^"]*/)?${name.replace(/[.]/g, '\\.')}"`, 'm');
  return tree
    .list(dir)
    .filter((f) => f.endsWith('.c') && f !== name)
    .filter((f) => re.test(tree.read(join(dir, f)) ?? ''))
    .map((f) => join(dir, f))
    .sort();
}

export const GCOV_MARK = '# kph --coverage: gcov profiling of the objects the series touches';

/**
 * The plan for the touched C files (tree-relative paths of files the series leaves in the tree),
 * read against the patched tree: which Kbuild files get which lines.
 */
export function planGcovProfiling(touchedC: readonly string[], tree: TreeReader): GcovPlan {
  const makefiles = new Map<string, string[]>();
  const objects = new Map<string, string[]>();
  const skipped: GcovPlan['skipped'] = [];
  for (const file of [...new Set(touchedC)].sort()) {
    if (!file.endsWith('.c')) continue;
    if (OUTSIDE.test(file)) {
      skipped.push({ file, why: 'not part of the kernel build (tools, scripts, documentation, samples)' });
      continue;
    }
    if (NOT_IN_IMAGE.test(file)) {
      skipped.push({ file, why: 'not linked into the kernel image (boot code, vDSO, real mode, purgatory, EFI stub): gcov cannot profile it' });
      continue;
    }
    if (!tree.exists(file)) continue; // deleted by the series
    const dir = dirOf(file);
    const name = baseOf(file);
    const sources = [file, ...includers(dir, name, tree)];
    const objs: string[] = [];
    const excluded: string[] = [];
    for (const src of sources) {
      const k = kbuildFileFor(dirOf(src), tree);
      if (!k) continue;
      const stem = join(k.prefix, baseOf(src).replace(/\.c$/, ''));
      if (excludedFromGcov(tree.read(k.file) ?? '', stem)) {
        excluded.push(k.file);
        continue;
      }
      const line = `GCOV_PROFILE_${stem}.o := y`;
      const lines = makefiles.get(k.file) ?? [];
      if (!lines.includes(line)) lines.push(line);
      makefiles.set(k.file, lines);
      objs.push(src.replace(/\.c$/, '.o'));
    }
    if (objs.length) objects.set(file, objs);
    else if (excluded.length) skipped.push({ file, why: `${excluded[0]} excludes it from gcov profiling (GCOV_PROFILE := n)` });
    else skipped.push({ file, why: 'no Kbuild file or Makefile above it' });
  }
  return { makefiles, objects, skipped };
}

/** A Kbuild file with the plan's lines appended (once: a file that has the block already gets it replaced). */
export function withGcovLines(text: string, lines: readonly string[]): string {
  const at = text.indexOf(`\n${GCOV_MARK}\n`);
  const body = at >= 0 ? text.slice(0, at + 1) : text;
  return `${body}${body.endsWith('\n') || !body ? '' : '\n'}${GCOV_MARK}\n${lines.join('\n')}\n`;
}

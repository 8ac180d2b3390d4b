// Compiler warnings of a build log, per source file, and what a patch changed about them. Pure.
//
// An incremental build only shows the warnings of what it recompiled, so the reference is kept
// as state: the warnings of every file as of the last step that compiled it. A step's new
// warnings are those in the files its patch touched that the state did not have (ktest.pl's
// patchcheck rule, "a patch must not add warnings to the files it touches", made relative to
// the step before). Two warnings are the same when file, enclosing function and message are:
// line numbers shift whenever a patch adds lines above, so they are not part of it.
//
//   ../src/kernel/nsproxy.c: In function 'unshare_nsproxy_namespaces':
//   ../src/kernel/nsproxy.c:35:12: warning: 'nsproxies_in_use' defined but not used [-Wunused-function]
//     CC      kernel/nsproxy.o

export interface CompilerWarning {
  /** Tree-relative path: kernel/nsproxy.c */
  file: string;
  line: number;
  /** "'nsproxies_in_use' defined but not used [-Wunused-function]" */
  message: string;
  /** The function the compiler named before it ("In function 'x'"), when it did. */
  function?: string;
}

/** What was per file at the last step that compiled it: file → warning keys. */
export type WarningState = Map<string, Set<string>>;

/** A path as gcc printed it → tree-relative (../src/kernel/x.c, /abs/.../src/kernel/x.c, ./include/...). */
export function treePath(p: string, srcDir?: string): string {
  if (srcDir && p.startsWith(`${srcDir.replace(/\/$/, '')}/`)) return p.slice(srcDir.replace(/\/$/, '').length + 1);
  return p.replace(/^(?:\.\.\/)+src\//, '').replace(/^\.\//, '');
}

const WARNING = /^(\S+?):(\d+):(?:\d+:)? warning: (.*)$/;
const CONTEXT = /^(\S+?): (?:In (?:function|member function|static function) '([^']+)'|At top level):$/;

/** Every compiler warning of a build log, in order. */
export function parseCompilerWarnings(log: string, srcDir?: string): CompilerWarning[] {
  const out: CompilerWarning[] = [];
  const context = new Map<string, string | undefined>();
  for (const line of log.split('\n')) {
    const c = CONTEXT.exec(line);
    if (c) {
      context.set(treePath(c[1]!, srcDir), c[2]);
      continue;
    }
    const w = WARNING.exec(line);
    if (!w) continue;
    const file = treePath(w[1]!, srcDir);
    const fn = context.get(file);
    out.push({ file, line: Number(w[2]), message: w[3]!.trim(), ...(fn ? { function: fn } : {}) });
  }
  return out;
}

/** The identity of a warning across steps: its function and message, not its line. */
export function warningKey(w: CompilerWarning): string {
  return `${w.function ?? ''}\u0000${w.message}`;
}

/** "kernel/nsproxy.c:35: 'x' defined but not used [-Wunused-function]" (with "in f()" when known). */
export function formatWarning(w: CompilerWarning): string {
  return `${w.file}:${w.line}: ${w.function ? `in ${w.function}(): ` : ''}${w.message}`;
}

/**
 * The sources kbuild compiled in this log, from its quiet lines: "  CC      kernel/nsproxy.o"
 * is kernel/nsproxy.c, "  AS      arch/x86/entry/entry_64.o" is .S. The link's kallsyms
 * objects are left out.
 */
export function compiledSources(log: string): string[] {
  const out = new Set<string>();
  for (const line of log.split('\n')) {
    const m = /^\s+(CC|AS)\s+(\S+)\.o$/.exec(line);
    // .tmp_vmlinux*.kallsyms: the link's symbol tables, made again by every link
    if (m && !m[2]!.startsWith('.tmp_')) out.add(`${m[2]}.${m[1] === 'AS' ? 'S' : 'c'}`);
  }
  return [...out].sort();
}

function group(warnings: CompilerWarning[]): Map<string, CompilerWarning[]> {
  const by = new Map<string, CompilerWarning[]>();
  for (const w of warnings) by.set(w.file, [...(by.get(w.file) ?? []), w]);
  return by;
}

export interface WarningDiff {
  /** In a touched file now, not there before (one per key: a header seen by ten units counts once). */
  added: CompilerWarning[];
  /** In a touched file before, gone now. */
  removed: { file: string; key: string; message: string; function?: string }[];
  /** Every warning in the touched files now (one per key). */
  inTouched: CompilerWarning[];
}

/**
 * What a step changed in the warnings of the files its patch touched, against the state
 * before it. A touched file the step did not recompile and that printed nothing keeps its
 * state: an incremental build says nothing about it.
 */
export function diffWarnings(before: WarningState, step: CompilerWarning[], touched: string[], compiled: string[]): WarningDiff {
  const now = group(step);
  const recompiled = new Set(compiled);
  const added: CompilerWarning[] = [];
  const removed: WarningDiff['removed'] = [];
  const inTouched: CompilerWarning[] = [];
  for (const file of [...new Set(touched)].sort()) {
    const old = before.get(file) ?? new Set<string>();
    const seen = new Set<string>();
    for (const w of now.get(file) ?? []) {
      const k = warningKey(w);
      if (seen.has(k)) continue;
      seen.add(k);
      inTouched.push(w);
      if (!old.has(k)) added.push(w);
    }
    // Gone only when the step did look at the file again: it compiled it, or it printed
    // something for it (a header is seen through the units that include it).
    if (!recompiled.has(file) && !now.has(file)) continue;
    for (const k of old) {
      if (seen.has(k)) continue;
      const [fn, message] = k.split('\u0000') as [string, string];
      removed.push({ file, key: k, message, ...(fn ? { function: fn } : {}) });
    }
  }
  return { added, removed, inTouched };
}

/**
 * The state after a step that built. A file the step compiled or whose patch touched it gets
 * what this step printed for it (nothing when it printed nothing). Any other file the step
 * printed warnings for (a header, seen through the units that were recompiled, which may be a
 * few of those that include it) keeps what it had and gains what was printed. The rest stays.
 */
export function nextWarningState(before: WarningState, step: CompilerWarning[], touched: string[], compiled: string[]): WarningState {
  const next = new Map([...before].map(([f, s]) => [f, new Set(s)] as const));
  const now = group(step);
  const replaced = new Set([...compiled, ...touched]);
  for (const file of replaced) next.set(file, new Set((now.get(file) ?? []).map(warningKey)));
  for (const [file, ws] of now) {
    if (replaced.has(file)) continue;
    next.set(file, new Set([...(next.get(file) ?? []), ...ws.map(warningKey)]));
  }
  for (const [f, s] of next) if (!s.size) next.delete(f);
  return next;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiledSources, diffWarnings, formatWarning, nextWarningState, parseCompilerWarnings, treePath, warningKey, type WarningState } from './warnings.js';

const fx = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');

// gcc 12's lines for kernel/nsproxy.c with breaks-at-2's patch 1 applied, as kbuild (O=, ccache
// with base_dir) prints them.
const PATCH1 = `  CC      kernel/nsproxy.o
../src/kernel/nsproxy.c:35:12: warning: 'nsproxies_in_use' defined but not used [-Wunused-function]
   35 | static int nsproxies_in_use(void)
      |            ^~~~~~~~~~~~~~~~
  AR      kernel/built-in.a
`;

describe('parseCompilerWarnings', () => {
  it('takes the file tree-relative, the line, the message with its -W flag', () => {
    expect(parseCompilerWarnings(PATCH1)).toEqual([{ file: 'kernel/nsproxy.c', line: 35, message: "'nsproxies_in_use' defined but not used [-Wunused-function]" }]);
  });

  it('keeps the function gcc named before the warning, and forgets it at "At top level"', () => {
    const log = [
      "../src/kernel/fork.c: In function 'copy_process':",
      "../src/kernel/fork.c:2301:13: warning: unused variable 'x' [-Wunused-variable]",
      '../src/kernel/fork.c: At top level:',
      "../src/kernel/fork.c:40:12: warning: 'y' defined but not used [-Wunused-function]",
    ].join('\n');
    const w = parseCompilerWarnings(log);
    expect(w.map((x) => x.function)).toEqual(['copy_process', undefined]);
    expect(formatWarning(w[0]!)).toBe("kernel/fork.c:2301: in copy_process(): unused variable 'x' [-Wunused-variable]");
  });

  it('a real failed build (the does-not-compile fixture): errors and notes are not warnings', () => {
    expect(parseCompilerWarnings(fx('build-error.log'))).toEqual([]);
  });

  it('paths: ../src/, the absolute source folder, ./ of the build folder', () => {
    expect(treePath('../src/include/linux/audit.h')).toBe('include/linux/audit.h');
    expect(treePath('/c/work/b/s/src/kernel/audit.c', '/c/work/b/s/src')).toBe('kernel/audit.c');
    expect(treePath('./include/generated/autoconf.h')).toBe('include/generated/autoconf.h');
  });
});

describe('compiledSources', () => {
  it("reads kbuild's CC and AS lines of a real log (not HOSTCC)", () => {
    const c = compiledSources(fx('build-error.log'));
    expect(c).toContain('kernel/nsproxy.c');
    expect(c).toContain('init/main.c');
    expect(c.some((f) => f.startsWith('scripts/basic/') || f.startsWith('scripts/kconfig/'))).toBe(false); // HOSTCC
    expect(compiledSources('  AS      arch/x86/entry/entry_64.o\n  HOSTCC  scripts/basic/fixdep\n')).toEqual(['arch/x86/entry/entry_64.S']);
  });
});

describe('diffWarnings and nextWarningState (ktest rule: per touched file, against step k-1)', () => {
  const w = (file: string, line: number, message: string, fn?: string) => ({ file, line, message, ...(fn ? { function: fn } : {}) });
  const unused = w('kernel/nsproxy.c', 35, "'nsproxies_in_use' defined but not used [-Wunused-function]");

  it('a warning the patch brings into its file is new; the same one moved down 4 lines is not', () => {
    const d1 = diffWarnings(new Map(), [unused], ['kernel/nsproxy.c'], ['kernel/nsproxy.c']);
    expect(d1.added).toEqual([unused]);
    const s1 = nextWarningState(new Map(), [unused], ['kernel/nsproxy.c'], ['kernel/nsproxy.c']);
    const d2 = diffWarnings(s1, [{ ...unused, line: 39 }], ['kernel/nsproxy.c'], ['kernel/nsproxy.c']);
    expect(d2.added).toEqual([]);
    expect(d2.inTouched).toHaveLength(1);
  });

  it('a warning the patch removes is gone; only when the file was looked at again', () => {
    const s1: WarningState = new Map([['kernel/nsproxy.c', new Set([warningKey(unused)])]]);
    expect(diffWarnings(s1, [], ['kernel/nsproxy.c'], ['kernel/nsproxy.c']).removed).toEqual([{ file: 'kernel/nsproxy.c', key: warningKey(unused), message: unused.message }]);
    // touched but not recompiled (not in this config): nothing can be said
    expect(diffWarnings(s1, [], ['kernel/nsproxy.c'], []).removed).toEqual([]);
  });

  it('warnings in files the patch did not touch are not the patch\'s (a header seen through a recompiled unit)', () => {
    const hdr = w('include/linux/audit.h', 10, 'x [-Wfoo]');
    expect(diffWarnings(new Map(), [hdr, unused], ['kernel/nsproxy.c'], ['kernel/nsproxy.c']).added).toEqual([unused]);
  });

  it('a header warning printed by ten units counts once', () => {
    const hdr = w('include/linux/ns.h', 10, 'x [-Wfoo]');
    const d = diffWarnings(new Map(), Array.from({ length: 10 }, () => hdr), ['include/linux/ns.h'], ['kernel/a.c']);
    expect(d.added).toHaveLength(1);
  });

  it('the state: compiled and touched files are replaced; headers seen through a few units gain, never lose', () => {
    const hdrA = w('include/linux/ns.h', 10, 'a [-Wfoo]');
    const hdrB = w('include/linux/ns.h', 20, 'b [-Wfoo]');
    let s = nextWarningState(new Map(), [hdrA, hdrB, unused], [], ['kernel/nsproxy.c', 'kernel/fork.c']);
    expect([...s.keys()].sort()).toEqual(['include/linux/ns.h', 'kernel/nsproxy.c']);
    // a later step recompiles one unit that prints only hdrA: the header keeps hdrB
    s = nextWarningState(s, [hdrA], ['kernel/fork.c'], ['kernel/fork.c']);
    expect(s.get('include/linux/ns.h')?.size).toBe(2);
    // nsproxy.c recompiled clean: its warning is dropped
    s = nextWarningState(s, [], ['kernel/nsproxy.c'], ['kernel/nsproxy.c']);
    expect(s.has('kernel/nsproxy.c')).toBe(false);
  });

  it('same message in two functions is two warnings', () => {
    const a = w('kernel/fork.c', 1, "unused variable 'x' [-Wunused-variable]", 'f');
    const b = w('kernel/fork.c', 9, "unused variable 'x' [-Wunused-variable]", 'g');
    expect(diffWarnings(new Map(), [a, b], ['kernel/fork.c'], ['kernel/fork.c']).added).toHaveLength(2);
  });
});

describe('on the real build logs of kph patchcheck of breaks-at-2 (steps 1 to 3, incremental)', () => {
  const step = (k: number) => fx(`breaks-at-2-step${k}.log`);
  const touched = ['kernel/nsproxy.c'];

  it('each step compiled kernel/nsproxy.c and what every link redoes, nothing else', () => {
    expect(compiledSources(step(1))).toEqual(['arch/x86/boot/compressed/misc.c', 'arch/x86/boot/compressed/piggy.S', 'arch/x86/boot/header.S', 'arch/x86/boot/version.c', 'init/version-timestamp.c', 'kernel/nsproxy.c']);
    expect(compiledSources(step(2))).toEqual(['kernel/nsproxy.c']);
  });

  it('patch 1 adds the unused-function warning; failed patch 2 prints it again (not new); patch 3, against step 1, clears it', () => {
    const w1 = parseCompilerWarnings(step(1));
    const d1 = diffWarnings(new Map(), w1, touched, compiledSources(step(1)));
    expect(d1.added.map(formatWarning)).toEqual(["kernel/nsproxy.c:35: 'nsproxies_in_use' defined but not used [-Wunused-function]"]);
    const s1 = nextWarningState(new Map(), w1, touched, compiledSources(step(1)));
    expect(diffWarnings(s1, parseCompilerWarnings(step(2)), touched, compiledSources(step(2))).added).toEqual([]);
    const d3 = diffWarnings(s1, parseCompilerWarnings(step(3)), touched, compiledSources(step(3)));
    expect(d3.added).toEqual([]);
    expect(d3.removed.map((r) => r.message)).toEqual(["'nsproxies_in_use' defined but not used [-Wunused-function]"]);
  });
});

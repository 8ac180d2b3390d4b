import { describe, expect, it } from 'vitest';
import { excludedFromGcov, GCOV_MARK, planGcovProfiling, withGcovLines, type TreeReader } from './objects.js';

/** An in-memory tree: path → content. */
function tree(files: Record<string, string>): TreeReader {
  return {
    exists: (p) => p in files,
    read: (p) => files[p] ?? null,
    list: (d) => Object.keys(files).filter((p) => p.startsWith(`${d}/`) && !p.slice(d.length + 1).includes('/')).map((p) => p.slice(d.length + 1)),
  };
}

// As in Linux 6.12: kernel/sched/build_policy.c #includes rt.c (not an object of its own), and
// arch/x86 has a Kbuild file beside its Makefile (kbuild reads Kbuild).
const t = tree({
  'kernel/Makefile': 'obj-y = fork.o exec_domain.o panic.o\n',
  'kernel/fork.c': 'int x;\n',
  'kernel/nsproxy.c': 'int y;\n',
  'kernel/sched/Makefile': 'obj-y += fair.o\nobj-y += build_policy.o\n',
  'kernel/sched/build_policy.c': '#include "idle.c"\n#include "rt.c"\n',
  'kernel/sched/rt.c': 'int rt;\n',
  'kernel/sched/fair.c': 'int fair;\n',
  'arch/x86/Kbuild': 'obj-y += kernel/\n',
  'arch/x86/Makefile': 'KBUILD_CFLAGS += -m64\n',
  'arch/x86/foo.c': 'int foo;\n',
  'tools/perf/builtin-top.c': 'int top;\n',
  'drivers/connector/Makefile': 'obj-$(CONFIG_PROC_EVENTS) += cn_proc.o\n',
  'drivers/connector/cn_proc.c': 'int cn;\n',
  'drivers/weird/sub/only.c': 'int only;\n',
  'drivers/weird/Makefile': 'obj-y += sub/only.o\n',
  // As in 6.12: arch/x86/platform/efi/Makefile says GCOV_PROFILE := n; lib/Makefile one object's n.
  'arch/x86/platform/efi/Makefile': 'OBJECT_FILES_NON_STANDARD_efi_thunk_$(BITS).o := y\nGCOV_PROFILE := n\nobj-$(CONFIG_EFI) += efi.o\n',
  'arch/x86/platform/efi/efi.c': 'int efi;\n',
  'lib/Makefile': 'GCOV_PROFILE_test_bitmap.o := n\nobj-y += test_bitmap.o string.o\n',
  'lib/test_bitmap.c': 'int tb;\n',
  'lib/string.c': 'int s;\n',
  'arch/x86/entry/vdso/Makefile': 'vobjs-y := vclock_gettime.o\n',
  'arch/x86/entry/vdso/vclock_gettime.c': 'int v;\n',
  'arch/x86/boot/Makefile': 'setup-y += main.o\n',
  'arch/x86/boot/main.c': 'int m;\n',
});

describe('planGcovProfiling', () => {
  it('profiles each touched C file by a line in its directory\'s Kbuild file, once per object', () => {
    const p = planGcovProfiling(['kernel/nsproxy.c', 'kernel/fork.c', 'drivers/connector/cn_proc.c', 'kernel/fork.c'], t);
    expect(Object.fromEntries(p.makefiles)).toEqual({
      'drivers/connector/Makefile': ['GCOV_PROFILE_cn_proc.o := y'],
      'kernel/Makefile': ['GCOV_PROFILE_fork.o := y', 'GCOV_PROFILE_nsproxy.o := y'],
    });
    expect(p.objects.get('kernel/fork.c')).toEqual(['kernel/fork.o']);
    expect(p.skipped).toEqual([]);
  });
  it('profiles a C file that others #include through them too', () => {
    const p = planGcovProfiling(['kernel/sched/rt.c', 'kernel/sched/fair.c'], t);
    expect(p.makefiles.get('kernel/sched/Makefile')).toEqual(['GCOV_PROFILE_fair.o := y', 'GCOV_PROFILE_rt.o := y', 'GCOV_PROFILE_build_policy.o := y']);
    expect(p.objects.get('kernel/sched/rt.c')).toEqual(['kernel/sched/rt.o', 'kernel/sched/build_policy.o']);
  });
  it('writes to Kbuild when the directory has one, to a parent\'s file with the path below it when it has none', () => {
    const p = planGcovProfiling(['arch/x86/foo.c', 'drivers/weird/sub/only.c'], t);
    expect(Object.fromEntries(p.makefiles)).toEqual({ 'arch/x86/Kbuild': ['GCOV_PROFILE_foo.o := y'], 'drivers/weird/Makefile': ['GCOV_PROFILE_sub/only.o := y'] });
  });
  it('leaves out tools and files the series deleted, and headers', () => {
    const p = planGcovProfiling(['tools/perf/builtin-top.c', 'kernel/gone.c', 'include/linux/nsproxy.h'], t);
    expect(p.makefiles.size).toBe(0);
    expect(p.skipped).toEqual([{ file: 'tools/perf/builtin-top.c', why: expect.stringContaining('not part of the kernel build') }]);
  });
});

describe('what gcov cannot or must not profile', () => {
  it('leaves out what its Makefile excludes (GCOV_PROFILE := n, or the object\'s own n), and code outside the kernel image', () => {
    const p = planGcovProfiling(['arch/x86/platform/efi/efi.c', 'lib/test_bitmap.c', 'lib/string.c', 'arch/x86/entry/vdso/vclock_gettime.c', 'arch/x86/boot/main.c'], t);
    expect(Object.fromEntries(p.makefiles)).toEqual({ 'lib/Makefile': ['GCOV_PROFILE_string.o := y'] });
    expect(p.skipped.map((x) => [x.file, x.why.split(' ').slice(0, 3).join(' ')])).toEqual([
      ['arch/x86/boot/main.c', 'not linked into'],
      ['arch/x86/entry/vdso/vclock_gettime.c', 'not linked into'],
      ['arch/x86/platform/efi/efi.c', 'arch/x86/platform/efi/Makefile excludes it'],
      ['lib/test_bitmap.c', 'lib/Makefile excludes it'],
    ]);
  });
  it('reads GCOV_PROFILE := n for the directory and GCOV_PROFILE_<stem>.o := n for one object, nothing else', () => {
    expect(excludedFromGcov('GCOV_PROFILE := n\n', 'x')).toBe(true);
    expect(excludedFromGcov('GCOV_PROFILE_curve25519-x86_64.o := n\n', 'curve25519-x86_64')).toBe(true);
    expect(excludedFromGcov('GCOV_PROFILE_curve25519-x86_64.o := n\n', 'other')).toBe(false);
    expect(excludedFromGcov('ifdef CONFIG_GCOV_PROFILE_FTRACE\nGCOV_PROFILE := y\nendif\n', 'trace')).toBe(false);
    expect(excludedFromGcov('GCOV_PROFILE_ALL := n\n', 'x')).toBe(false);
  });
});

describe('withGcovLines', () => {
  it('appends the block after the file\'s own text, and replaces it rather than adding it twice', () => {
    const once = withGcovLines('obj-y = fork.o\n', ['GCOV_PROFILE_fork.o := y']);
    expect(once).toBe(`obj-y = fork.o\n${GCOV_MARK}\nGCOV_PROFILE_fork.o := y\n`);
    expect(withGcovLines(once, ['GCOV_PROFILE_pid.o := y'])).toBe(`obj-y = fork.o\n${GCOV_MARK}\nGCOV_PROFILE_pid.o := y\n`);
    expect(withGcovLines('obj-y = a.o', ['X := y'])).toBe(`obj-y = a.o\n${GCOV_MARK}\nX := y\n`);
  });
});

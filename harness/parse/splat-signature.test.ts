// Signatures of real splats: the fixture series oops-on-unshare (BUG() in ksys_unshare),
// warn-on-setns (WARN in setns) and hang-d-state (a task in D state in unshare), each as the
// e2e runs' consoles caught them (harness/test/fixtures/splats/, console/), on separate boots.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSplats, type Splat } from './console.js';
import { describeSplat, normalizeFrame, splatSignature, stableTitle } from './splat-signature.js';

const fx = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', ...p), 'utf8').split('\n');
const first = (...p: string[]): Splat => findSplats(fx(...p))[0]!;

describe('splatSignature on real splats', () => {
  const bug1 = first('splats', 'bug-unshare-boot1.log');
  const bug2 = first('console', 'oops-bug-in-unshare.log');
  const bugInBoot = first('console', 'boot-then-oops-in-unshare.log');
  const warn1 = first('splats', 'warning-setns-boot1.log');
  const warn2 = first('splats', 'warning-setns-boot2.log');
  const hung = first('splats', 'hung-task-unshare.log');

  it('the BUG in ksys_unshare: the RIP frame; its callers are all guesses ("? ") here, so none is taken', () => {
    expect(describeSplat(bug1)).toEqual({ kind: 'bug', frames: ['ksys_unshare'], text: 'bug: ksys_unshare' });
  });

  it('a stale guess on the stack (? handle_irq_event, seen on one boot of warn-on-setns) changes nothing: the title and RIP name the function', () => {
    const stale = { ...warn1, excerpt: warn1.excerpt.flatMap((l) => (/<TASK>/.test(l) ? [l, l.replace(/<TASK>.*/, ' ? handle_irq_event+0x34/0x43')] : [l])) };
    expect(stale.excerpt.join('\n')).toContain('? handle_irq_event');
    expect(splatSignature(stale)).toBe(splatSignature(warn1));
  });

  it('with no RIP and no function in the title, the guesses are what there is', () => {
    const bare = { kind: bug1.kind, title: 'kernel BUG at ../src/kernel/fork.c:3300!', excerpt: ['Call Trace:', ' <TASK>', ' ? ksys_unshare+0x4a/0x33d', ' ? __x64_sys_unshare+0xd/0x10', ' ? do_syscall_64+0x4e/0xa4', ' </TASK>'] };
    expect(splatSignature(bare)).toBe('bug: ksys_unshare < __x64_sys_unshare');
  });

  it('the WARNING in setns: the function the title names; do_syscall_64 and entry_SYSCALL_64 are generic', () => {
    expect(splatSignature(warn1)).toBe('warning: __x64_sys_setns');
  });

  it('the hung task: the scheduler frames dropped, compiler suffixes (.isra.0) too', () => {
    expect(describeSplat(hung).frames).toEqual(['kph_hang_uninterruptible', 'ksys_unshare', '__x64_sys_unshare']);
    expect(splatSignature(hung)).toBe('hung-task: kph_hang_uninterruptible < ksys_unshare < __x64_sys_unshare');
  });

  it('one bug on different boots (other PIDs, times, registers, a whole boot log) has one signature', () => {
    expect(bug1.excerpt.join('\n')).not.toBe(bug2.excerpt.join('\n'));
    expect(splatSignature(bug2)).toBe(splatSignature(bug1));
    expect(splatSignature(bugInBoot)).toBe(splatSignature(bug1));
    expect(warn1.excerpt.join('\n')).not.toBe(warn2.excerpt.join('\n'));
    expect(splatSignature(warn2)).toBe(splatSignature(warn1));
  });

  it('one bug in another build (offsets, sizes and line numbers moved by a patch above it) has one signature', () => {
    const moved = (s: Splat): Splat => {
      const shift = (l: string) => l.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '+0x77/0x500').replace(/\.c:\d+/g, '.c:9999');
      return { ...s, title: shift(s.title), excerpt: s.excerpt.map(shift) };
    };
    expect(splatSignature(moved(warn1))).toBe(splatSignature(warn1));
    expect(splatSignature(moved(bug1))).toBe(splatSignature(bug1));
  });

  it('different bugs differ, the same function hit by a different kind of report too', () => {
    const all = [bug1, warn1, hung].map(splatSignature);
    expect(new Set(all).size).toBe(3);
    expect(splatSignature(bug1)).not.toBe(splatSignature(hung)); // both in ksys_unshare
  });

  it('the panic that follows an oops has its own signature (the row takes the first splat\'s)', () => {
    const [bug, panic] = findSplats(fx('console', 'oops-bug-in-unshare.log'));
    expect(panic!.kind).toBe('panic');
    expect(splatSignature(panic!)).not.toBe(splatSignature(bug!));
    expect(splatSignature(panic!)).not.toMatch(/\d\.\d|0x/);
  });
});

describe('signature helpers', () => {
  it('normalizeFrame drops compiler clone suffixes', () => {
    expect(normalizeFrame('kph_hang_uninterruptible.isra.0')).toBe('kph_hang_uninterruptible');
    expect(normalizeFrame('__refcount_add.constprop.0')).toBe('__refcount_add');
    expect(normalizeFrame('copy_process.cold')).toBe('copy_process');
    expect(normalizeFrame('ksys_unshare')).toBe('ksys_unshare');
  });

  it('a splat with no frames falls back to its title without anything that varies', () => {
    expect(stableTitle('INFO: task kph-hang-d:93 blocked for more than 21 seconds.')).toBe('INFO: task task blocked for more than N seconds.');
    expect(splatSignature({ kind: 'panic', title: 'Kernel panic - not syncing: Fatal exception', excerpt: ['[ 5.8] Kernel panic - not syncing: Fatal exception'] })).toBe('panic: Kernel panic - not syncing: Fatal exception');
  });

  it('reliable frames win over guesses when the unwinder gave both', () => {
    const s: Pick<Splat, 'kind' | 'title' | 'excerpt'> = {
      kind: 'warning',
      title: 'WARNING: CPU: 1 PID: 7 at kernel/nsproxy.c:10 ns_thing+0x1/0x2',
      excerpt: ['WARNING: CPU: 1 PID: 7 at kernel/nsproxy.c:10 ns_thing+0x1/0x2', 'Call Trace:', ' <TASK>', ' ? __warn+0x1/0x2', ' ? stale_garbage+0x1/0x2', ' report_bug+0x1/0x2', ' caller_a+0x1/0x2', ' ? other_garbage+0x3/0x4', ' caller_b+0x1/0x2', ' </TASK>'],
    };
    expect(splatSignature(s)).toBe('warning: ns_thing < caller_a < caller_b');
  });

  it('kmemleak and KASAN reports name their kind and their first frames past the allocator and the sanitizer', () => {
    const leak = { kind: 'kmemleak', title: 'unreferenced object 0xff11000001234500 (size 64):', excerpt: ['unreferenced object 0xff11000001234500 (size 64):', '  comm "unshare", pid 93, jiffies 4294937296', '  backtrace (crc 5a1b2c3d):', '    [<ffffffff81234567>] kmemleak_alloc+0x4a/0x80', '    [<ffffffff81234568>] __kmalloc_cache_noprof+0x1/0x2', '    [<ffffffff81234569>] ns_serial_alloc+0x1c/0x40', '    [<ffffffff8123456a>] copy_namespaces+0x80/0x100'] };
    expect(splatSignature(leak)).toBe('kmemleak: ns_serial_alloc < copy_namespaces');
    const kasan = { kind: 'bug', title: 'BUG: KASAN: slab-use-after-free in put_ns_thing+0x12/0x40', excerpt: ['BUG: KASAN: slab-use-after-free in put_ns_thing+0x12/0x40', 'Read of size 8 at addr ff11 by task x/1', 'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x1/0x2', ' print_report+0x1/0x2', ' kasan_report+0x1/0x2', ' put_ns_thing+0x12/0x40', ' free_nsproxy+0x1/0x2', ' </TASK>'] };
    expect(splatSignature(kasan)).toBe('kasan slab-use-after-free: put_ns_thing < free_nsproxy');
  });
});

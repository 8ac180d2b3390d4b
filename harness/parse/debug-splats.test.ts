// The debug kernels' reports (--kconfig lockdep, kasan, ubsan, kfence): each is a splat of its
// own kind, cut where the report ends, with a signature naming the series' function, and a
// crash verdict with the report. The consoles in fixtures/console/debug/ are composed from the
// formats the 6.12 sources print (kernel/locking/lockdep.c print_circular_bug(),
// lockdep_rcu_suspicious(); mm/kasan/report.c; mm/kfence/report.c; lib/ubsan.c
// ubsan_prologue()/ubsan_epilogue(); kernel/sched/core.c __might_resched()), with the call
// chains of made-up namespace bugs; the lockdep one is real: the console of unshare-net on the
// fixture series lock-inversion under --kconfig lockdep (harness/test/e2e-debug/kconfig.e2e.test.ts,
// 2026-11-29, TCG), where every frame is a guess ("? ": tinyconfig has no frame unwinder).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../core/scenario.js';
import type { Series } from '../core/types.js';
import { judgeScenario } from '../judge/judge.js';
import { findSplats, matchSplat } from './console.js';
import { splatSignature } from './splat-signature.js';

const fx = (name: string) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'console', 'debug', name), 'utf8').split('\n');

describe('debug kernels: report headers', () => {
  it.each([
    ['[   14.122590] WARNING: possible circular locking dependency detected', 'lockdep'],
    ['[    3.1] WARNING: possible recursive locking detected', 'lockdep'],
    ['[    3.1] WARNING: inconsistent lock state', 'lockdep'],
    ['[    3.1] WARNING: possible irq lock inversion dependency detected', 'lockdep'],
    ['[    3.1] WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected', 'lockdep'],
    ['[    3.1] WARNING: bad unlock balance detected!', 'lockdep'],
    ['[    3.1] WARNING: held lock freed!', 'lockdep'],
    ['[    3.1] WARNING: lock held when returning to user space!', 'lockdep'],
    ['[    3.1] WARNING: kworker/0:1/12 still has locks held!', 'lockdep'],
    ['[    3.1] WARNING: suspicious RCU usage', 'rcu-lockdep'],
    ['[    3.1] BUG: sleeping function called from invalid context at ../src/kernel/locking/mutex.c:585', 'atomic-sleep'],
    ['[    3.1] BUG: scheduling while atomic: unshare/150/0x00000002', 'atomic-sleep'],
    ['[    3.1] BUG: KASAN: slab-use-after-free in put_ns_thing+0x2a/0x60', 'kasan'],
    ['[    3.1] BUG: KASAN: global-out-of-bounds in ns_names+0x1c/0x40', 'kasan'],
    ['[    3.1] BUG: KFENCE: out-of-bounds write in ns_thing_fill+0x22/0x40', 'kfence'],
    ['[    3.1] BUG: KFENCE: invalid free in put_ns_thing+0x1d/0x60', 'kfence'],
    ['[    3.1] UBSAN: array-index-out-of-bounds in ../src/kernel/nsproxy.c:120:9', 'ubsan'],
    ['[    3.1] UBSAN: shift-out-of-bounds in ../src/kernel/nsproxy.c:214:18', 'ubsan'],
    // The other reports keep their kinds.
    ['[    3.1] WARNING: CPU: 0 PID: 93 at ../src/kernel/nsproxy.c:557 __x64_sys_setns+0x3c/0x5a0', 'warning'],
    ['[    3.1] BUG: kernel NULL pointer dereference, address: 0000000000000008', 'bug'],
    ['[    3.1] Oops: general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN NOPTI', 'oops'],
  ])('%s → %s', (line, kind) => {
    expect(matchSplat(line)).toBe(kind);
  });

  it('a clean boot of a lockdep, KASAN, KFENCE and kmemleak kernel has no splat', () => {
    expect(findSplats(fx('boot-debug-kernels-clean.log'))).toEqual([]);
  });
});

describe('lockdep: a circular locking dependency (the fixture series lock-inversion)', () => {
  const lines = fx('lockdep-circular-lockinv.log');
  const splats = findSplats(lines);
  const s = splats[0]!;
  it('is one splat of kind lockdep, titled by its header', () => {
    expect(splats.map((x) => [x.kind, x.title])).toEqual([['lockdep', 'WARNING: possible circular locking dependency detected']]);
  });
  it('keeps the whole report, past 40 lines: both locks, the chain, the unsafe scenario, the stack to </TASK>', () => {
    expect(s.excerpt.length).toBeGreaterThan(40);
    const text = s.excerpt.join('\n');
    expect(text).toMatch(/unshare\/82 is trying to acquire lock:\n.*\(kph_lockinv_a\)/);
    expect(text).toMatch(/but task is already holding lock:\n.*\(kph_lockinv_b\)/);
    expect(text).toContain('-> #1 (kph_lockinv_b)');
    expect(text).toContain('Possible unsafe locking scenario:');
    expect(text).toContain('*** DEADLOCK ***');
    expect(s.excerpt.at(-1)).toMatch(/<\/TASK>$/);
  });
  it('is signed by the function that takes the lock, past the lock primitives and lockdep', () => {
    expect(splatSignature(s)).toBe('lockdep: kph_lockinv_fork < copy_namespaces < copy_process');
  });
  it('is a crash verdict with the report, although the scenario itself captured nothing wrong', () => {
    const j = judgeScenario({
      scenario: { name: 'unshare-net', description: '', script: 'true', expect: () => [] } as Scenario,
      series: { name: 'lock-inversion', revision: null } as Series,
      params: {},
      capture: null,
      captureError: null,
      consoleLines: lines,
      guestAlive: true,
      qemuExitCode: null,
      hang: null,
    });
    expect(j.verdict).toBe('crash');
    expect(j.failures[0]!.code).toBe('E_SPLAT');
    expect(j.failures[0]!.message).toBe('kernel lockdep: WARNING: possible circular locking dependency detected');
    expect(j.failures[0]!.excerpt!.join('\n')).toContain('lock(kph_lockinv_a);');
    expect(j.signature).toBe('lockdep: kph_lockinv_fork < copy_namespaces < copy_process');
  });
});

describe('the other debug reports', () => {
  it('KASAN: the report to its closing rule (allocation and free stacks, shadow memory), signed past the sanitizer', () => {
    const [s, ...rest] = findSplats(fx('kasan-slab-use-after-free.log'));
    expect(rest).toEqual([]);
    expect(s!.kind).toBe('kasan');
    expect(s!.title).toBe('BUG: KASAN: slab-use-after-free in put_ns_thing+0x2a/0x60');
    const text = s!.excerpt.join('\n');
    expect(text).toContain('Allocated by task 131:');
    expect(text).toContain('Freed by task 131:');
    expect(text).toContain('Memory state around the buggy address:');
    expect(s!.excerpt.at(-1)).toMatch(/={60,}$/);
    expect(text).not.toContain('Disabling lock debugging');
    expect(splatSignature(s!)).toBe('kasan slab-use-after-free: put_ns_thing < free_nsproxy < switch_task_namespaces');
  });
  it('KFENCE: the report to its closing rule, signed by the function its title names', () => {
    const [s, ...rest] = findSplats(fx('kfence-use-after-free.log'));
    expect(rest).toEqual([]);
    expect(s!.kind).toBe('kfence');
    expect(s!.excerpt.join('\n')).toContain('freed by task 131 on cpu 1');
    expect(s!.excerpt.at(-1)).toMatch(/={60,}$/);
    expect(splatSignature(s!)).toBe('kfence use-after-free read: put_ns_thing');
  });
  it('UBSAN: the cut-here line, the report and its stack to "end trace"', () => {
    const [s, ...rest] = findSplats(fx('ubsan-shift-out-of-bounds.log'));
    expect(rest).toEqual([]);
    expect(s!.kind).toBe('ubsan');
    expect(s!.excerpt[0]).toMatch(/cut here/);
    expect(s!.excerpt.join('\n')).toContain("shift exponent 64 is too large for 64-bit type 'long unsigned int'");
    expect(s!.excerpt.at(-1)).toMatch(/---\[ end trace \]---/);
    expect(splatSignature(s!)).toBe('ubsan shift-out-of-bounds: ns_flags_mask < unshare_nsproxy_namespaces < ksys_unshare');
  });
  it('suspicious RCU usage: the file and line of the dereference, the locks held, the stack', () => {
    const [s, ...rest] = findSplats(fx('rcu-suspicious-usage.log'));
    expect(rest).toEqual([]);
    expect(s!.kind).toBe('rcu-lockdep');
    expect(s!.excerpt.join('\n')).toContain('suspicious rcu_dereference_check() usage!');
    expect(s!.excerpt.at(-1)).toMatch(/<\/TASK>$/);
    expect(splatSignature(s!)).toBe('rcu-lockdep: ns_serial_of < switch_task_namespaces < commit_nsset');
  });
  it('sleep in atomic context: signed by the caller that sleeps, past might_resched and the mutex', () => {
    const [s, ...rest] = findSplats(fx('sleep-in-atomic.log'));
    expect(rest).toEqual([]);
    expect(s!.kind).toBe('atomic-sleep');
    expect(s!.excerpt.join('\n')).toContain('in_atomic(): 1, irqs_disabled(): 0');
    expect(splatSignature(s!)).toBe('atomic-sleep: ns_thing_get < create_new_namespaces < unshare_nsproxy_namespaces');
  });
  it('an oops on a KASAN kernel stays an oops ("KASAN" in its flags is no KASAN report), and the panic after it is its own', () => {
    expect(findSplats(fx('oops-under-kasan.log')).map((s) => s.kind)).toEqual(['oops', 'panic']);
  });
  it('a long report stops before the next report, which is found on its own', () => {
    const held = ['[ 5.0] ================================================', '[ 5.0] WARNING: lock held when returning to user space!', '[ 5.0] 6.12.117 #1 Not tainted', '[ 5.0] ------------------------------------------------', '[ 5.0] kph/9 is leaving the kernel with locks still held!', '[ 5.0] 1 lock held by kph/9:', '[ 5.0]  #0: ffffffff82c3a300 (ns_thing_lock){+.+.}-{3:3}, at: ns_thing_get+0x18/0x60'];
    const oops = fx('oops-under-kasan.log');
    const splats = findSplats([...held, ...oops]);
    expect(splats.map((s) => s.kind)).toEqual(['lockdep', 'oops', 'panic']);
    expect(splats[0]!.excerpt).toHaveLength(held.length - 1);
  });
});

// End to end under faults: real kernels with a fault planted by a fixture series
// (harness/test/fixtures/series/*), triggered by a fixture scenario
// (harness/test/fixtures/scenarios/*) that names a task after the fault's magic comm. Each must
// get a verdict that holds: lost records are inconclusive (never pass, never fail), a WARNING
// splat is a crash with the WARNING, a syscall that never returns is a timeout with the stuck
// task's stack and the next scenario is judged on a fresh boot. None may leave a QEMU behind.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/types.js';
import { fixtures, kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const results = resultsFolders('kph-e2e-faults-');
const outDir = () => results.make();

/** Everything a result says about why: messages and excerpts, one text. */
function failureText(run: RunResult): string {
  return run.failures.flatMap((f) => [f.message, ...(f.excerpt ?? [])]).join('\n');
}

/** The guest's boot id a run's script printed ("KPH boot_id=..." in any stdout.txt it kept). */
function bootIdOf(out: string, run: RunResult): string | undefined {
  const walk = (d: string): string[] => readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : e === 'stdout.txt' ? [join(d, e)] : []));
  for (const f of walk(join(out, run.dir))) {
    const m = /^KPH boot_id=(\S+)$/m.exec(readFileSync(f, 'utf8'));
    if (m) return m[1];
  }
  return undefined;
}

/** Run the fixture series with the fixture scenarios given, in that order. */
async function runFixture(series: string, scenarios: string[]) {
  const out = outDir();
  const r = await kph(['run', '--series', join(fixtures, 'series', series), '--scenarios-dir', join(fixtures, 'scenarios'), ...scenarios.flatMap((s) => ['--scenario', s]), '--out', out]);
  const s = summaryOf(out);
  const by = (name: string) => s.runs.find((x) => x.scenario === name)!;
  return { r, out, s, by };
}

const leftoverQemus = () => results.leftoverQemus();

afterEach(async () => {
  expect(await leftoverQemus()).toEqual([]);
});

describe('a kernel that loses audit records', () => {
  it('is inconclusive (exit 4) with the loss named, never pass or fail', async () => {
    // loses-audit-records drops every record of a task named kph-lose; lose-trigger's check for
    // the unshare SYSCALL record therefore fails, but the loss must win: nothing can be judged.
    const { r, by } = await runFixture('loses-audit-records', ['lose-trigger']);
    expect(r.code, r.all.slice(-3000)).toBe(4);
    const run = by('lose-trigger');
    expect(run.verdict).toBe('inconclusive');
    expect(failureText(run)).toMatch(/audit lost \d+ record\(s\) \(lost \d+ → \d+\)/);
  });
});

describe('a WARNING splat', () => {
  it('is a crash (exit 1) with the WARNING in the excerpt, although the script succeeded; hit by two scenarios it is one bug, one signature, one group in the report', async () => {
    // warn-on-setns: WARN_ON_ONCE in setns() for a task named kph-warn, then setns goes on. The
    // crash asks for a fresh guest, so warn-trigger-net (setns into the netns) WARNs again.
    const { r, out, by } = await runFixture('warn-on-setns', ['warn-trigger', 'warn-trigger-net']);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    const run = by('warn-trigger');
    expect(run.verdict).toBe('crash');
    const text = failureText(run);
    expect(text).toMatch(/WARNING: CPU: \d+ PID: \d+ at \S*kernel\/nsproxy\.c:\d+/); // O= builds print ../src/kernel/...
    expect(text).toMatch(/setns/);
    // The run's console keeps the splat as the kernel printed it.
    expect(readFileSync(join(out, run.dir, 'console.log'), 'utf8')).toMatch(/WARNING: CPU/);
    // One bug, two scenarios, two boots: one signature, one group in every report.
    const other = by('warn-trigger-net');
    expect(other.verdict).toBe('crash');
    expect(run.signature).toBe('warning: __x64_sys_setns');
    expect(other.signature).toBe(run.signature);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| `warning: __x64_sys_setns` | 1 crash, in 2 scenarios | warn-on-setns · warn-trigger, warn-on-setns · warn-trigger-net |');
    expect(r.stdout).toContain('CRASH warning: __x64_sys_setns: 1 crash, in 2 scenarios');
    expect(readFileSync(join(out, 'report.html'), 'utf8').match(/<tr><td><code>warning: __x64_sys_setns<\/code>/g)).toHaveLength(1);
  });
});

describe('a syscall that never returns', () => {
  it('sleeping interruptibly (invisible to the kernel): timeout (exit 1) naming the stuck task, its wait channel and syscall; the next scenario passes on a fresh boot', async () => {
    // hang-in-unshare: unshare(CLONE_NEWUTS) by "kph-hang" sleeps in kph_hang_interruptible
    // until a fatal signal. hang-trigger has 30 s; after-hang checks no kph-hang task is left.
    const { r, out, by } = await runFixture('hang-in-unshare', ['hang-trigger', 'after-hang']);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    const hang = by('hang-trigger');
    expect(hang.verdict).toBe('timeout');
    // The stuck task named with its state, wait channel and syscall (272: unshare), and its
    // kernel stack from SysRq t on the console (CONFIG_MAGIC_SYSRQ; no STACKTRACE needed). The
    // harness's kernels unwind by guessing, so the stack is shown whole and said to be guessed.
    // The fixture's loop wakes every second (schedule_timeout), so at the instant of the dump
    // the task may be running (R) rather than sleeping (S); a guessed stack may hold a stale
    // address between two real frames, so kph_hang_interruptible need only be above ksys_unshare.
    expect(hang.failures[0]!.message).toMatch(/: task \d+ kph-hang state=S wchan=\S+ syscall=272$/);
    expect(failureText(hang)).toMatch(/stack of kph-hang \(pid \d+, state [RS]\), from SysRq t \(guessed[^\n]*\):\n(\s+\S+\n)*\s+kph_hang_interruptible\+0x[0-9a-f]+\/0x[0-9a-f]+\n(\s+\S+\n)*?\s+ksys_unshare\+/);
    // Bounded: the scenario's time plus at most 60 s to collect the evidence.
    expect(hang.durationsMs.scenario).toBeLessThan(30_000 + 60_000);
    const next = by('after-hang');
    expect(next.verdict, failureText(next)).toBe('pass');
    // A fresh boot: the guest's boot id changed between the two scenarios.
    const [before, after] = [bootIdOf(out, hang), bootIdOf(out, next)];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it('stuck in D state: timeout (exit 1) named in seconds by the hung-task detector, with the stack; the next scenario passes on a fresh boot', async () => {
    // hang-d-state: unshare(CLONE_NEWUTS) by "kph-hang-d" sleeps in TASK_UNINTERRUPTIBLE forever
    // (kph_hang_uninterruptible); not even SIGKILL ends it.
    const { r, out, by } = await runFixture('hang-d-state', ['hang-d-trigger', 'after-hang']);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    const hang = by('hang-d-trigger');
    expect(hang.verdict).toBe('timeout');
    const text = failureText(hang);
    expect(text).toMatch(/kph_hang_uninterruptible/);
    expect(text).toMatch(/kph-hang-d/);
    expect(hang.durationsMs.scenario).toBeLessThan(30_000 + 60_000);
    const next = by('after-hang');
    expect(next.verdict, failureText(next)).toBe('pass');
    // A fresh boot: the guest's boot id changed between the two scenarios.
    const [before, after] = [bootIdOf(out, hang), bootIdOf(out, next)];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });
});

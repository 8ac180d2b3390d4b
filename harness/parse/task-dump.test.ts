import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../core/paths.js';
import { isTaskDumpSummary, parseTaskDumps, summarizeTaskDump, whereItWaits } from './task-dump.js';

// A real SysRq t dump (hang-in-unshare fixture kernel, TCG, e2e faults run): the harness's
// kernels unwind by guessing, so every frame has "? ".
const GUESSED = [
  '[   40.154457] task:kph-hang        state:S stack:0     pid:96    tgid:96    ppid:93     flags:0x00004000',
  '[   40.158457] Call Trace:',
  '[   40.158457]  <TASK>',
  '[   40.158457]  ? __schedule+0x412/0x43c',
  '[   40.158457]  ? schedule+0x27/0x38',
  '[   40.158457]  ? schedule_timeout+0x9d/0xc1',
  '[   40.158457]  ? enqueue_timer+0x4a/0x4a',
  '[   40.158457]  ? kph_hang_interruptible+0x49/0x52',
  '[   40.158457]  ? ksys_unshare+0x50/0x35d',
  '[   40.158457]  ? __x64_sys_unshare+0xd/0x10',
  '[   40.158457]  ? do_syscall_64+0x4e/0xa4',
  '[   40.158457]  ? entry_SYSCALL_64_after_hwframe+0x4b/0x53',
  '[   40.158457]  </TASK>',
  '[   40.158457] task:bash            state:R  running task     stack:0     pid:97    tgid:97    ppid:63     flags:0x00000008',
];
// The hung-task report's shape with a reliable unwinder (frames without "? "; one guess kept out).
const RELIABLE = [
  '\x01b[   31.203550] task:kph-hang        state:D stack:0     pid:301   tgid:301   ppid:296    flags:0x00004002',
  '[   31.204180] Call Trace:',
  '[   31.204400]  <TASK>',
  '[   31.204600]  __schedule+0x2e5/0x7a0',
  '[   31.205000]  schedule+0x27/0xa0',
  '[   31.205400]  kph_hang_uninterruptible+0x31/0x50',
  '[   31.205800]  ksys_unshare+0x5c/0x3a0',
  '[   31.206000]  ? srso_return_thunk+0x5/0x5f',
  '[   31.206600]  </TASK>',
];

describe('parseTaskDumps', () => {
  it('keeps a guessed stack whole, "?" removed, and says it is guessed', () => {
    const [t] = parseTaskDumps(GUESSED);
    expect(t).toEqual({
      comm: 'kph-hang',
      state: 'S',
      pid: 96,
      reliable: false,
      frames: ['__schedule+0x412/0x43c', 'schedule+0x27/0x38', 'schedule_timeout+0x9d/0xc1', 'enqueue_timer+0x4a/0x4a', 'kph_hang_interruptible+0x49/0x52', 'ksys_unshare+0x50/0x35d', '__x64_sys_unshare+0xd/0x10', 'do_syscall_64+0x4e/0xa4', 'entry_SYSCALL_64_after_hwframe+0x4b/0x53'],
    });
    // the running bash (no trace printed here) is still a task
    expect(parseTaskDumps(GUESSED).map((x) => [x.comm, x.state, x.pid])).toEqual([['kph-hang', 'S', 96], ['bash', 'R', 97]]);
  });
  it('drops the guesses of a reliable stack, and control bytes before the time stamp', () => {
    expect(parseTaskDumps(RELIABLE)).toEqual([{ comm: 'kph-hang', state: 'D', pid: 301, reliable: true, frames: ['__schedule+0x2e5/0x7a0', 'schedule+0x27/0xa0', 'kph_hang_uninterruptible+0x31/0x50', 'ksys_unshare+0x5c/0x3a0'] }]);
  });
  it('names where a task waits only from a reliable stack (a guessed one holds stale addresses: enqueue_timer)', () => {
    expect(whereItWaits(parseTaskDumps(RELIABLE)[0]!)).toBe('kph_hang_uninterruptible');
    expect(whereItWaits(parseTaskDumps(GUESSED)[0]!)).toBeUndefined();
  });
});

describe('summarizeTaskDump', () => {
  // Real: a guest with no virtio-net driver said it was ready and SSH never answered; SysRq t
  // through the QEMU monitor (harness.e2e).
  const lines = readFileSync(join(repoRoot, 'harness/test/fixtures/console/sysrq-t-ready-unreachable.log'), 'utf8').split('\n');
  it('counts the tasks, names those running and in D state, and says where sshd waits (guessed, so said so)', () => {
    const out = summarizeTaskDump(parseTaskDumps(lines));
    expect(out).toEqual([
      'kph: SysRq t through the QEMU monitor: 37 tasks; 0 in D state; 1 running: kworker/u4:1 (pid 29)',
      'kph: sshd (pid 61) state S, guessed frames: do_sys_poll, set_fd_set, __x64_sys_ppoll, do_syscall_64',
    ]);
    expect(out.every(isTaskDumpSummary)).toBe(true);
  });
  it('says so when the kernel printed no dump', () => {
    expect(summarizeTaskDump(parseTaskDumps(lines.slice(0, 2)))).toEqual(['kph: SysRq t through the QEMU monitor: the kernel printed no task dump (it did not answer SysRq within 5 s)']);
  });
});

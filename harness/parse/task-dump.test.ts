import { describe, expect, it } from 'vitest';
import { parseTaskDumps, whereItWaits } from './task-dump.js';

// The shape sched_show_task prints (a real hung-task report of the hang-d-state fixture kernel,
// harness/judge/judge.test.ts), twice: once for a D task and once for an S task as SysRq t does.
const DUMP = [
  '[   31.203550] task:kph-hang        state:D stack:0     pid:301   tgid:301   ppid:296    flags:0x00004002',
  '[   31.204180] Call Trace:',
  '[   31.204400]  <TASK>',
  '[   31.204600]  __schedule+0x2e5/0x7a0',
  '[   31.205000]  schedule+0x27/0xa0',
  '[   31.205400]  kph_hang_uninterruptible+0x31/0x50',
  '[   31.205800]  ksys_unshare+0x5c/0x3a0',
  '[   31.206000]  ? srso_return_thunk+0x5/0x5f',
  '[   31.206600]  </TASK>',
  '\x01b[   45.100000] task:sh              state:S stack:0     pid:296   tgid:296   ppid:290    flags:0x00000002',
  '[   45.100100] Call Trace:',
  '[   45.100200]  <TASK>',
  '[   45.100300]  __schedule+0x2e5/0x7a0',
  '[   45.100400]  schedule+0x27/0xa0',
  '[   45.100500]  do_wait+0x5b/0xb0',
  '[   45.100600]  </TASK>',
  '[   45.100700] kph: unrelated line',
];

describe('parseTaskDumps', () => {
  it('reads each task with its frames, dropping "?" guesses and control bytes before the time stamp', () => {
    expect(parseTaskDumps(DUMP)).toEqual([
      { comm: 'kph-hang', state: 'D', pid: 301, frames: ['__schedule+0x2e5/0x7a0', 'schedule+0x27/0xa0', 'kph_hang_uninterruptible+0x31/0x50', 'ksys_unshare+0x5c/0x3a0'] },
      { comm: 'sh', state: 'S', pid: 296, frames: ['__schedule+0x2e5/0x7a0', 'schedule+0x27/0xa0', 'do_wait+0x5b/0xb0'] },
    ]);
  });
  it('names where a task waits past the scheduler', () => {
    expect(whereItWaits(parseTaskDumps(DUMP)[0]!.frames)).toBe('kph_hang_uninterruptible');
    expect(whereItWaits(['__schedule+0x1/0x2'])).toBeUndefined();
  });
});

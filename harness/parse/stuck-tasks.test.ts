import { describe, expect, it } from 'vitest';
import { parseStuckTasks, stuckTasksExcerpt, stuckTasksOfInterest } from './stuck-tasks.js';

// From a real guest (baseline kernel, no CONFIG_STACKTRACE): script "sleep 60", limit 3 s.
const GUEST = 'pid 92 comm timeout state S wchan __x64_sys_rt_sigsuspend\npid 96 comm sh state S wchan do_wait\npid 97 comm sleep state S wchan hrtimer_nanosleep\n';
// The shape with CONFIG_STACKTRACE (host kernel), and a D-state task.
const WITH_STACKS = [
  'pid 7451 comm timeout state S wchan sigsuspend.isra.0',
  '    [<0>] sigsuspend.isra.0+0x77/0xb0',
  '    [<0>] __x64_sys_rt_sigsuspend+0x6f/0x80',
  'pid 7455 comm sh state S wchan do_wait',
  '    [<0>] do_wait+0x53/0x120',
  'pid 7456 comm kph-hang state S wchan kph_hang_interruptible',
  '    [<0>] kph_hang_interruptible+0x2c/0x50',
  '    [<0>] ksys_unshare+0x3c/0x3e0',
  'pid 7457 comm kph-hang-d state D wchan kph_hang_uninterruptible',
  '    [<0>] kph_hang_uninterruptible+0x1a/0x30',
  '',
].join('\n');

describe('parseStuckTasks', () => {
  it('reads the guest lines', () => {
    expect(parseStuckTasks(GUEST)).toEqual([
      { pid: 92, comm: 'timeout', state: 'S', wchan: '__x64_sys_rt_sigsuspend', stack: [] },
      { pid: 96, comm: 'sh', state: 'S', wchan: 'do_wait', stack: [] },
      { pid: 97, comm: 'sleep', state: 'S', wchan: 'hrtimer_nanosleep', stack: [] },
    ]);
  });
  it('attaches stack lines to their task', () => {
    const t = parseStuckTasks(WITH_STACKS);
    expect(t.map((x) => x.stack.length)).toEqual([2, 1, 2, 1]);
    expect(t[2]!.stack[0]).toBe('kph_hang_interruptible+0x2c/0x50');
  });
  it('keeps a comm with spaces and an empty wchan', () => {
    expect(parseStuckTasks('pid 5 comm a b state R wchan \n')[0]).toMatchObject({ comm: 'a b', state: 'R', wchan: '' });
  });
});

describe('stuckTasksExcerpt', () => {
  it('leaves out timeout and waiting shells, D-state tasks first', () => {
    expect(stuckTasksOfInterest(parseStuckTasks(WITH_STACKS)).map((t) => t.comm)).toEqual(['kph-hang-d', 'kph-hang']);
    expect(stuckTasksExcerpt(parseStuckTasks(WITH_STACKS))).toEqual([
      'kph-hang-d (pid 7457, state D) in kph_hang_uninterruptible',
      '    kph_hang_uninterruptible+0x1a/0x30',
      'kph-hang (pid 7456, state S) in kph_hang_interruptible',
      '    kph_hang_interruptible+0x2c/0x50',
      '    ksys_unshare+0x3c/0x3e0',
    ]);
    expect(stuckTasksExcerpt(parseStuckTasks(GUEST))).toEqual(['sleep (pid 97, state S) in hrtimer_nanosleep']);
  });
});

import { describe, expect, it } from 'vitest';
import { defineScenario } from '../core/scenario.js';
import { judgeScenario, type JudgeInput } from './judge.js';

const STATUS = (lost: number, waited = 0) => `enabled 1\nfailure 1\npid 99\nrate_limit 0\nbacklog_limit 8192\nlost ${lost}\nbacklog 0\nbacklog_wait_time 60000\nbacklog_wait_time_actual ${waited}\n`;
const scenario = defineScenario({ name: 'x', description: '', script: 'true', timeoutSec: 60, expect: (ctx) => [{ name: 'exit 0', ok: ctx.guest.exitCode === 0, message: `${ctx.guest.exitCode}` }] });
const input = (over: Partial<JudgeInput> = {}): JudgeInput => ({
  scenario,
  series: { name: 'baseline', revision: null, meta: { title: '', origin: '', config: [], records: {}, provides: [] } },
  params: {},
  capture: { exitCode: 0, stdout: '', stderr: '', durationMs: 1, auditFull: '', statusBefore: STATUS(0), statusAfter: STATUS(0), listener: null, dir: '/x', flushTimedOut: false, scriptTimedOut: false },
  captureError: null,
  consoleLines: [],
  guestAlive: true,
  qemuExitCode: null,
  hang: null,
  ...over,
});

// The console of a D-state hang caught by the hung-task detector (hung_task_panic=1).
const HUNG = [
  '[   31.201934] INFO: task kph-hang:301 blocked for more than 20 seconds.',
  '[   31.202510]       Not tainted 6.12.117 #1',
  '[   31.203550] task:kph-hang        state:D stack:0     pid:301   tgid:301   ppid:296    flags:0x00004002',
  '[   31.204180] Call Trace:',
  '[   31.204400]  <TASK>',
  '[   31.204600]  __schedule+0x2e5/0x7a0',
  '[   31.205000]  schedule+0x27/0xa0',
  '[   31.205400]  kph_hang_uninterruptible+0x31/0x50',
  '[   31.205800]  ksys_unshare+0x5c/0x3a0',
  '[   31.206600]  </TASK>',
  '[   31.207000] Kernel panic - not syncing: hung_task: blocked tasks',
];

describe('judgeScenario', () => {
  it('passes a clean capture', () => {
    expect(judgeScenario(input()).verdict).toBe('pass');
  });
  it('a hung-task report is a timeout with its stack, not a crash', () => {
    const j = judgeScenario(input({ consoleLines: HUNG, capture: null, guestAlive: false, captureError: 'SSH closed' }));
    expect(j.verdict).toBe('timeout');
    expect(j.failures[0]).toMatchObject({ code: 'E_TIMEOUT', message: expect.stringContaining('blocked for more than 20 seconds') });
    expect(j.failures[0]!.excerpt!.join('\n')).toContain('kph_hang_uninterruptible');
  });
  it('a script past its time is a timeout naming the stuck task', () => {
    const j = judgeScenario(input({ hang: { afterMs: 60_000, evidence: ['task 299 timeout state=S wchan=__x64_sys_rt_sigsuspend syscall=130', 'task 300 sh state=S wchan=do_wait syscall=61', 'task 301 kph-hang state=S wchan=kph_hang_forever syscall=272', '    [<0>] kph_hang_forever+0x45/0x60'] } }));
    expect(j.verdict).toBe('timeout');
    expect(j.failures[0]!.message).toBe('x did not finish within 60 s: task 301 kph-hang state=S wchan=kph_hang_forever syscall=272');
  });
  it('a script past its time: the stuck task\'s stack from the SysRq t dump on the console', () => {
    const dump = ['[   45.1] task:kph-hang        state:S stack:0     pid:301   tgid:301   ppid:300    flags:0x00000002', '[   45.1] Call Trace:', '[   45.1]  <TASK>', '[   45.1]  __schedule+0x2e5/0x7a0', '[   45.1]  schedule+0x27/0xa0', '[   45.1]  kph_hang_forever+0x45/0x60', '[   45.1]  ksys_unshare+0x5c/0x3a0', '[   45.1]  </TASK>'];
    const j = judgeScenario(input({ consoleLines: dump, hang: { afterMs: 60_000, evidence: ['task 300 sh state=S wchan=do_wait syscall=61', 'task 301 kph-hang state=S wchan=kph_hang_forever syscall=272'] } }));
    expect(j.verdict).toBe('timeout');
    expect(j.failures[0]!.message).toBe('x did not finish within 60 s: task 301 kph-hang state=S wchan=kph_hang_forever syscall=272 in kph_hang_forever');
    expect(j.failures[0]!.excerpt!.slice(-5)).toEqual(['stack of kph-hang (pid 301, state S), from SysRq t:', '    __schedule+0x2e5/0x7a0', '    schedule+0x27/0xa0', '    kph_hang_forever+0x45/0x60', '    ksys_unshare+0x5c/0x3a0']);
  });
  it("the guest's own limit stopped the script: a timeout naming the task from stuck-tasks.txt", () => {
    // A real guest's stuck-tasks.txt (baseline kernel, no CONFIG_STACKTRACE; "sleep 60", limit 3 s).
    const stuck = 'pid 92 comm timeout state S wchan __x64_sys_rt_sigsuspend\npid 96 comm sh state S wchan do_wait\npid 97 comm sleep state S wchan hrtimer_nanosleep\n';
    const j = judgeScenario(input({ capture: { ...input().capture!, exitCode: 124, scriptTimedOut: true, stuckTasks: stuck } }));
    expect(j.verdict).toBe('timeout');
    expect(j.failures[0]!.message).toBe("x did not finish within 60 s (the guest's own limit stopped it): sleep (pid 97, state S) in hrtimer_nanosleep");
    expect(j.failures[0]!.excerpt).toEqual(["the script's tasks just before the limit:", 'sleep (pid 97, state S) in hrtimer_nanosleep']);
    const bare = judgeScenario(input({ capture: { ...input().capture!, exitCode: 124, scriptTimedOut: true } }));
    expect(bare.verdict).toBe('timeout');
    expect(bare.failures[0]!.excerpt![0]).toMatch(/left no stuck-tasks\.txt/);
  });
  it('a guest that died without a splat and left no capture is a crash', () => {
    expect(judgeScenario(input({ capture: null, guestAlive: false, qemuExitCode: 0, captureError: 'closed' })).failures[0]!.code).toBe('E_GUEST_DIED');
  });
  it('a failed capture with a live guest is infra-error', () => {
    expect(judgeScenario(input({ capture: null, captureError: 'upload failed' })).verdict).toBe('infra-error');
  });
  it('the audit backlog throttled the scenario: said in a note, the verdict unchanged', () => {
    const base = input().capture!;
    const throttled = judgeScenario(input({ capture: { ...base, statusAfter: STATUS(0, 1500) } }));
    expect(throttled.verdict).toBe('pass');
    expect(throttled.notes).toEqual(['the audit backlog was full: tasks waited 1500 ms in total (backlog_wait_time_actual 0 → 1500)']);
  });
  it('records lost: inconclusive even when a check fails', () => {
    const base = input().capture!;
    const lost = judgeScenario(input({ capture: { ...base, exitCode: 1, statusAfter: STATUS(3) } }));
    expect(lost.verdict).toBe('inconclusive');
  });
});

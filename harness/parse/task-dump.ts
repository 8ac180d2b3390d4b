// Task stacks the kernel printed on the console: SysRq t/w (show_state, show_state_filter) and
// the hung-task detector both print each task as sched_show_task does. Pure.
//
//   [   45.120000] task:kph-hang         state:S stack:0     pid:301   tgid:301   ppid:296    flags:0x00004002
//   [   45.120100] Call Trace:
//   [   45.120200]  <TASK>
//   [   45.120300]  __schedule+0x2e5/0x7a0
//   [   45.120400]  kph_hang_interruptible+0x31/0x50
//   [   45.120500]  </TASK>
// No CONFIG_STACKTRACE needed (unlike /proc/PID/stack): the arch unwinder prints them.
import { stripPrintkTime } from './console.js';

export interface TaskDump {
  comm: string;
  state: string;
  pid: number;
  /** "function+0xoff/0xlen" as printed, between <TASK> and </TASK>; '?' guesses dropped. */
  frames: string[];
}

const TASK = /^task:(.+?)\s+state:(\S+)\s+stack:\s*\d+\s+pid:\s*(\d+)\b/;

export function parseTaskDumps(lines: string[]): TaskDump[] {
  const out: TaskDump[] = [];
  let cur: TaskDump | null = null;
  let inTrace = false;
  for (const raw of lines) {
    const line = stripPrintkTime(raw.replace(/[\x00-\x1f\x7f]/g, '').replace(/^[^[]{1,8}(?=\[\s*\d+\.\d+\])/, '')).trim();
    const t = TASK.exec(line);
    if (t) {
      cur = { comm: t[1]!.trim(), state: t[2]!, pid: Number(t[3]), frames: [] };
      out.push(cur);
      inTrace = false;
      continue;
    }
    if (!cur) continue;
    if (line === '<TASK>') inTrace = true;
    else if (line === '</TASK>') {
      inTrace = false;
      cur = null;
    } else if (inTrace && /^[\w.]+\+0x[0-9a-f]+\/0x[0-9a-f]+/.test(line)) cur.frames.push(line.split(/\s/)[0]!);
  }
  return out;
}

/** Frames that only say the task sleeps: dropped from the front of a stack for its summary. */
const SLEEP_FRAMES = /^(__schedule|schedule|schedule_timeout|schedule_hrtimeout_range_clock|schedule_hrtimeout_range|schedule_preempt_disabled|io_schedule|__switch_to_asm|__switch_to|preempt_schedule_common|do_nanosleep|hrtimer_nanosleep|__wait_for_common|wait_for_completion)\+/;

/** The first frame that is not the scheduler's own: where the task waits. */
export function whereItWaits(frames: string[]): string | undefined {
  return frames.find((f) => !SLEEP_FRAMES.test(f))?.replace(/\+0x.*$/, '');
}

// Task stacks the kernel printed on the console: SysRq t/w (show_state, show_state_filter) and
// the hung-task detector both print each task as sched_show_task does. Pure.
//
//   [   45.120000] task:kph-hang         state:S stack:0     pid:301   tgid:301   ppid:296    flags:0x00004002
//   [   45.120100] Call Trace:
//   [   45.120200]  <TASK>
//   [   45.120300]  __schedule+0x2e5/0x7a0
//   [   45.120400]  kph_hang_interruptible+0x31/0x50
//   [   45.120500]  </TASK>
// No CONFIG_STACKTRACE needed (unlike /proc/PID/stack): the arch unwinder prints them. With
// the harness's kernels (no frame pointers, no ORC: the "guess" unwinder) every frame is printed
// with "? ": any kernel text address found on the stack, stale ones included. Such a stack is
// kept whole and said to be guessed; nothing is concluded from its order.
import { kernelText } from './console.js';

export interface TaskDump {
  comm: string;
  state: string;
  pid: number;
  /**
   * "function+0xoff/0xlen" between <TASK> and </TASK>: the reliable ones where the unwinder
   * printed any, else every guessed one ("?" removed).
   */
  frames: string[];
  /** False when every frame was a guess ("? "). */
  reliable: boolean;
}

const TASK = /^task:(.+?)\s+state:(\S+)\s+(?:running task\s+)?stack:\s*\d+\s+pid:\s*(\d+)\b/;

export function parseTaskDumps(lines: string[]): TaskDump[] {
  const out: TaskDump[] = [];
  let cur: (TaskDump & { guessed: string[] }) | null = null;
  let inTrace = false;
  const done = () => {
    if (!cur) return;
    if (!cur.frames.length) {
      cur.frames = cur.guessed;
      cur.reliable = false;
    }
    out.push({ comm: cur.comm, state: cur.state, pid: cur.pid, frames: cur.frames, reliable: cur.reliable });
    cur = null;
  };
  for (const raw of lines) {
    const line = kernelText(raw).trim();
    const t = TASK.exec(line);
    if (t) {
      done();
      cur = { comm: t[1]!.trim(), state: t[2]!, pid: Number(t[3]), frames: [], reliable: true, guessed: [] };
      inTrace = false;
      continue;
    }
    if (!cur) continue;
    if (line === '<TASK>') inTrace = true;
    else if (line === '</TASK>') {
      inTrace = false;
      done();
    } else if (inTrace) {
      const f = /^(\?\s+)?([\w.]+\+0x[0-9a-f]+\/0x[0-9a-f]+)/.exec(line);
      if (f) (f[1] ? cur.guessed : cur.frames).push(f[2]!);
    }
  }
  done();
  return out;
}

/** Frames that only say the task sleeps: dropped from the front of a stack for its summary. */
const SLEEP_FRAMES = /^(__schedule|schedule|schedule_timeout|schedule_hrtimeout_range_clock|schedule_hrtimeout_range|schedule_preempt_disabled|io_schedule|__switch_to_asm|__switch_to|preempt_schedule_common|do_nanosleep|hrtimer_nanosleep|__wait_for_common|wait_for_completion)\+/;

/** Where the task waits: its first frame past the scheduler's own, from a reliable stack only. */
export function whereItWaits(dump: TaskDump): string | undefined {
  if (!dump.reliable) return undefined;
  return dump.frames.find((f) => !SLEEP_FRAMES.test(f))?.replace(/\+0x.*$/, '');
}

/**
 * What a whole-system dump (SysRq t) says about a guest whose SSH never answered: how many
 * tasks, those in D state or running, and every sshd with its state and where it waits (or its
 * first guessed frames, said to be guessed). No dump at all is said too: the kernel did not
 * answer SysRq, so it runs no code that handles the console's interrupt.
 */
export function summarizeTaskDump(dumps: TaskDump[]): string[] {
  if (!dumps.length) return ['kph: SysRq t through the QEMU monitor: the kernel printed no task dump (it did not answer SysRq within 5 s)'];
  const name = (d: TaskDump) => `${d.comm} (pid ${d.pid})`;
  const where = (d: TaskDump) => {
    const w = whereItWaits(d);
    if (w) return `in ${w}`;
    // Guessed: the first few past the scheduler's own, repeats folded (stale addresses repeat).
    const names = d.frames.filter((f) => !SLEEP_FRAMES.test(f)).map((f) => f.replace(/\+0x.*$/, ''));
    const shown = names.filter((f, i) => f !== names[i - 1]).slice(0, 4);
    return shown.length ? `guessed frames: ${shown.join(', ')}` : 'no frames';
  };
  const blocked = dumps.filter((d) => d.state === 'D');
  const running = dumps.filter((d) => d.state === 'R' && !/^swapper/.test(d.comm));
  const out = [
    `kph: SysRq t through the QEMU monitor: ${dumps.length} tasks; ${blocked.length} in D state${blocked.length ? `: ${blocked.map((d) => `${name(d)} ${where(d)}`).join('; ')}` : ''}; ${running.length} running${running.length ? `: ${running.map(name).join(', ')}` : ''}`,
  ];
  const sshd = dumps.filter((d) => d.comm === 'sshd');
  out.push(sshd.length ? `kph: ${sshd.map((d) => `sshd (pid ${d.pid}) state ${d.state}, ${where(d)}`).join('; ')}` : 'kph: no sshd task in the dump');
  return out;
}

/** The lines summarizeTaskDump wrote, among a failure's excerpt. */
export function isTaskDumpSummary(line: string): boolean {
  return /^kph: (SysRq t through the QEMU monitor|sshd \(pid|no sshd task)/.test(line);
}

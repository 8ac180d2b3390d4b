// Parse stuck-tasks.txt, which kph-scenario writes when a scenario's script ran out of time: its
// tasks just before the kill. Pure.
//
//   pid 92 comm timeout state S wchan __x64_sys_rt_sigsuspend
//   pid 96 comm sh state S wchan do_wait
//   pid 97 comm kph-hang state S wchan kph_hang_interruptible
//       [<0>] kph_hang_interruptible+0x2c/0x50        (only with CONFIG_STACKTRACE)
//       [<0>] ksys_unshare+0x3c/0x3e0

export interface StuckTask {
  pid: number;
  comm: string;
  /** R, S, D, T, Z, ... as in /proc/PID/stat. */
  state: string;
  /** Where it sleeps (/proc/PID/wchan); '' or '0' when running or unknown. */
  wchan: string;
  /** /proc/PID/stack lines without the "[<0>] " prefix; empty without CONFIG_STACKTRACE. */
  stack: string[];
}

export function parseStuckTasks(text: string): StuckTask[] {
  const tasks: StuckTask[] = [];
  for (const line of text.split('\n')) {
    const m = /^pid (\d+) comm (.*) state (\S+) wchan ?(\S*)$/.exec(line);
    if (m) {
      tasks.push({ pid: Number(m[1]), comm: m[2]!, state: m[3]!, wchan: m[4]!, stack: [] });
      continue;
    }
    const f = /^\s+(?:\[<[0-9a-f]+>\] )?(\S.*)$/.exec(line);
    if (f && tasks.length) tasks[tasks.length - 1]!.stack.push(f[1]!);
  }
  return tasks;
}

/** Tasks that only wait for others: timeout(1) and shells waiting for their children. */
function isWaiter(t: StuckTask): boolean {
  return (t.comm === 'timeout' && /sigsuspend/.test(t.wchan)) || /^(do_wait|kernel_wait4)$/.test(t.wchan);
}

/**
 * The tasks a developer looks at first: the script's tasks that are not just waiting for a
 * child, uninterruptible ones (D) first.
 */
export function stuckTasksOfInterest(tasks: StuckTask[]): StuckTask[] {
  const rank = (t: StuckTask) => (t.state === 'D' ? 0 : 1);
  return tasks.filter((t) => !isWaiter(t)).sort((a, b) => rank(a) - rank(b));
}

/** Excerpt lines for a failure: "kph-hang (pid 97, state S) in kph_hang_interruptible", stack. */
export function stuckTasksExcerpt(tasks: StuckTask[], maxStack = 20): string[] {
  return stuckTasksOfInterest(tasks).flatMap((t) => [
    `${t.comm} (pid ${t.pid}, state ${t.state})${t.wchan && t.wchan !== '0' ? ` in ${t.wchan}` : ''}`,
    ...t.stack.slice(0, maxStack).map((l) => `    ${l}`),
  ]);
}

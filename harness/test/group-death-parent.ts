// Helper for harness/process/exec.test.ts: a Node process that starts a process group with
// groupDiesWithParent (a shell and two sleeping children, whose pids go to OUT; or make -j2
// with two recipes that sleep, as make bzImage runs compilers) and then waits to be SIGKILLed.
//   node --import tsx group-death-parent.ts spawn|run|make OUT
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { realRunner } from '../process/exec.js';

const [kind, out] = process.argv.slice(2) as ['spawn' | 'run' | 'make', string];
const cmd = `sleep 300 & echo $! >>'${out}'; sleep 301 & echo $! >>'${out}'; echo $$ >>'${out}'; wait`;
if (kind === 'spawn') realRunner.spawn('sh', ['-c', cmd], { groupDiesWithParent: true });
else if (kind === 'run') void realRunner.run('sh', ['-c', cmd], { groupDiesWithParent: true });
else {
  // Each recipe's shell writes its pid and becomes the sleep (make's cmdline names the Makefile).
  const mk = join(dirname(out), 'Makefile');
  writeFileSync(mk, `all: a b\n\t@true\na b:\n\t@echo $$$$ >>'${out}'; exec sleep 300\n`);
  realRunner.spawn('make', ['-j2', '-f', mk], { groupDiesWithParent: true });
}
setInterval(() => {}, 1000);

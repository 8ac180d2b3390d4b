// Helper for harness/process/exec.test.ts: a Node process that starts a process group with
// groupDiesWithParent (a shell and two sleeping children, whose pids go to OUT) and then
// waits to be SIGKILLed.   node --import tsx group-death-parent.ts spawn|run OUT
import { realRunner } from '../process/exec.js';

const [kind, out] = process.argv.slice(2) as ['spawn' | 'run', string];
const cmd = `sleep 300 & echo $! >>'${out}'; sleep 301 & echo $! >>'${out}'; echo $$ >>'${out}'; wait`;
if (kind === 'spawn') realRunner.spawn('sh', ['-c', cmd], { groupDiesWithParent: true });
else void realRunner.run('sh', ['-c', cmd], { groupDiesWithParent: true });
setInterval(() => {}, 1000);

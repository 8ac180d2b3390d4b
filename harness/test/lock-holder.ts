// Helper for harness/process/lock.test.ts: take a lock, say so, and hold it until killed.
//   node --import tsx lock-holder.ts FILE PURPOSE
import { acquireLock } from '../process/lock.js';

const [file, purpose] = process.argv.slice(2) as [string, string];
await acquireLock(file, { purpose, log: (m) => process.stderr.write(m + '\n') });
process.stdout.write('held\n');
setInterval(() => {}, 1000);

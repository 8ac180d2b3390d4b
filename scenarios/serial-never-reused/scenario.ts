// ns-serial's reason to exist: create and destroy N network namespaces one after the other.
// Proc inode numbers come back (lowest free IDA slot, fs/proc/generic.c); serials never do.
import { check, checkEqual, scriptExitedZero } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

function rounds(stdout: string): { inode: number; serial: string }[] {
  return stdout
    .split('\n')
    .map((l) => /^(\d+) (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ inode: Number(m[1]), serial: m[2]! }));
}

export default defineScenario({
  name: 'serial-never-reused',
  description: 'create and destroy N network namespaces: serials strictly increase, proc inode numbers repeat',
  needs: { config: ['CONFIG_NET_NS=y'] },
  params: { N: 1000 },
  script: `
kph-ns-churn -n "$N"
`,
  timeoutSec: 600,
  expect(ctx) {
    const checks: Check[] = [];
    const n = Number(ctx.params.N);
    checks.push(scriptExitedZero(ctx.guest));
    const r = rounds(ctx.guest.stdout);
    checks.push(checkEqual('namespaces created and destroyed', r.length, n));
    const inodes = new Set(r.map((x) => x.inode));
    // Every kernel: the proc inode of a freed netns is handed out again.
    checks.push(check('proc inode numbers repeat (why serials are needed)', inodes.size < r.length, `${inodes.size} distinct inode numbers in ${r.length} namespaces`));
    if (!ctx.provides.has('ns-serial')) {
      checks.push(check('no net_snum without the series', r.every((x) => x.serial === '-'), `${r.filter((x) => x.serial !== '-').length} rounds read a serial`));
      return checks;
    }
    const serials = r.map((x) => (/^[0-9a-f]+$/.test(x.serial) ? BigInt(`0x${x.serial}`) : -1n));
    const bad = serials.findIndex((s, i) => s <= 0n || (i > 0 && s <= serials[i - 1]!));
    checks.push(check('serials strictly increase (and so never repeat)', bad === -1, bad === -1 ? `${r[0]?.serial} … ${r.at(-1)?.serial}` : `round ${bad}: ${r[bad - 1]?.serial} then ${r[bad]?.serial}`));
    return checks;
  },
  measure(ctx): Record<string, number> {
    const r = rounds(ctx.guest.stdout);
    return { namespaces: r.length, distinctInodes: new Set(r.map((x) => x.inode)).size, perSec: ctx.guest.durationMs ? Math.round((r.length * 1000) / ctx.guest.durationMs) : 0 };
  },
});

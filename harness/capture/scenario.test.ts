// The one guest command around a scenario (captureCommand), run by sh on the host with a fake
// kph-scenario on PATH: the archive kph sends unpacks into the guest folder, the folder and the
// boot's records come back as a tar that unpackCapture reads, and each step's failure has its
// own exit status.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineScenario } from '../core/scenario.js';
import { captureCommand, DOWNLOAD_FAILED, scenarioArchive, unpackCapture, UPLOAD_FAILED } from './scenario.js';

let root: string;
const scenario = defineScenario({ name: 'demo', description: 'd', script: 'echo hi\n', auditRules: ['-a always,exit -F arch=b64 -S unshare -k kph'], listener: { args: ['--all'] }, expect: () => [] });

// kph-scenario as far as the command cares: reads its folder, writes results and the boot's records beside it.
const FAKE = `#!/bin/sh
d=$1
read -r limit <"$d/timeout"
{ echo "rules: $(cat "$d/rules")"; echo "limit: $limit"; echo "listen: $(cat "$d/listen")"; read -r x || echo "stdin: empty"; } >"$d/stdout.txt"
echo 0 >"$d/exit-code"
echo "type=USER msg=audit(2.000:5): msg=text=kph-begin demo" >"$d/audit-window.log"
echo "type=USER msg=audit(2.000:6): msg=text=kph-end demo" >>"$d/audit-window.log"
echo "type=DAEMON_START msg=audit(1.000:1): op=start" >"$d/../audit-boot.log"
echo "runner noise on stdout"
exit \${FAKE_RC:-0}
`;

function run(cmd: string, input: Buffer, env: Record<string, string> = {}) {
  return spawnSync('sh', ['-c', cmd], { input, env: { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH}`, ...env }, timeout: 30_000 });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kph-capture-cmd-'));
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin', 'kph-scenario'), FAKE);
  chmodSync(join(root, 'bin', 'kph-scenario'), 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('captureCommand', () => {
  it('unpacks the scenario, runs kph-scenario with an empty stdin, and sends back the folder with the boot\'s records', async () => {
    const guestDir = join(root, 'kph', 'demo');
    const r = run(captureCommand(guestDir), await scenarioArchive(scenario, { N: 3 }, 90, 30));
    expect(r.status).toBe(0);
    const cap = await unpackCapture(r.stdout, join(root, 'out'), true);
    expect(cap.stdout).toBe('rules: -a always,exit -F arch=b64 -S unshare -k kph\nlimit: 90\nlisten: --all\nstdin: empty\n');
    expect(cap.exitCode).toBe(0);
    // The judge's log: the boot's records, then the window.
    expect(cap.auditFull).toMatch(/^type=DAEMON_START .*\ntype=USER .*kph-begin demo.*\ntype=USER .*kph-end demo/);
    expect(readFileSync(join(root, 'out', 'guest', 'env'), 'utf8')).toBe("N='3'\n");
  });

  it('a folder left by an earlier run of the scenario is replaced, not merged', async () => {
    const guestDir = join(root, 'kph', 'demo');
    mkdirSync(guestDir, { recursive: true });
    writeFileSync(join(guestDir, 'script-timeout'), '5\n');
    const r = run(captureCommand(guestDir), await scenarioArchive(scenario, {}, 90, 30));
    const cap = await unpackCapture(r.stdout, join(root, 'out'), true);
    expect(cap.scriptTimedOut).toBe(false);
  });

  it('kph-scenario\'s failure is the command\'s status, and the folder still comes back', async () => {
    const r = run(captureCommand(join(root, 'kph', 'demo')), await scenarioArchive(scenario, {}, 90, 30), { FAKE_RC: '3' });
    expect(r.status).toBe(3);
    expect((await unpackCapture(r.stdout, join(root, 'out'), true)).exitCode).toBe(0);
  });

  it('an archive that does not unpack, and a folder that cannot be sent, have their own statuses', async () => {
    expect(run(captureCommand(join(root, 'kph', 'demo')), Buffer.from('not a tar archive'.repeat(64))).status).toBe(UPLOAD_FAILED);
    writeFileSync(join(root, 'bin', 'kph-scenario'), '#!/bin/sh\nrm -rf "$1"\n');
    expect(run(captureCommand(join(root, 'kph', 'demo')), await scenarioArchive(scenario, {}, 90, 30)).status).toBe(DOWNLOAD_FAILED);
  });
});

// images/guest-tools/kph-scenario, run on the host with fake auditctl and kph-cn-listen on
// PATH: the script's time limit (script-timeout, and the end marker, listener stop, status and
// log copy still happen), the exact end marker, and the listener's readiness wait.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRawCapture } from '../capture/scenario.js';
import { repoRoot } from '../core/paths.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'images', 'guest-tools', 'kph-scenario');

// auditctl: -s prints a status with a daemon pid (FAKE_PID), also as a line of an -R file, whose
// lines are kept in auditctl.calls; -m appends a USER record as auditd logs it.
const FAKE_AUDITCTL = `#!/bin/sh
status() { printf 'enabled 1\\nfailure 1\\npid %s\\nrate_limit 0\\nbacklog_limit 8192\\nlost 0\\nbacklog 0\\nbacklog_wait_time 60000\\nbacklog_wait_time_actual 0\\n' "\${FAKE_PID:-245}"; }
case "$1" in
-s) status ;;
-R) while IFS= read -r l; do echo "$l" >>"\${KPH_AUDIT_LOG%/*}/auditctl.calls"; [ "$l" = -s ] && status; [ "$l" = bad ] && { echo "bad rule" >&2; exit 1; }; done <"$2" ;;
-m) [ -n "\${FAKE_NO_END:-}" ] && case "$2" in kph-end*) exit 0 ;; esac
    echo "type=USER msg=audit(1.000:1): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='text=$2 exe=\\"/usr/sbin/auditctl\\" hostname=? addr=? terminal=? res=success'" >>"$KPH_AUDIT_LOG" ;;
esac
exit 0
`;
// The listener: its readiness line, then a summary on TERM.
const FAKE_LISTEN = `#!/bin/sh
trap 'echo "{\\"summary\\":true,\\"events\\":0,\\"enobufs\\":0,\\"seq_gaps\\":0,\\"drained\\":0}"; exit 0' TERM
echo "\${FAKE_READY:-{\\"ready\\":true,\\"acked\\":true,\\"err\\":0}}"
while :; do sleep 0.05; done
`;

let root: string;
let bin: string;
let log: string;

function scenarioDir(id: string, script: string, extra: Record<string, string> = {}): string {
  const d = join(root, 'kph', id);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'script.sh'), script);
  writeFileSync(join(d, 'env'), 'N=3\n');
  writeFileSync(join(d, 'rules'), '\n');
  for (const [f, t] of Object.entries(extra)) writeFileSync(join(d, f), t);
  return d;
}

function run(dir: string, env: Record<string, string> = {}) {
  return spawnSync('sh', [SCRIPT, dir], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KPH_AUDIT_LOG: log, KPH_LIB: join(repoRoot, 'images', 'guest-tools', 'kph-lib.sh'), ...env }, encoding: 'utf8', timeout: 60_000 });
}

const read = (d: string, f: string) => readFileSync(join(d, f), 'utf8');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kph-scenario-test-'));
  bin = join(root, 'bin');
  mkdirSync(bin);
  for (const [name, text] of [['auditctl', FAKE_AUDITCTL], ['kph-cn-listen', FAKE_LISTEN]]) {
    writeFileSync(join(bin, name!), text!);
    chmodSync(join(bin, name!), 0o755);
  }
  log = join(root, 'audit.log');
  writeFileSync(log, '');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('kph-scenario', () => {
  it('runs the script with its parameters and writes what the harness reads', () => {
    const d = scenarioDir('plain', 'echo "n=$N"; echo oops >&2; exit 7\n');
    expect(run(d).status).toBe(0);
    expect(read(d, 'stdout.txt')).toBe('n=3\n');
    expect(read(d, 'stderr.txt')).toBe('oops\n');
    expect(read(d, 'exit-code').trim()).toBe('7');
    expect(existsSync(join(d, 'script-timeout'))).toBe(false);
    expect(existsSync(join(d, 'flush-timeout'))).toBe(false);
    expect(read(d, 'audit-window.log')).toMatch(/^type=USER .*text=kph-begin plain .*\n.*text=kph-end plain /);
    expect(read(d, 'audit-status-after.txt')).toMatch(/^backlog_wait_time_actual 0$/m);
  });

  it('keeps the log before the boot\'s first scenario as the boot\'s records, once, and gives each scenario only its own window', () => {
    const bootLine = "type=DAEMON_START msg=audit(0.500:1): op=start ver=3.0.9 res=success\n";
    writeFileSync(log, bootLine);
    const a = scenarioDir('first', 'echo "type=SYSCALL msg=audit(2.000:7): inside-first" >>"$KPH_AUDIT_LOG"\n');
    expect(run(a).status).toBe(0);
    const b = scenarioDir('second', 'true\n');
    expect(run(b).status).toBe(0);
    expect(read(join(root, 'kph'), 'audit-boot.log')).toBe(bootLine);
    expect(read(a, 'audit-window.log')).toMatch(/^type=USER .*kph-begin first .*\ntype=SYSCALL .*inside-first\ntype=USER .*kph-end first /);
    expect(read(b, 'audit-window.log')).not.toContain('first');
    expect(read(b, 'audit-window.log')).not.toContain('DAEMON_START');
    // What the judge reads: the boot's records (downloaded into the folder with it), then the window.
    cpSync(join(root, 'kph', 'audit-boot.log'), join(b, 'audit-boot.log'));
    const raw = readRawCapture(b);
    expect(raw.auditFull.startsWith(bootLine + "type=USER")).toBe(true);
  });

  it('loads the scenario\'s rules in one auditctl after deleting the old ones and setting the backlog, and deletes them at the end', () => {
    const d = scenarioDir('rules', 'true\n', { rules: '-a always,exit -F arch=b64 -S unshare -k kph\n-a always,exit -F arch=b64 -S setns -k kph' });
    expect(run(d).status).toBe(0);
    expect(read(root, 'auditctl.calls').split('\n')).toEqual(['-D', '-b 8192', '--backlog_wait_time 60000', '-a always,exit -F arch=b64 -S unshare -k kph', '-a always,exit -F arch=b64 -S setns -k kph', '-s', '-s', '-D', '']);
    expect(read(d, 'audit-status-before.txt')).toMatch(/^pid 245$/m);
  });

  it('a rule auditctl refuses: exit 3 with auditctl\'s message, the script never runs', () => {
    const d = scenarioDir('badrule', 'echo ran\n', { rules: 'bad\n' });
    const r = run(d);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/audit rules failed\nbad rule/);
    expect(existsSync(join(d, 'stdout.txt'))).toBe(false);
  });

  it('no auditd (no daemon pid in the status): exit 3 before the script runs', () => {
    const d = scenarioDir('nodaemon', 'echo ran\n');
    const r = run(d, { FAKE_PID: '0' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/auditd is not running/);
    expect(existsSync(join(d, 'stdout.txt'))).toBe(false);
  });

  it('reads the log from its start when the script truncated it', () => {
    writeFileSync(log, 'x'.repeat(5000) + '\n');
    const d = scenarioDir('shrink', ': >"$KPH_AUDIT_LOG"\n');
    expect(run(d, { KPH_FLUSH_TRIES: '20' }).status).toBe(0);
    expect(existsSync(join(d, 'flush-timeout'))).toBe(false);
    expect(read(d, 'audit-window.log')).toMatch(/text=kph-end shrink /);
  });

  it('kills a script that outlives its timeout file, writes script-timeout, and still ends the capture', () => {
    const d = scenarioDir('stuck', 'echo started; sleep 30; echo never\n', { timeout: '1\n', listen: '\n' });
    const t0 = Date.now();
    expect(run(d).status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(read(d, 'script-timeout').trim()).toBe('1');
    expect(read(d, 'exit-code').trim()).toBe('124');
    expect(read(d, 'stdout.txt')).toBe('started\n');
    expect(read(d, 'audit-window.log')).toContain("msg='text=kph-end stuck ");
    expect(read(d, 'events.jsonl')).toContain('"summary":true');
    expect(existsSync(join(d, 'audit-status-after.txt'))).toBe(true);
    // Where the script's tasks were just before the kill: the stuck sleep among them.
    expect(read(d, 'stuck-tasks.txt')).toMatch(/^pid \d+ comm sleep state S wchan \S*$/m);
    expect(read(d, 'stuck-tasks.txt')).toMatch(/^pid \d+ comm sh state S /m);
    expect(existsSync(join(d, 'watch.pid'))).toBe(false);
  });

  it('keeps the script\'s standard input, and leaves no watcher behind when the script is quick', () => {
    const d = scenarioDir('stdin', 'read line; echo "got $line"\n', { timeout: '20' });
    const r = spawnSync('sh', [SCRIPT, d], { input: 'hello\n', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KPH_AUDIT_LOG: log, KPH_LIB: join(repoRoot, 'images', 'guest-tools', 'kph-lib.sh') }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(read(d, 'stdout.txt')).toBe('got hello\n');
    expect(existsSync(join(d, 'stuck-tasks.txt'))).toBe(false);
    expect(existsSync(join(d, 'watch.pid'))).toBe(false);
    const sleepers = spawnSync('pgrep', ['-f', '^sleep 19.3$'], { encoding: 'utf8' });
    expect(sleepers.stdout.trim()).toBe('');
  });

  it('a script that finishes in time leaves no script-timeout, even when it exits 124 itself', () => {
    const d = scenarioDir('quick', 'exit 124\n', { timeout: '20' });
    expect(run(d).status).toBe(0);
    expect(read(d, 'exit-code').trim()).toBe('124');
    expect(existsSync(join(d, 'script-timeout'))).toBe(false);
  });

  it('refuses a timeout file that is not a positive whole number', () => {
    const d = scenarioDir('badlimit', 'true\n', { timeout: '5; reboot' });
    const r = run(d);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/no positive whole number/);
  });

  it('matches the end marker exactly: another scenario\'s "kph-end ID-10k" does not end this flush', () => {
    // Inside this scenario's window, where the flush looks.
    const d = scenarioDir('exact', `echo "type=USER msg=audit(1.000:1): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='text=kph-end exact-10k exe=/usr/sbin/auditctl res=success'" >>"$KPH_AUDIT_LOG"\n`);
    const t0 = Date.now();
    expect(run(d, { FAKE_NO_END: '1', KPH_FLUSH_TRIES: '20' }).status).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(1000); // waited the whole (shortened) flush time
    expect(read(d, 'flush-timeout')).toMatch(/end marker never reached/);
  });

  it('a scenario run again on one guest (--repeat) waits for its own end marker, not the last run\'s', () => {
    writeFileSync(log, "type=USER msg=audit(1.000:1): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='text=kph-end again exe=\"/usr/sbin/auditctl\" res=success'\n");
    const d = scenarioDir('again', 'true\n');
    const t0 = Date.now();
    expect(run(d, { FAKE_NO_END: '1', KPH_FLUSH_TRIES: '20' }).status).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(1000);
    expect(read(d, 'flush-timeout')).toMatch(/end marker never reached/);
    rmSync(join(d, 'flush-timeout'));
    const d2 = scenarioDir('again', 'true\n');
    expect(run(d2, { KPH_FLUSH_TRIES: '20' }).status).toBe(0);
    expect(existsSync(join(d2, 'flush-timeout'))).toBe(false);
  });

  it('does not wait 20 s for a listener that died before its readiness line', () => {
    writeFileSync(join(bin, 'kph-cn-listen'), '#!/bin/sh\necho \'{"error":"socket","errno":93}\'\nexit 1\n');
    const d = scenarioDir('deadlistener', 'true\n', { listen: '\n' });
    const t0 = Date.now();
    const r = run(d);
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.stderr).toMatch(/listener exited before it was ready/);
  });
});

describe('kph-lib.sh, sourced before every script', () => {
  it('gives the script kph_wait_own_ns, kph_snum and kph_ns_notes', () => {
    const d = scenarioDir('lib', 'kph_snum net\nkph_ns_notes me $$ net\nsleep 30 & KPH_WAIT_TRIES=2 kph_wait_own_ns $! net || echo "KPH waited=gave-up"\nkill $!\n', { timeout: '20\n' });
    run(d);
    const out = read(d, 'stdout.txt');
    expect(out).toMatch(/^none$/m); // no ns-serial kernel here: no _snum file
    expect(out).toMatch(/^KPH me_net=net:\[\d+\]$/m);
    expect(out).toMatch(/^KPH wait_own_ns=timeout\nKPH waited=gave-up$/m); // the child shares our netns
    expect(read(d, 'exit-code').trim()).toBe('0');
  });
});

// The capture around one scenario: upload the scenario to the guest (images/guest-tools/
// kph-scenario does the guest side: audit rules, listener, begin/end markers, flush) and bring
// its folder back. The guest stage (harness/guest/) decides when, and what to do on a hang.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { joinAuditLog, parseNotes, type CapturedText } from '../core/captured.js';
import { KphError } from '../core/errors.js';
import type { ParamValue, Scenario } from '../core/scenario.js';
import type { GuestSession } from '../ssh/guest.js';

export { parseNotes };

/** What the guest left in the scenario's folder, and where it is on the host. */
export interface RawCapture extends CapturedText {
  dir: string;
  /** The end marker never reached auditd's log. */
  flushTimedOut: boolean;
  /** kph-scenario's own `timeout` stopped the script (the second line of defence). */
  scriptTimedOut: boolean;
  /** stuck-tasks.txt: the script's tasks just before its time limit killed them (parse/stuck-tasks.ts). */
  stuckTasks?: string;
  /**
   * kmemleak.txt: on a kmemleak kernel, /sys/kernel/debug/kmemleak as read after the scenario
   * (guest/guest.ts: kmemleakScanScript); empty when nothing leaked. Absent: no scan ran.
   */
  kmemleak?: string;
  /** kmemleak.err: the scan after the scenario failed (why). */
  kmemleakError?: string;
  /**
   * ns-deaths.txt: on a series whose records say when a namespace dies, the guest's wait for the
   * DEL records of the namespaces the window made and did not see freed (judge/ns-deaths.ts).
   * Absent: nothing was pending, or no such series.
   */
  nsDeaths?: string;
  /** ns-deaths.err: that wait could not run (why). */
  nsDeathsError?: string;
}

/** Shell-quote a parameter value for the guest's env file. */
function shq(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export function renderEnv(params: Record<string, ParamValue>): string {
  return Object.entries(params)
    .map(([k, v]) => {
      if (!/^[A-Za-z_]\w*$/.test(k)) throw new KphError('E_PARAM', 'scenario', `Parameter name "${k}" is not a shell variable name.`);
      return `${k}=${shq(String(v))}\n`;
    })
    .join('');
}

/** The guest folder of a scenario (names are [a-z0-9-], checked when scenarios load). */
export function guestDirOf(scenario: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(scenario)) throw new KphError('E_USAGE', 'scenario', `Scenario name "${scenario}" may only hold a-z, 0-9 and -.`);
  return `/tmp/kph/${scenario}`;
}

/** script.sh, env, rules, timeout, hung-task-secs (and listen) as a tar archive for the guest folder. */
export async function scenarioArchive(scenario: Scenario, params: Record<string, ParamValue>, guestTimeoutSec: number, hungTaskSec: number): Promise<Buffer> {
  const stage = mkdtempSync(join(tmpdir(), 'kph-upload-'));
  try {
    writeFileSync(join(stage, 'script.sh'), scenario.script);
    writeFileSync(join(stage, 'env'), renderEnv(params));
    writeFileSync(join(stage, 'rules'), (scenario.auditRules ?? []).join('\n') + '\n');
    writeFileSync(join(stage, 'timeout'), `${guestTimeoutSec}\n`);
    writeFileSync(join(stage, 'hung-task-secs'), `${hungTaskSec}\n`);
    const files = ['script.sh', 'env', 'rules', 'timeout', 'hung-task-secs'];
    if (scenario.listener) {
      writeFileSync(join(stage, 'listen'), (scenario.listener.args ?? []).join(' ') + '\n');
      files.push('listen');
    }
    const chunks: Buffer[] = [];
    for await (const c of tar.c({ cwd: stage, portable: true }, files) as unknown as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Exit codes of captureCommand's own steps (kph-scenario exits 0 or 3). */
export const UPLOAD_FAILED = 97;
export const DOWNLOAD_FAILED = 98;

/** The folder, then the boot's records kph-scenario keeps once per boot beside the scenarios' folders. */
function tarBack(guestDir: string): string {
  return `tar -c --ignore-failed-read -C '${guestDir}' . -C '${guestDir}/..' audit-boot.log`;
}

/**
 * One guest command for a whole scenario (each SSH exec costs about 0.2 s under TCG): unpack
 * the archive on stdin into the guest folder, run kph-scenario on it (stdin empty, as the
 * script always had), then the folder back as a tar on stdout; exits with kph-scenario's
 * status, or UPLOAD_FAILED / DOWNLOAD_FAILED.
 */
export function captureCommand(guestDir: string): string {
  return [
    `rm -rf '${guestDir}' && mkdir -p '${guestDir}' && tar -x -C '${guestDir}' || exit ${UPLOAD_FAILED}`,
    `kph-scenario '${guestDir}' </dev/null >/dev/null; rc=$?`,
    `${tarBack(guestDir)} || exit ${DOWNLOAD_FAILED}`,
    'exit $rc',
  ].join('\n');
}

/** Unpack what captureCommand (or downloadCapture) sent back into `<outDir>/guest` and read it. */
export async function unpackCapture(bytes: Buffer, outDir: string, listener: boolean): Promise<RawCapture> {
  const raw = join(outDir, 'guest');
  mkdirSync(raw, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const x = tar.x({ cwd: raw });
    x.on('finish', () => resolve());
    x.on('error', reject);
    x.end(bytes);
  });
  return readRawCapture(raw, listener);
}

/** Bring the guest folder back into `<outDir>/guest` and read it (after a hang: captureCommand never finished). */
export async function downloadCapture(session: GuestSession, guestDir: string, outDir: string, listener: boolean, timeoutMs = 120_000): Promise<RawCapture> {
  const down = await session.exec(tarBack(guestDir), { timeoutMs });
  if (down.code !== 0) throw new KphError('E_DOWNLOAD', 'capture', `Fetching the scenario's files failed: ${down.stderr.trim()}`);
  return unpackCapture(down.stdoutBytes, outDir, listener);
}

/** A guest folder on the host (a run's, or a fixture) as a RawCapture. */
export function readRawCapture(dir: string, listener = existsSync(join(dir, 'events.jsonl')) || existsSync(join(dir, 'listen'))): RawCapture {
  const opt = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
  const kmemleak = opt('kmemleak.txt');
  const kmemleakError = opt('kmemleak.err');
  const nsDeaths = opt('ns-deaths.txt');
  const nsDeathsError = opt('ns-deaths.err');
  return { ...readCapturedDir(dir, listener), dir, flushTimedOut: existsSync(join(dir, 'flush-timeout')), scriptTimedOut: existsSync(join(dir, 'script-timeout')), stuckTasks: opt('stuck-tasks.txt'), ...(kmemleak !== undefined ? { kmemleak } : {}), ...(kmemleakError !== undefined ? { kmemleakError } : {}), ...(nsDeaths !== undefined ? { nsDeaths } : {}), ...(nsDeathsError !== undefined ? { nsDeathsError } : {}) };
}

/** Read the files images/guest-tools/kph-scenario writes (a run's guest/ folder, or a fixture of one). */
export function readCapturedDir(dir: string, listener = existsSync(join(dir, 'events.jsonl'))): CapturedText {
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  return {
    exitCode: Number(read('exit-code').trim() || -1),
    stdout: read('stdout.txt'),
    stderr: read('stderr.txt'),
    durationMs: Number(read('duration-ms').trim() || 0),
    auditFull: joinAuditLog({ full: read('audit-full.log'), boot: read('audit-boot.log'), window: read('audit-window.log') }),
    statusBefore: read('audit-status-before.txt'),
    statusAfter: read('audit-status-after.txt'),
    listener: listener ? read('events.jsonl') : null,
  };
}

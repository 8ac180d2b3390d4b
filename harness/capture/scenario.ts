// Run one scenario in the guest with capture around it (images/guest-tools/kph-scenario does
// the guest side: audit rules, listener, begin/end markers, flush) and bring the files back.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { KphError } from '../core/errors.js';
import type { ParamValue, Scenario } from '../core/scenario.js';
import type { GuestSession } from '../ssh/guest.js';
import type { CapturedText } from './context.js';

/** What the guest left in the scenario's folder, and where it is on the host. */
export interface RawCapture extends CapturedText {
  dir: string;
  flushTimedOut: boolean;
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

export async function runScenarioInGuest(
  session: GuestSession,
  scenario: Scenario,
  params: Record<string, ParamValue>,
  id: string,
  outDir: string,
  timeoutMs: number,
): Promise<RawCapture> {
  const stage = mkdtempSync(join(tmpdir(), 'kph-upload-'));
  const guestDir = `/tmp/kph/${id}`;
  try {
    writeFileSync(join(stage, 'script.sh'), scenario.script);
    writeFileSync(join(stage, 'env'), renderEnv(params));
    writeFileSync(join(stage, 'rules'), (scenario.auditRules ?? []).join('\n') + '\n');
    const files = ['script.sh', 'env', 'rules'];
    if (scenario.listener) {
      writeFileSync(join(stage, 'listen'), (scenario.listener.args ?? []).join(' ') + '\n');
      files.push('listen');
    }
    const up = await session.execWithInput(`rm -rf ${guestDir} && mkdir -p ${guestDir} && tar -x -C ${guestDir}`, Readable.from(tar.c({ cwd: stage, portable: true }, files)));
    if (up.code !== 0) throw new KphError('E_UPLOAD', 'capture', `Uploading the scenario to the guest failed: ${up.stderr.trim()}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const run = await session.exec(`kph-scenario ${guestDir}`, { timeoutMs });
  if (run.code !== 0) {
    throw new KphError('E_CAPTURE', 'capture', `The guest's scenario runner failed (exit ${run.code}): ${(run.stderr || run.stdout).trim().split('\n').slice(-5).join(' / ')}`);
  }
  const down = await session.exec(`tar -c -C ${guestDir} .`, { timeoutMs: 120_000 });
  if (down.code !== 0) throw new KphError('E_DOWNLOAD', 'capture', `Fetching the scenario's files failed: ${down.stderr.trim()}`);
  const raw = join(outDir, 'guest');
  mkdirSync(raw, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const x = tar.x({ cwd: raw });
    x.on('finish', () => resolve());
    x.on('error', reject);
    x.end(down.stdoutBytes);
  });
  return { ...readCapturedDir(raw, scenario.listener !== false && scenario.listener !== undefined), dir: raw, flushTimedOut: existsSync(join(raw, 'flush-timeout')) };
}

/** Read the files images/guest-tools/kph-scenario writes (a run's guest/ folder, or a fixture of one). */
export function readCapturedDir(dir: string, listener = existsSync(join(dir, 'events.jsonl'))): CapturedText {
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  return {
    exitCode: Number(read('exit-code').trim() || -1),
    stdout: read('stdout.txt'),
    stderr: read('stderr.txt'),
    durationMs: Number(read('duration-ms').trim() || 0),
    auditFull: read('audit-full.log'),
    statusBefore: read('audit-status-before.txt'),
    statusAfter: read('audit-status-after.txt'),
    listener: listener ? read('events.jsonl') : null,
  };
}

/** `KPH name=value` lines from the guest script's stdout. */
export function parseNotes(stdout: string): Record<string, string[]> {
  const notes: Record<string, string[]> = {};
  for (const line of stdout.split('\n')) {
    const m = /^KPH ([\w.-]+)=(.*)$/.exec(line);
    if (m) (notes[m[1]!] ??= []).push(m[2]!);
  }
  return notes;
}

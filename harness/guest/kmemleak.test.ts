// The guest's kmemleak steps (guest/guest.ts), without a guest: the shell scripts run on the
// host against a plain file standing in for /sys/kernel/debug/kmemleak (each write replaces its
// text, so what cat printed and what is left say the order of the commands), and the step after
// a scenario with a fake SSH session.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawCapture } from '../capture/scenario.js';
import { readRawCapture } from '../capture/scenario.js';
import type { ExecResult } from '../ssh/guest.js';
import { GuestHandle, KMEMLEAK_FILE, KMEMLEAK_WAIT_SEC, kmemleakEnabled, kmemleakPrepareScript, kmemleakScanScript, type BootedGuest } from './guest.js';

const sh = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8' });

describe('kmemleak guest scripts', () => {
  it('after a scenario: scan, wait, scan, print the report, clear', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'kph-kmemleak-')), 'kmemleak');
    writeFileSync(f, '');
    const r = sh(kmemleakScanScript(0, f));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('scan\n'); // cat ran after the second scan
    expect(readFileSync(f, 'utf8')).toBe('clear\n'); // and clear after cat
    const s = kmemleakScanScript();
    expect(s.indexOf(`sleep ${KMEMLEAK_WAIT_SEC}`)).toBeGreaterThan(s.indexOf('echo scan'));
    expect(s.lastIndexOf('echo scan')).toBeGreaterThan(s.indexOf('sleep'));
  });

  it('before the first scenario: scan, wait, scan, clear (a clear alone forgets only what was reported)', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'kph-kmemleak-')), 'kmemleak');
    writeFileSync(f, '');
    const r = sh(kmemleakPrepareScript(0, f));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(f, 'utf8')).toBe('clear\n');
  });

  it('waits past kmemleak\'s minimum object age (MSECS_MIN_AGE, 5000 ms in 6.12)', () => {
    expect(KMEMLEAK_WAIT_SEC).toBeGreaterThan(5);
    expect(KMEMLEAK_FILE).toBe('/sys/kernel/debug/kmemleak');
  });

  it('no kmemleak file: fails saying so (a stand-in path never mounts debugfs)', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'kph-kmemleak-')), 'none', 'kmemleak');
    const r = sh(kmemleakScanScript(0, f));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('kmemleak is off in this kernel');
    expect(kmemleakScanScript(0, f)).not.toContain('mount');
    expect(kmemleakScanScript()).toContain('mount -t debugfs debugfs /sys/kernel/debug');
  });

  it('a kmemleak kernel is one whose config has CONFIG_DEBUG_KMEMLEAK=y', () => {
    expect(kmemleakEnabled(new Map([['CONFIG_DEBUG_KMEMLEAK', 'y']]))).toBe(true);
    expect(kmemleakEnabled(new Map([['CONFIG_DEBUG_KMEMLEAK', 'n']]))).toBe(false);
    expect(kmemleakEnabled(new Map())).toBe(false);
  });
});

function fakeGuest(results: (ExecResult | Error)[]): { handle: GuestHandle; commands: string[] } {
  const commands: string[] = [];
  const session = {
    exec: async (command: string) => {
      commands.push(command);
      const r = results.shift()!;
      if (r instanceof Error) throw r;
      return r;
    },
  };
  const handle = new GuestHandle({ session, vm: {}, bootMs: 1, phases: { total: 1 } } as unknown as BootedGuest, { kmemleak: true });
  return { handle, commands };
}
const ok = (stdout: string): ExecResult => ({ code: 0, stdout, stderr: '', stdoutBytes: Buffer.from(stdout) }) as ExecResult;
const failed = (stderr: string): ExecResult => ({ code: 1, stdout: '', stderr, stdoutBytes: Buffer.alloc(0) }) as ExecResult;
const captureIn = (): RawCapture => {
  const dir = join(mkdtempSync(join(tmpdir(), 'kph-kmemleak-cap-')), 'guest');
  return { ...readRawCapture(dir, false), dir };
};

describe('GuestHandle kmemleak steps', () => {
  it('the report goes into the capture and guest/kmemleak.txt, where kph judge reads it again', async () => {
    const { handle, commands } = fakeGuest([ok(''), ok('unreferenced object 0xff11 (size 64):\n')]);
    await handle.prepareKmemleak();
    const c = await handle.scanKmemleak(captureIn());
    expect(commands[0]).toContain('echo clear');
    expect(commands[1]).toContain('cat "$k"');
    expect(c.kmemleak).toBe('unreferenced object 0xff11 (size 64):\n');
    expect(readRawCapture(c.dir).kmemleak).toBe(c.kmemleak);
  });

  it('an empty report is kmemleak.txt with nothing in it: scanned, no leak', async () => {
    const { handle } = fakeGuest([ok('')]);
    const c = await handle.scanKmemleak(captureIn());
    expect(readRawCapture(c.dir)).toMatchObject({ kmemleak: '' });
    expect(readRawCapture(c.dir).kmemleakError).toBeUndefined();
  });

  it('a scan that fails is kmemleak.err with why', async () => {
    const { handle } = fakeGuest([failed('sh: echo: I/O error: Operation not permitted')]);
    const c = await handle.scanKmemleak(captureIn());
    expect(c.kmemleakError).toContain('Operation not permitted');
    expect(readRawCapture(c.dir).kmemleakError).toContain('Operation not permitted');
    expect(existsSync(join(c.dir, 'kmemleak.txt'))).toBe(false);
  });

  it('a failed preparation at boot is said by every scenario after it, and nothing more is asked of the guest', async () => {
    const { handle, commands } = fakeGuest([failed('no /sys/kernel/debug/kmemleak: kmemleak is off')]);
    await handle.prepareKmemleak();
    const c = await handle.scanKmemleak(captureIn());
    expect(commands).toHaveLength(1);
    expect(c.kmemleakError).toContain('preparing kmemleak after the boot failed (exit 1): no /sys/kernel/debug/kmemleak');
  });
});

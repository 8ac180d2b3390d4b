import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootPhases, formatBootPhases, isInitLine, markConsoleLine, type BootMarks } from './boot-phases.js';

describe('isInitLine', () => {
  it('knows the init line of a real console', () => {
    // baseline kernel, TCG (an e2e run's console.log)
    expect(isInitLine('[    1.776057] Run /sbin/kph-init as init process')).toBe(true);
    expect(isInitLine('[    2.192066] Run /usr/bin/sleep as init process')).toBe(true);
    expect(isInitLine('[    1.776057] Run /sbin/kph-init')).toBe(false);
    expect(isInitLine('kph: guest ready')).toBe(false);
  });
});

describe('markConsoleLine', () => {
  it('marks the first line, init, sshd started and ready of a real console, each once', () => {
    // baseline kernel, TCG, an e2e run's console.log as QEMU wrote it (CRLF, which vm.ts drops); line i "arrives" at 10*(i+1) ms
    const lines = readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'console', 'boot-baseline-sshd-first-tcg.log'), 'utf8').replace(/\r/g, '').split('\n');
    const m: BootMarks = {};
    lines.forEach((l, i) => markConsoleLine(m, l, 10 * (i + 1)));
    const at = (re: RegExp) => 10 * (lines.findIndex((l) => re.test(l)) + 1);
    expect(m).toEqual({ firstLineMs: 10, initMs: at(/ Run \/sbin\/kph-init as init process$/), sshdMs: at(/^kph: sshd started$/), readyMs: at(/^kph: guest ready$/) });
    expect(m.firstLineMs! < m.initMs! && m.initMs! < m.sshdMs! && m.sshdMs! < m.readyMs!).toBe(true);
    // A second ready line (a guest that says it again) moves nothing.
    markConsoleLine(m, 'kph: guest ready', 99_999);
    expect(m.readyMs).toBe(at(/^kph: guest ready$/));
  });
});

describe('bootPhases', () => {
  it('splits a boot at the first line, init, the ready line and the SSH events', () => {
    // host times of a real boot under load (first line 4366 ms, init 8978 ms, ready 14256 ms)
    const p = bootPhases({ firstLineMs: 4366, initMs: 8978, readyMs: 14256, sshAttemptMs: 14300, sshHandshakeMs: 15900, sshReadyMs: 16600 }, 16700);
    expect(p).toEqual({ firmware: 4366, kernel: 4612, userspace: 5278, sshWait: 44, sshKex: 1600, sshAuth: 700, total: 16700 });
    expect(formatBootPhases(p)).toBe('firmware 4.4 s, kernel 4.6 s, userspace 5.3 s, ssh wait 0.0 s, ssh kex 1.6 s, ssh auth 0.7 s');
  });
  it('counts the handshake that overlaps auditd once: what is left of the ready wait after SSH is up', () => {
    // host times of a boot with the overlapped handshake (baseline, TCG, this machine)
    const p = bootPhases({ firstLineMs: 395, initMs: 1700, sshdMs: 2540, readyMs: 2950, sshAttemptMs: 2560, sshHandshakeMs: 2800, sshReadyMs: 3020 }, 3030);
    expect(p).toEqual({ firmware: 395, kernel: 1305, userspace: 840, sshWait: 20, sshKex: 240, sshAuth: 220, readyWait: 0, total: 3030 });
    const late = bootPhases({ firstLineMs: 395, initMs: 1700, sshdMs: 2540, readyMs: 3300, sshAttemptMs: 2560, sshHandshakeMs: 2800, sshReadyMs: 3020 }, 3310);
    expect(late.readyWait).toBe(280);
    expect(late.firmware! + late.kernel! + late.userspace! + late.sshWait! + late.sshKex! + late.sshAuth! + late.readyWait!).toBe(3300);
    expect(formatBootPhases(late)).toBe('firmware 0.4 s, kernel 1.3 s, userspace 0.8 s, ssh wait 0.0 s, ssh kex 0.2 s, ssh auth 0.2 s, ready wait 0.3 s');
  });
  it('leaves out what it did not see (no init line: a kernel that never reached userspace)', () => {
    expect(bootPhases({ firstLineMs: 900, readyMs: 4000, sshAttemptMs: 3900, sshHandshakeMs: 4500, sshReadyMs: 4600 }, 4700)).toEqual({ firmware: 900, sshWait: 0, sshKex: 600, sshAuth: 100, total: 4700 });
  });
});

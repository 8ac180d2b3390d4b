import { describe, expect, it } from 'vitest';
import { BootError } from '../core/errors.js';
import { bootAgain, bootFailureVerdict, needsFreshGuest } from './policy.js';

const kernelOnly = ['[    0.000000] Linux version 6.12.117', '[    2.100000] VFS: Mounted root (ext4 filesystem) readonly on device 254:0.'];
const userspace = [...kernelOnly, '[    2.300000] Run /sbin/init as init process', 'kph: auditd did not start'];
const ready = [...userspace, 'kph: guest ready'];
const unreachable = new BootError('E_GUEST_UNREACHABLE', 'The guest never answered on SSH');

describe('bootFailureVerdict', () => {
  it('blames the series when the base kernel boots where it never said it was ready', () => {
    const v = bootFailureVerdict(unreachable, { isBaseline: false, control: 'boots', console: userspace });
    expect(v).toMatchObject({ verdict: 'boot-error', failure: { code: 'E_BOOT', message: expect.stringMatching(/never reached the guest's ready line.*: The guest never answered on SSH$/) } });
  });
  it('a guest that said it was ready: infra-error once; twice, where the base kernel answers, the series\' boot-error', () => {
    const once = bootFailureVerdict(unreachable, { isBaseline: false, control: 'boots', console: ready, readyUnanswered: 1 });
    expect(once).toMatchObject({ verdict: 'infra-error', failure: { message: expect.stringContaining('said it was ready; nothing blames the kernel') } });
    const twice = bootFailureVerdict(unreachable, { isBaseline: false, control: 'boots', console: ready, readyUnanswered: 2 });
    expect(twice).toMatchObject({ verdict: 'boot-error', failure: { message: expect.stringContaining('twice the series\' kernel said it was ready') } });
    expect(bootFailureVerdict(unreachable, { isBaseline: false, control: 'fails', console: ready, readyUnanswered: 2 }).verdict).toBe('infra-error');
    expect(bootFailureVerdict(unreachable, { isBaseline: false, control: 'unknown', console: ready, readyUnanswered: 2 }).verdict).toBe('infra-error');
  });
  it('keeps the boot\'s task-dump evidence after the console tail', () => {
    const e = new BootError('E_GUEST_UNREACHABLE', 'The guest never answered on SSH', { details: ['kph: guest ready', 'kph: SysRq t through the QEMU monitor: 80 tasks; 0 in D state; 0 running', 'kph: sshd (pid 63) state S, in do_select'] });
    const v = bootFailureVerdict(e, { isBaseline: false, control: 'boots', console: ready, readyUnanswered: 2 });
    expect(v.failure.excerpt!.slice(-2)).toEqual(['kph: SysRq t through the QEMU monitor: 80 tasks; 0 in D state; 0 running', 'kph: sshd (pid 63) state S, in do_select']);
  });
});

describe('bootAgain', () => {
  it('boots again once, only a guest that said it was ready and never answered', () => {
    expect(bootAgain(unreachable, ready, 0)).toBe(true);
    expect(bootAgain(unreachable, ready, 1)).toBe(false);
    expect(bootAgain(unreachable, userspace, 0)).toBe(false);
    expect(bootAgain(new BootError('E_BOOT_SPLAT', 'splat'), ready, 0)).toBe(false);
    expect(bootAgain(new BootError('E_QEMU_EXITED', 'QEMU exited'), ready, 0)).toBe(false);
    expect(bootAgain(new Error('x'), ready, 0)).toBe(false);
  });
  it('counts sshd started as ready to answer, whether or not auditd followed', () => {
    const started = [...userspace, 'kph: sshd started'];
    expect(bootAgain(unreachable, started, 0)).toBe(true);
    expect(bootAgain(unreachable, [...userspace, 'kph: sshd did not start'], 0)).toBe(false);
  });
  it('blames the infrastructure when the base kernel fails the same way', () => {
    expect(bootFailureVerdict(unreachable, { isBaseline: false, control: 'fails', console: kernelOnly }).verdict).toBe('infra-error');
  });
  it('without a base kernel: a console that stops in the kernel is the series\' boot-error', () => {
    const v = bootFailureVerdict(unreachable, { isBaseline: false, control: 'unknown', console: kernelOnly });
    expect(v).toMatchObject({ verdict: 'boot-error', failure: { code: 'E_BOOT', excerpt: kernelOnly } });
  });
  it('without a base kernel: a guest that reached userspace, or printed nothing, is infra-error', () => {
    expect(bootFailureVerdict(unreachable, { isBaseline: false, control: 'unknown', console: ready }).verdict).toBe('infra-error');
    expect(bootFailureVerdict(unreachable, { isBaseline: false, control: 'unknown', console: userspace }).verdict).toBe('infra-error');
    expect(bootFailureVerdict(unreachable, { isBaseline: false, control: 'boots', console: [] }).verdict).toBe('infra-error');
  });
  it('the baseline itself, and QEMU that cannot start, are infra-error', () => {
    expect(bootFailureVerdict(unreachable, { isBaseline: true, control: 'unknown', console: kernelOnly }).verdict).toBe('infra-error');
    expect(bootFailureVerdict(new BootError('E_QEMU_START', 'QEMU exited at once'), { isBaseline: false, control: 'boots', console: [] }).verdict).toBe('infra-error');
  });
  it('a splat while booting is a crash', () => {
    expect(bootFailureVerdict(new BootError('E_BOOT_SPLAT', 'splat'), { isBaseline: false, control: 'unknown', console: kernelOnly }).verdict).toBe('crash');
  });
});

describe('needsFreshGuest', () => {
  const alive = { guestAlive: true, hang: null, error: null };
  it('keeps the guest after pass, fail and inconclusive', () => {
    for (const v of ['pass', 'fail', 'inconclusive'] as const) expect(needsFreshGuest(alive, v)).toBe(false);
  });
  it('boots afresh after a crash, a hang, a dead QEMU or a failed capture', () => {
    expect(needsFreshGuest(alive, 'crash')).toBe(true);
    expect(needsFreshGuest({ ...alive, hang: { afterMs: 1, evidence: [] } }, 'timeout')).toBe(true);
    expect(needsFreshGuest({ ...alive, guestAlive: false }, 'fail')).toBe(true);
    expect(needsFreshGuest({ ...alive, error: new Error('x') }, 'infra-error')).toBe(true);
  });
});

// The run loop's decisions that are not verdicts of a capture: when a guest must be booted
// afresh, and whose fault a boot that never reached SSH is. Pure.
import { BootError, KphError } from '../core/errors.js';
import type { Failure, Verdict } from '../core/types.js';
import type { ScenarioCapture } from '../guest/guest.js';
import { isTaskDumpSummary } from '../parse/task-dump.js';
import { GUEST_READY, SSHD_STARTED } from '../vm/boot-phases.js';

/**
 * After this scenario, is the guest still fit for the next one? Not after a crash, a hang (a
 * stuck task stays behind), a dead QEMU, or a capture that failed with no known cause. With
 * `--repeat N` (`repeating`), not after anything but a pass: one failure must not cascade into
 * the next repeat, or a flaky scenario would look like a consistent one.
 */
export function needsFreshGuest(c: Pick<ScenarioCapture, 'guestAlive' | 'hang' | 'error'>, verdict: Verdict, o: { repeating?: boolean } = {}): boolean {
  if (o.repeating && verdict !== 'pass') return true;
  return !c.guestAlive || c.hang !== null || c.error !== null || verdict === 'crash' || verdict === 'timeout' || verdict === 'infra-error';
}

/**
 * The guest prints these once sshd started, and once auditd runs too
 * (images/guest-tools/kph-init.c).
 */
const READY = new RegExp(`${SSHD_STARTED}|${GUEST_READY}`);

/** Whether the guest's console says its sshd started (the guest was ready to answer on SSH). */
export function saidReady(console: string[]): boolean {
  return console.some((l) => READY.test(l));
}
/** The kernel handed over to userspace. */
const USERSPACE = /Run \/\S+ as init process|kph: |kph-init/;
/** Lines the kernel printed (printk time stamps: CONFIG_PRINTK_TIME). */
const KERNEL_LINE = /^\[\s*\d+\.\d+\]/;

export interface BootFailureFacts {
  isBaseline: boolean;
  /** Whether the base's unpatched kernel boots with the same image and QEMU. */
  control: 'boots' | 'fails' | 'unknown';
  /** The series' boot console. */
  console: string[];
  /**
   * Boots of this kernel in this run that said they were ready and never answered on SSH, this
   * one included (a first one is booted again: bootAgain).
   */
  readyUnanswered?: number;
}

/**
 * Boot the same kernel again after this failure? Once, and only for a guest that said it was
 * ready (the kernel booted, sshd and auditd started), never answered on SSH, and printed no
 * splat: nothing there points at the kernel, and kph cannot tell a lost connection from a
 * kernel that stops answering. The run says so and keeps the first boot's console and evidence
 * (summary.json `boots[].failed`); a second such boot is judged (bootFailureVerdict).
 */
export function bootAgain(e: unknown, console: string[], readyUnansweredSoFar: number): boolean {
  return e instanceof BootError && e.code === 'E_GUEST_UNREACHABLE' && readyUnansweredSoFar === 0 && saidReady(console);
}

/**
 * A boot that never answered on SSH. A splat while booting is a crash. A guest that never said
 * it was ready is the series' fault (boot-error) when the base's kernel boots where it did not,
 * or — with no base kernel at hand — when its console stops in the kernel, before userspace
 * began. A guest that said it was ready is the series' fault only when that happened twice and
 * the base's kernel answers. Everything else (QEMU did not start, no console at all, the
 * baseline itself, a control boot that fails the same way, a guest that reached userspace and
 * never said it was ready with no base kernel at hand) is infra-error.
 */
export function bootFailureVerdict(e: unknown, facts: BootFailureFacts): { verdict: Verdict; failure: Failure } {
  const message = e instanceof Error ? e.message : String(e);
  const details = e instanceof KphError ? e.details : [];
  const tail = facts.console.filter((l) => l.trim()).slice(-25);
  // The boot's own evidence (a task dump's summary) follows the console tail.
  const evidence = details.filter(isTaskDumpSummary);
  if (e instanceof BootError && e.code === 'E_BOOT_SPLAT') return { verdict: 'crash', failure: { code: 'E_SPLAT', message, excerpt: details } };
  const infra = (why: string): { verdict: Verdict; failure: Failure } => ({ verdict: 'infra-error', failure: { code: 'E_INFRA', message: `${message}${why ? ` (${why})` : ''}`, excerpt: tail.length ? [...tail, ...evidence] : details } });
  if (!(e instanceof BootError) || e.code === 'E_QEMU_START') return infra('');
  if (facts.isBaseline) return infra('the base kernel itself');
  if (!facts.console.some((l) => KERNEL_LINE.test(l))) return infra('no kernel output on the console');
  const bootError = (why: string): { verdict: Verdict; failure: Failure } => ({ verdict: 'boot-error', failure: { code: 'E_BOOT', message: `${why}: ${message}`, excerpt: [...tail, ...evidence] } });
  if (saidReady(facts.console)) {
    const twice = (facts.readyUnanswered ?? 1) >= 2;
    if (twice && facts.control === 'boots') return bootError('twice the series\' kernel said it was ready and never answered on SSH, where the base\'s unpatched kernel answers with the same image and QEMU');
    if (facts.control === 'fails') return infra('the base\'s unpatched kernel fails to boot the same way');
    return infra(`the guest reached userspace and said it was ready${twice ? ', in two boots' : ''}; nothing blames the kernel`);
  }
  if (facts.control === 'boots') return bootError('the series\' kernel never reached the guest\'s ready line, where the base\'s unpatched kernel boots with the same image and QEMU');
  if (facts.control === 'fails') return infra('the base\'s unpatched kernel fails to boot the same way');
  if (!facts.console.some((l) => USERSPACE.test(l))) return bootError('the series\' kernel never reached the guest\'s ready line: the console stops in the kernel, before userspace began');
  return infra('userspace began but never said it was ready');
}

// The guest stage: boot a kernel with the guest image under QEMU, reach it over SSH, and run
// one scenario at a time with capture around it. A scenario that does not finish in its time
// is a finding: before the guest is given up, the stacks of the scenario's tasks are collected
// (over a fresh SSH channel, or SysRq through QEMU's monitor when SSH itself is stuck), the
// script is killed and whatever the guest captured is fetched. Bounded: the scenario's time
// plus at most HANG_GRACE_MS. When to boot again is the run loop's decision (run/policy.ts).
import { KphError } from '../core/errors.js';
import type { ParamValue, Scenario } from '../core/scenario.js';
import type { Accel } from '../core/types.js';
import { captureCommand, DOWNLOAD_FAILED, downloadCapture, guestDirOf, scenarioArchive, unpackCapture, UPLOAD_FAILED, type RawCapture } from '../capture/scenario.js';
import type { GuestImage } from '../image/guest.js';
import type { Runner } from '../process/exec.js';
import { bootPhases, type BootPhases } from '../vm/boot-phases.js';
import { connectGuest, makeClientKey, type ExecResult, type GuestSession } from '../ssh/guest.js';
import { startVm, type Vm } from '../vm/vm.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nsDeathScript, pendingNamespaces, type NsFamily } from '../judge/ns-deaths.js';
import { parseAuditLog, sliceBetweenMarkers } from '../parse/audit.js';

/** A series whose records say when a namespace dies (judge/ns-deaths.ts): its record names, families, and the bound. */
export interface NsDeathsOptions {
  names: Record<string, string>;
  families: NsFamily[];
  waitMs: number;
}

/** What collecting evidence, killing the script and fetching the capture may add to a hang. */
export const HANG_GRACE_MS = 60_000;

export interface BootRequest {
  runner: Runner;
  qemu?: string;
  kernel: string;
  image: GuestImage;
  accel: Accel;
  consoleLog: string;
  bootTimeoutMs?: number;
  /**
   * A debug kernel's boot factor (--kconfig, config/profiles.ts): scales the default deadline
   * and the console-silence limit. An explicit bootTimeoutMs is taken as given.
   */
  timeFactor?: number;
  append?: string[];
  /** QEMU's -name, so ps tells which run a VM belongs to. */
  name?: string;
}

/** A booted guest with an SSH session. */
export interface BootedGuest {
  vm: Vm;
  session: GuestSession;
  bootMs: number;
  /** Where bootMs went (vm/boot-phases.ts). */
  phases: BootPhases;
}

/**
 * How long a boot may take to answer on SSH (default 180 s under TCG, 60 s under KVM) and how
 * long the console may stay silent meanwhile (60 s, 30 s): a debug kernel's factor scales both,
 * but not a deadline the user gave (--boot-timeout). Pure.
 */
export function bootLimits(opts: Pick<BootRequest, 'accel' | 'bootTimeoutMs' | 'timeFactor'>): { deadlineMs: number; silenceMs: number } {
  const tcg = opts.accel === 'tcg';
  const f = opts.timeFactor ?? 1;
  return { deadlineMs: opts.bootTimeoutMs ?? Math.round((tcg ? 180_000 : 60_000) * f), silenceMs: Math.round((tcg ? 60_000 : 30_000) * f) };
}

export async function bootGuest(opts: BootRequest): Promise<BootedGuest> {
  const key = makeClientKey();
  const started = Date.now();
  const vm = await startVm({
    runner: opts.runner,
    qemu: opts.qemu,
    kernel: opts.kernel,
    rootImage: opts.image.image,
    accel: opts.accel,
    consoleLog: opts.consoleLog,
    authorizedKeyB64: Buffer.from(key.publicKey + '\n').toString('base64'),
    extraCmdline: opts.append,
    name: opts.name,
  });
  try {
    const { deadlineMs, silenceMs } = bootLimits(opts);
    const session = await connectGuest({ vm, key, hostKey: opts.image.hostKey, deadlineMs, silenceMs });
    return { vm, session, bootMs: Date.now() - started, phases: bootPhases(vm.marks, Date.now() - vm.startedAt) };
  } catch (e) {
    await vm.stop();
    throw e;
  }
}

/** What one scenario left: the capture (or why there is none) and the console meanwhile. */
export interface ScenarioCapture {
  capture: RawCapture | null;
  /** Why the capture failed (upload, the runner, the download), when it did. */
  error: unknown;
  /** Console lines printed while the scenario ran (and while evidence was collected). */
  consoleLines: string[];
  guestAlive: boolean;
  qemuExitCode: number | null;
  /** The script did not finish in its time: the stacks and where they came from. */
  hang: { afterMs: number; evidence: string[] } | null;
  scenarioMs: number;
}

/**
 * The kernel's hung-task detector fires after a task sits in D state this long: a fraction of
 * the scenario's time, so a D-state hang is named (a splat with the stack) well before the
 * scenario's deadline, never less than 20 s (TCG is slow, not stuck).
 */
export function hungTaskTimeoutSec(scenarioTimeoutSec: number): number {
  return Math.min(120, Math.max(20, Math.floor(scenarioTimeoutSec / 3)));
}

/** Guest shell: $root (the scenario's kph-scenario) and $pids (it and all its descendants). */
function tasksOf(guestDir: string): string {
  return `
root=$(pgrep -o -f 'kph-scenario ${guestDir}$')
pids=$root; frontier=$root
while [ -n "$frontier" ]; do
  next=; for p in $frontier; do next="$next $(pgrep -P "$p" | tr '\\n' ' ')"; done
  frontier=$(echo $next); pids="$pids $frontier"
done
`;
}

/**
 * Guest shell: the scenario's tasks (state, wait channel, syscall; /proc/PID/stack where the
 * kernel has CONFIG_STACKTRACE), then SysRq t: every task's stack on the console, which the judge
 * reads for the stuck task (parse/task-dump.ts; needs only CONFIG_MAGIC_SYSRQ).
 */
export function stackDumpScript(guestDir: string): string {
  return `${tasksOf(guestDir)}
for p in $pids; do
  [ "$p" = "$root" ] && continue
  echo "task $p $(cat /proc/$p/comm 2>/dev/null) state=$(awk '/^State:/{print $2}' /proc/$p/status 2>/dev/null) wchan=$(cat /proc/$p/wchan 2>/dev/null) syscall=$(cut -d' ' -f1 /proc/$p/syscall 2>/dev/null)"
  sed 's/^/    /' /proc/$p/stack 2>/dev/null
done
echo t >/proc/sysrq-trigger 2>/dev/null
true
`;
}

/** Guest shell: SIGKILL every task of the scenario but kph-scenario, which then closes the capture window. */
export function killScenarioScript(guestDir: string): string {
  return `${tasksOf(guestDir)}
for p in $pids; do [ "$p" = "$root" ] || kill -KILL "$p" 2>/dev/null; done
true
`;
}

/** kmemleak's file in debugfs (Documentation/dev-tools/kmemleak.rst). */
export const KMEMLEAK_FILE = '/sys/kernel/debug/kmemleak';
/**
 * How long to wait between the two scans: kmemleak reports no object younger than
 * MSECS_MIN_AGE (5000 ms in 6.12's mm/kmemleak.c), and the first scan after an allocation only
 * records the object's checksum (an object that changed since the last scan is not reported),
 * so the docs say scan, wait, scan again. 5.5 s: the minimum age and a margin of jiffies.
 */
export const KMEMLEAK_WAIT_SEC = 5.5;

/** A kernel built with kmemleak (the `kmemleak` profile, or a fragment that turns it on). */
export function kmemleakEnabled(config: Map<string, string>): boolean {
  return config.get('CONFIG_DEBUG_KMEMLEAK') === 'y';
}

/** Guest shell: debugfs mounted (kph-init mounts no debugfs), kmemleak's file there, or why not. */
function kmemleakFileScript(file: string): string {
  // (Another file, a test's stand-in, is never a reason to mount anything.)
  const mount = file === KMEMLEAK_FILE ? `[ -e "$k" ] || mount -t debugfs debugfs /sys/kernel/debug >&2 || { echo "debugfs could not be mounted on /sys/kernel/debug" >&2; exit 1; }\n` : '';
  return `k='${file}'
${mount}[ -e "$k" ] || { echo "no $k: kmemleak is off in this kernel (CONFIG_DEBUG_KMEMLEAK, kmemleak=off, or it disabled itself: see the console)" >&2; exit 1; }
`;
}

/**
 * Guest shell, once per boot before the first scenario: forget what the boot itself leaked. A
 * clear only forgets objects already reported, and no scan has run yet (no scan thread in the
 * kmemleak profile): scan, wait past the minimum age, scan again, then clear.
 */
export function kmemleakPrepareScript(waitSec = KMEMLEAK_WAIT_SEC, file = KMEMLEAK_FILE): string {
  return `${kmemleakFileScript(file)}echo scan >"$k" || exit 1
sleep ${waitSec}
echo scan >"$k" || exit 1
echo clear >"$k" || exit 1
`;
}

/**
 * Guest shell, after each scenario: scan, wait past kmemleak's minimum object age, scan again,
 * print the report (stdout; empty when nothing leaked), then clear it so the next scenario's
 * report holds only its own objects.
 */
export function kmemleakScanScript(waitSec = KMEMLEAK_WAIT_SEC, file = KMEMLEAK_FILE): string {
  return `${kmemleakFileScript(file)}echo scan >"$k" || exit 1
sleep ${waitSec}
echo scan >"$k" || exit 1
cat "$k" || exit 1
echo clear >"$k" || exit 1
`;
}

/** How long the guest may take for either kmemleak step (two scans under TCG, and the wait). */
export const KMEMLEAK_STEP_TIMEOUT_MS = 180_000;

/** A guest step's failure as one line (its exception, or its exit status and output), or null. */
function stepError(r: unknown): string | null {
  if (r instanceof Error) return r.message;
  const x = r as ExecResult;
  return x.code !== 0 ? `exit ${x.code}: ${(x.stderr || x.stdout).trim()}` : null;
}

/** A file the host adds to a scenario's capture folder (kmemleak.txt, ns-deaths.txt, their .err). */
function putInCapture(capture: RawCapture, file: string, text: string): void {
  mkdirSync(capture.dir, { recursive: true });
  writeFileSync(join(capture.dir, file), text);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
}

export class GuestHandle {
  /** Why kmemleak could not be prepared at boot (each scenario's kmemleak.err says it). */
  private kmemleakBroken: string | null = null;

  /**
   * `kmemleak`: the kernel has kmemleak (kmemleakEnabled): prepareKmemleak() before the first
   * scenario, and a scan after each (the report in the capture's kmemleak.txt).
   */
  constructor(
    readonly guest: BootedGuest,
    private readonly opts: { kmemleak?: boolean; nsDeaths?: NsDeathsOptions } = {},
  ) {}

  /**
   * After a scenario the guest survived, on a series whose records say when a namespace dies:
   * wait (bounded) for the DEL records of the namespaces its window made and did not see freed,
   * and name the tasks still in those left (judge/ns-deaths.ts). Into the capture as
   * guest/ns-deaths.txt, or ns-deaths.err; nothing when nothing was pending.
   */
  async awaitNsDeaths(capture: RawCapture, scenario: string): Promise<RawCapture> {
    const o = this.opts.nsDeaths!;
    const { inside } = sliceBetweenMarkers(parseAuditLog(capture.auditFull, o.names), `kph-begin ${scenario}`, `kph-end ${scenario}`);
    const pending = pendingNamespaces(inside, o.families);
    if (!pending.length) return capture;
    const r = await this.guest.session.exec(nsDeathScript(pending, o.waitMs), { timeoutMs: o.waitMs + 30_000 }).catch((e: unknown) => e);
    const error = stepError(r);
    if (error !== null) {
      putInCapture(capture, 'ns-deaths.err', error + '\n');
      return { ...capture, nsDeathsError: error };
    }
    putInCapture(capture, 'ns-deaths.txt', (r as ExecResult).stdout);
    return { ...capture, nsDeaths: (r as ExecResult).stdout };
  }

  /** Forget what the boot leaked (kmemleakPrepareScript); a failure is said by every scenario after. */
  async prepareKmemleak(): Promise<void> {
    if (!this.opts.kmemleak) return;
    const r = await this.guest.session.exec(kmemleakPrepareScript(), { timeoutMs: KMEMLEAK_STEP_TIMEOUT_MS }).catch((e: unknown) => e);
    if (r instanceof Error) this.kmemleakBroken = `preparing kmemleak after the boot failed: ${r.message}`;
    else if ((r as ExecResult).code !== 0) this.kmemleakBroken = `preparing kmemleak after the boot failed (exit ${(r as ExecResult).code}): ${((r as ExecResult).stderr || (r as ExecResult).stdout).trim()}`;
  }

  /**
   * After a scenario the guest survived: kmemleak's report into the capture (guest/kmemleak.txt),
   * or why there is none (guest/kmemleak.err). Not part of the scenario's time.
   */
  async scanKmemleak(capture: RawCapture): Promise<RawCapture> {
    const put = (file: string, text: string) => putInCapture(capture, file, text);
    if (this.kmemleakBroken) {
      put('kmemleak.err', this.kmemleakBroken + '\n');
      return { ...capture, kmemleakError: this.kmemleakBroken };
    }
    const r = await this.guest.session.exec(kmemleakScanScript(), { timeoutMs: KMEMLEAK_STEP_TIMEOUT_MS }).catch((e: unknown) => e);
    const error = stepError(r);
    if (error !== null) {
      put('kmemleak.err', error + '\n');
      return { ...capture, kmemleakError: error };
    }
    const text = (r as ExecResult).stdout;
    put('kmemleak.txt', text);
    return { ...capture, kmemleak: text };
  }

  get phases(): BootPhases {
    return this.guest.phases;
  }

  get bootMs(): number {
    return this.guest.bootMs;
  }

  alive(): boolean {
    return this.guest.vm.alive();
  }

  /** Run one scenario; never throws (what went wrong is in the result). */
  async runScenario(scenario: Scenario, params: Record<string, ParamValue>, sdir: string): Promise<ScenarioCapture> {
    const { vm, session } = this.guest;
    const started = Date.now();
    const firstLine = vm.lines().length;
    const timeoutSec = scenario.timeoutSec ?? 300;
    const listener = Boolean(scenario.listener);
    let capture: RawCapture | null = null;
    let error: unknown = null;
    let hang: ScenarioCapture['hang'] = null;
    try {
      // The guest's own `timeout -k` (kph-scenario) is the second line of defence: later than ours.
      const archive = await scenarioArchive(scenario, params, timeoutSec + 30, hungTaskTimeoutSec(timeoutSec));
      const guestDir = guestDirOf(scenario.name);
      const run = session.exec(captureCommand(guestDir), { input: archive });
      const done = await withTimeout(run, timeoutSec * 1000);
      if (done === 'timeout') {
        hang = { afterMs: Date.now() - started, evidence: await this.collectHangEvidence(guestDir) };
        // Kill the script's tasks (a D-state one stays), so kph-scenario ends the window and the command sends the folder.
        await withTimeout(session.exec(killScenarioScript(guestDir), { timeoutMs: 10_000 }).catch(() => null), 10_000);
        const finished = await withTimeout(run, 20_000);
        if (finished !== 'timeout' && finished.code === 0) {
          capture = await unpackCapture(finished.stdoutBytes, sdir, listener);
        } else {
          // kph-scenario never closed the window: the whole log, as far as auditd wrote it.
          await withTimeout(session.exec(`cp /var/log/audit/audit.log '${guestDir}/audit-full.log'`, { timeoutMs: 10_000 }).catch(() => null), 10_000);
          const fetched = await withTimeout(downloadCapture(session, guestDir, sdir, listener, 20_000).catch(() => null), 20_000);
          capture = fetched === 'timeout' ? null : fetched;
        }
      } else if (done.code === UPLOAD_FAILED) {
        throw new KphError('E_UPLOAD', 'capture', `Uploading the scenario to the guest failed: ${done.stderr.trim()}`);
      } else if (done.code === DOWNLOAD_FAILED) {
        throw new KphError('E_DOWNLOAD', 'capture', `Fetching the scenario's files failed: ${done.stderr.trim()}`);
      } else if (done.code !== 0) {
        throw new KphError('E_CAPTURE', 'capture', `The guest's scenario runner failed (exit ${done.code}): ${(done.stderr || done.stdout).trim().split('\n').slice(-5).join(' / ')}`);
      } else {
        capture = await unpackCapture(done.stdoutBytes, sdir, listener);
      }
    } catch (e) {
      error = e;
    }
    // Give a dying kernel a moment to print its report before judging.
    await new Promise((r) => setTimeout(r, vm.alive() ? 100 : 500));
    const scenarioMs = Date.now() - started;
    // A kmemleak kernel: what leaked, once the scenario is over (not after a hang: its tasks may still hold memory).
    if (this.opts.kmemleak && capture && !hang && vm.alive()) capture = await this.scanKmemleak(capture);
    // A series whose records say when a namespace dies: the ones the scenario made, freed or not.
    if (this.opts.nsDeaths && capture && !hang && vm.alive()) capture = await this.awaitNsDeaths(capture, scenario.name);
    return {
      capture,
      error,
      consoleLines: vm.lines().slice(firstLine),
      guestAlive: vm.alive(),
      qemuExitCode: vm.exitCode(),
      hang,
      scenarioMs,
    };
  }

  /**
   * Where the scenario hangs: its tasks' stacks over a fresh SSH channel (SysRq w goes to the
   * console); when SSH does not answer, SysRq t and w through QEMU's monitor.
   */
  private async collectHangEvidence(guestDir: string): Promise<string[]> {
    const { vm, session } = this.guest;
    const r = await withTimeout(session.exec(stackDumpScript(guestDir), { timeoutMs: 15_000 }).catch((e: unknown) => e), 15_000);
    // Whatever the dump printed counts, whatever its exit status (a kernel without SysRq fails the last line).
    if (r !== 'timeout' && !(r instanceof Error) && (r as ExecResult).stdout.trim()) {
      // SysRq t prints for a while under TCG: until the console is quiet for 0.5 s (at most 5 s).
      for (const until = Date.now() + 5000; Date.now() < until && vm.silentForMs() < 500; ) await new Promise((res) => setTimeout(res, 100));
      return (r as ExecResult).stdout.trim().split('\n');
    }
    // SSH itself is stuck: SysRq w and t through QEMU's monitor print the blocked and all tasks
    // to the console (a kernel with CONFIG_MAGIC_SYSRQ), and each vCPU's RIP says where it runs.
    const evidence = ['SSH did not answer: SysRq w and t sent through the QEMU monitor (their output, if the kernel has MAGIC_SYSRQ, is in the console excerpt)'];
    await vm.sysrq('w').catch(() => undefined);
    await vm.sysrq('t').catch(() => undefined);
    const regs = await vm.monitor('info registers -a', 5000).catch(() => '');
    evidence.push(...regs.split('\n').filter((l) => /^(CPU#\d+|RIP=)/.test(l.trim())).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' ')));
    await new Promise((res) => setTimeout(res, 2000));
    return evidence;
  }

  async stop(): Promise<void> {
    this.guest.session.end();
    await this.guest.vm.stop();
  }
}

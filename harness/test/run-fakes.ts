// Test doubles shared by the run loop's unit tests: what a guest's scenario run returns when
// the script exited as asked and audit lost nothing.
import type { ScenarioCapture } from '../guest/guest.js';

export const STATUS = 'enabled 1\nfailure 1\npid 99\nrate_limit 0\nbacklog_limit 8192\nlost 0\nbacklog 0\n';

export function fakeCapture(over: Partial<ScenarioCapture> = {}, exitCode = 0): ScenarioCapture {
  return {
    capture: { exitCode, stdout: '', stderr: '', durationMs: 5, auditFull: '', statusBefore: STATUS, statusAfter: STATUS, listener: null, dir: '/x', flushTimedOut: false, scriptTimedOut: false },
    error: null,
    consoleLines: [],
    guestAlive: true,
    qemuExitCode: null,
    hang: null,
    scenarioMs: 10,
    ...over,
  };
}

// The text files images/guest-tools/kph-scenario leaves in a scenario's guest folder, and the
// `KPH name=value` notes a guest script prints. Types and pure parsing only.

/**
 * The files of a guest folder that judging reads (capture/scenario.ts readRawCapture): what a
 * test fixture keeps. The rest (script.sh, env, rules, timeout, ...) are the scenario's inputs.
 */
export const CAPTURED_FILES = ['exit-code', 'stdout.txt', 'stderr.txt', 'duration-ms', 'audit-full.log', 'audit-boot.log', 'audit-window.log', 'audit-status-before.txt', 'audit-status-after.txt', 'events.jsonl', 'flush-timeout', 'script-timeout', 'stuck-tasks.txt', 'kmemleak.txt', 'kmemleak.err'] as const;

/** The text files images/guest-tools/kph-scenario leaves behind. */
export interface CapturedText {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The audit log the judge reads: the boot's records, then the scenario's window (joinAuditLog). */
  auditFull: string;
  statusBefore: string;
  statusAfter: string;
  /** The listener's NDJSON, or null when the scenario ran none. */
  listener: string | null;
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

/**
 * The log a scenario's expectations read, from what kph-scenario wrote: audit-full.log where
 * there is one (a fixture, or a log copied whole after a hang), else the boot's records
 * (audit-boot.log, the log before the boot's first scenario) followed by the scenario's window
 * (audit-window.log, from just before its begin marker). Either part may start or end in the
 * middle of a line auditd was writing when kph-scenario measured the log: such a piece stands
 * on a line of its own, outside the begin and end markers, where no expectation reads it.
 */
export function joinAuditLog(parts: { full?: string; boot?: string; window?: string }): string {
  if (parts.full) return parts.full;
  const boot = parts.boot ?? '';
  return boot && !boot.endsWith('\n') ? `${boot}\n${parts.window ?? ''}` : boot + (parts.window ?? '');
}

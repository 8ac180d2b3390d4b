// The text files images/guest-tools/kph-scenario leaves in a scenario's guest folder, and the
// `KPH name=value` notes a guest script prints. Types and pure parsing only.

/**
 * The files of a guest folder that judging reads (capture/scenario.ts readRawCapture): what a
 * test fixture keeps. The rest (script.sh, env, rules, timeout, ...) are the scenario's inputs.
 */
export const CAPTURED_FILES = ['exit-code', 'stdout.txt', 'stderr.txt', 'duration-ms', 'audit-full.log', 'audit-status-before.txt', 'audit-status-after.txt', 'events.jsonl', 'flush-timeout', 'script-timeout', 'stuck-tasks.txt'] as const;

/** The text files images/guest-tools/kph-scenario leaves behind. */
export interface CapturedText {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
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

// Boots that said they were ready and never answered on SSH, each booted again once
// (run/policy.ts: bootAgain): every report names them, so no boot kph threw away is hidden. Pure.
import type { Summary } from '../core/types.js';
import { isTaskDumpSummary } from '../parse/task-dump.js';

export interface BootAgain {
  series: string;
  /** 1-based: which boot of the series' kernel in this run. */
  boot: number;
  message: string;
  /** Its console, in the series' folder. */
  console: string;
  /** What the SysRq t dump said (the evidence lines of the failure). */
  evidence: string[];
  /** Whether the next boot of the same kernel answered. */
  nextAnswered: boolean;
}

export function bootsAgain(summary: Summary): BootAgain[] {
  const out: BootAgain[] = [];
  for (const s of summary.series) {
    const boots = s.boots ?? [];
    boots.forEach((b, i) => {
      if (!b.failed) return;
      const next = boots[i + 1];
      out.push({
        series: s.label,
        boot: i + 1,
        message: b.failed.message,
        console: `${s.dir}/${b.failed.console}`,
        evidence: b.failed.excerpt.filter(isTaskDumpSummary),
        nextAnswered: Boolean(next && !next.failed),
      });
    });
  }
  return out;
}

/** One sentence per boot booted again. */
export function bootAgainLine(b: BootAgain): string {
  return `${b.series}: boot ${b.boot} said it was ready and never answered on SSH (${b.console}); booted again, which ${b.nextAnswered ? 'answered' : 'did not answer either'}`;
}

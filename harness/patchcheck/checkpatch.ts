// scripts/checkpatch.pl of the tree, on one patch, and what it said. parseCheckpatch is pure.
//
// Run as `checkpatch.pl --strict --show-types --color=never PATCH` from the kernel tree (the
// tree is there: its spelling list, MAINTAINERS and const_structs are used; no --no-tree).
// Output, one block per finding, then the totals:
//
//   CHECK:AVOID_EXTERNS: extern prototypes should be avoided in .h files
//   #59: FILE: include/linux/audit.h:185:
//   +extern void audit_log_ns_info(struct task_struct *tsk);
//
//   total: 0 errors, 1 warnings, 3 checks, 154 lines checked
//
// Its exit status is 1 for any finding, CHECKs included, so the totals line decides.
import { join } from 'node:path';
import { InfraError } from '../core/errors.js';
import type { Runner } from '../process/exec.js';

export const CHECKPATCH_ARGS = ['--strict', '--show-types', '--color=never'];

export type CheckpatchLevel = 'ERROR' | 'WARNING' | 'CHECK';

export interface CheckpatchItem {
  level: CheckpatchLevel;
  /** The type --show-types prints (COMMIT_LOG_LONG_LINE, AVOID_EXTERNS, ...). */
  type?: string;
  message: string;
  /** "include/linux/audit.h:185" for code, "#28" (the patch line) for the commit message. */
  where?: string;
}

export interface CheckpatchResult {
  errors: number;
  warnings: number;
  checks: number;
  /** "lines checked" of the totals line. */
  lines: number;
  items: CheckpatchItem[];
}

const ITEM = /^(ERROR|WARNING|CHECK):(?:([A-Z0-9_]+):)? ?(.*)$/;
const TOTAL = /^total: (\d+) errors?, (\d+) warnings?, (?:(\d+) checks?, )?(\d+) lines? checked$/m;

/** checkpatch.pl's output → counts and findings; null when it holds no totals line (it did not run through). */
export function parseCheckpatch(output: string): CheckpatchResult | null {
  const total = TOTAL.exec(output);
  if (!total) return null;
  const items: CheckpatchItem[] = [];
  const lines = output.slice(0, total.index).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = ITEM.exec(lines[i]!);
    if (!m) continue;
    const msg = [m[3]!.trim()];
    let where: string | undefined;
    // A message may go on over more lines, up to the "#N: FILE: path:line:" (or "#N:") line.
    for (let k = i + 1; k < lines.length && lines[k]!.trim() !== ''; k++) {
      const at = /^#(\d+): (?:FILE: (\S+?):(\d+):)?/.exec(lines[k]!);
      if (at) {
        where = at[2] ? `${at[2]}:${at[3]}` : `#${at[1]}`;
        break;
      }
      if (ITEM.test(lines[k]!)) break;
      msg.push(lines[k]!.trim());
    }
    items.push({ level: m[1] as CheckpatchLevel, ...(m[2] ? { type: m[2] } : {}), message: msg.join(' ').trim(), ...(where ? { where } : {}) });
  }
  return { errors: Number(total[1]), warnings: Number(total[2]), checks: Number(total[3] ?? 0), lines: Number(total[4]), items };
}

/** "WARNING:COMMIT_LOG_LONG_LINE #28: Prefer a maximum 75 chars per line ..." */
export function formatCheckpatchItem(i: CheckpatchItem): string {
  return `${i.level}${i.type ? `:${i.type}` : ''}${i.where ? ` ${i.where}` : ''}: ${i.message}`;
}

/** Run checkpatch.pl of `srcDir` on `patchFile`; the whole output comes back with the parse. */
export async function runCheckpatch(runner: Runner, srcDir: string, patchFile: string): Promise<{ output: string; result: CheckpatchResult }> {
  const r = await runner.run('perl', [join(srcDir, 'scripts', 'checkpatch.pl'), ...CHECKPATCH_ARGS, patchFile], {
    cwd: srcDir,
    allowFailure: true,
    env: { LANG: 'C', LC_ALL: 'C' },
  });
  const output = r.stdout + (r.stderr ? `\n${r.stderr}` : '');
  const result = parseCheckpatch(r.stdout);
  if (!result) {
    throw new InfraError('patch', `checkpatch.pl did not run through on ${patchFile} (exit ${r.exitCode}).`, {
      hint: 'It needs perl; see its output.',
      details: output.trim().split('\n').slice(-10),
    });
  }
  return { output, result };
}

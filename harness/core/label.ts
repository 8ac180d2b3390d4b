// How a series is named in results, reports and diffs: `baseline`, `NAME@REV`, or a path's
// basename. Pure, so reporters and diffs need not import the series loader (fs, crypto, zod).
import type { Series } from './types.js';

export function seriesLabel(s: Pick<Series, 'name' | 'revision'>): string {
  return s.revision ? `${s.name}@${s.revision}` : s.name;
}

/** A folder name for a label: only [\w@.-], so it is safe in paths, QEMU arguments and shells. */
export function labelDirName(label: string): string {
  return label.replace(/[^\w@.-]/g, '_');
}

/**
 * Folder names for several series of one run, distinct even when two labels map to the same
 * name (two patch folders with one basename, or labels that differ only in unsafe characters):
 * the second and later get -2, -3, ...
 */
export function uniqueDirNames(labels: string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const base = labelDirName(l);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

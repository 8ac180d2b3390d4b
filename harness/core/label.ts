// How a series is named in results, reports and diffs: `baseline`, `NAME@REV`, or a path's
// basename, with `+PROFILE` for each debug-kernel profile (`ns-serial@v5+lockdep`). Pure, so
// reporters and diffs need not import the series loader (fs, crypto, zod).
import type { Series } from './types.js';

/** A series, or anything naming one with its debug-kernel profiles (names, or profiles with a name). */
export type Labelled = Pick<Series, 'name' | 'revision'> & { kconfig?: readonly (string | { name: string })[] };

/** `baseline`, `ns-serial@v5`, `ns-serial@v5+lockdep` (a kernel with the lockdep profile). */
export function seriesLabel(s: Labelled): string {
  const plain = s.revision ? `${s.name}@${s.revision}` : s.name;
  return plain + (s.kconfig ?? []).map((k) => `+${typeof k === 'string' ? k : k.name}`).join('');
}

/** The series' label without its profiles: whose committed format baseline a profiled run is checked against. */
export function plainSeriesLabel(s: Labelled): string {
  return seriesLabel({ name: s.name, revision: s.revision });
}

/** The label of a summary.json row (or of anything with series, revision and kconfig). */
export function rowLabel(r: { series: string; revision: string | null; kconfig?: readonly string[] }): string {
  return seriesLabel({ name: r.series, revision: r.revision, kconfig: r.kconfig });
}

/** The profiles' names of a series, for summary.json rows (undefined without any). */
export function kconfigNames(s: { kconfig?: readonly (string | { name: string })[] }): string[] | undefined {
  const names = (s.kconfig ?? []).map((k) => (typeof k === 'string' ? k : k.name));
  return names.length ? names : undefined;
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

// lcov tracefiles (.info, geninfo(1)): read what `lcov --capture` wrote for each boot, add the
// boots up, and write the series' coverage.info. Pure.
//
//   TN:
//   SF:/root/.cache/kph/work/debian-x/ns-serial@v5+coverage/src/kernel/nsproxy.c
//   FN:62,create_nsproxy
//   FNDA:14,create_nsproxy
//   DA:62,14
//   end_of_record
//
// A DA line is a line gcov instrumented, with how often it ran: the "executable" lines. A header
// shows up once per profiled object that includes it; its records are added up.

export interface LcovFile {
  /** SF: as written (absolute, as lcov resolves it), or tree-relative after relativeTo. */
  file: string;
  /** Line → execution count. */
  lines: Map<number, number>;
  /** Function name → its first line. */
  functions: Map<string, number>;
  /** Function name → execution count. */
  functionHits: Map<string, number>;
}

/** Every record of a tracefile (one SF may come more than once: merge them with mergeLcov). */
export function parseLcov(text: string): LcovFile[] {
  const out: LcovFile[] = [];
  let cur: LcovFile | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon);
    const val = colon < 0 ? '' : line.slice(colon + 1);
    if (key === 'SF') {
      cur = { file: val, lines: new Map(), functions: new Map(), functionHits: new Map() };
      out.push(cur);
    } else if (key === 'end_of_record') cur = null;
    else if (!cur) continue;
    else if (key === 'DA') {
      const [l, c] = val.split(',');
      const n = Number(l);
      const count = Number(c);
      if (Number.isInteger(n) && Number.isFinite(count)) cur.lines.set(n, (cur.lines.get(n) ?? 0) + count);
    } else if (key === 'FN') {
      const i = val.indexOf(',');
      if (i > 0) cur.functions.set(val.slice(i + 1), Number(val.slice(0, i)));
    } else if (key === 'FNDA') {
      const i = val.indexOf(',');
      if (i > 0) {
        const name = val.slice(i + 1);
        cur.functionHits.set(name, (cur.functionHits.get(name) ?? 0) + Number(val.slice(0, i)));
      }
    }
  }
  return out;
}

/** One record per file, counts added up (several boots, or a header seen from several objects). */
export function mergeLcov(...sets: LcovFile[][]): Map<string, LcovFile> {
  const out = new Map<string, LcovFile>();
  for (const f of sets.flat()) {
    const m = out.get(f.file) ?? { file: f.file, lines: new Map(), functions: new Map(), functionHits: new Map() };
    for (const [l, c] of f.lines) m.lines.set(l, (m.lines.get(l) ?? 0) + c);
    for (const [n, l] of f.functions) m.functions.set(n, l);
    for (const [n, c] of f.functionHits) m.functionHits.set(n, (m.functionHits.get(n) ?? 0) + c);
    out.set(f.file, m);
  }
  return out;
}

/**
 * The records of files under `root` (the series' patched tree), with tree-relative names
 * (`kernel/nsproxy.c`); records of other files (the build folder's generated headers, the
 * compiler's) are left out.
 */
export function relativeTo(files: Iterable<LcovFile>, root: string): LcovFile[] {
  const prefix = root.replace(/\/+$/, '') + '/';
  const out: LcovFile[] = [];
  for (const f of files) if (f.file.startsWith(prefix)) out.push({ ...f, file: f.file.slice(prefix.length) });
  return out;
}

/** A tracefile genhtml, editors and coverage services read; files and lines in order. */
export function renderLcov(files: Iterable<LcovFile>, testName = ''): string {
  const out: string[] = [];
  for (const f of [...files].sort((a, b) => a.file.localeCompare(b.file))) {
    out.push(`TN:${testName}`, `SF:${f.file}`);
    const fns = [...f.functions].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    for (const [name, line] of fns) out.push(`FN:${line},${name}`);
    for (const [name] of fns) out.push(`FNDA:${f.functionHits.get(name) ?? 0},${name}`);
    out.push(`FNF:${fns.length}`, `FNH:${fns.filter(([n]) => (f.functionHits.get(n) ?? 0) > 0).length}`);
    const lines = [...f.lines].sort((a, b) => a[0] - b[0]);
    for (const [l, c] of lines) out.push(`DA:${l},${c}`);
    out.push(`LF:${lines.length}`, `LH:${lines.filter(([, c]) => c > 0).length}`, 'end_of_record');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** A boot's cumulative counters after a scenario (or after the boot itself: "(boot)"), in order. */
export interface Snapshot {
  /** Which boot it was taken in: snapshots are compared with the one before in the same boot. */
  boot: string;
  scenario: string;
  files: LcovFile[];
}

/**
 * Which scenarios ran each line: the lines whose count rose between a boot's snapshot and the
 * one before it in the same boot (the counters are never reset, so nothing is lost between
 * reads), by "file:line". Pure.
 */
export function scenariosByLine(snapshots: readonly Snapshot[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const last = new Map<string, Map<string, number>>();
  for (const s of snapshots) {
    const prev = last.get(s.boot) ?? new Map<string, number>();
    const now = new Map<string, number>();
    for (const f of mergeLcov(s.files).values()) {
      for (const [line, count] of f.lines) {
        const key = `${f.file}:${line}`;
        now.set(key, count);
        if (count > (prev.get(key) ?? 0)) {
          const list = out.get(key) ?? [];
          if (!list.includes(s.scenario)) list.push(s.scenario);
          out.set(key, list);
        }
      }
    }
    last.set(s.boot, now);
  }
  return out;
}

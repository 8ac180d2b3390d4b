// The output of a peer suite's Perl runner (Test::Harness `runtests`, as the audit-testsuite's
// tests/runtests.pl calls it) with HARNESS_VERBOSE=1 and HARNESS_TIMER=1, and each test's stderr
// merged into its stdout (harness/suite/audit-testsuite.ts does that without touching the suite):
//
//   [19:25:35] exec_name/test .. 
//   1..29
//   ok 1
//   not ok 2
//   # Failed test 2 in exec_name/test at line 120      <- the test's stderr, in order
//   ...
//   Failed 1/29 subtests                                 <- or "ok   1234 ms (...)", "skipped: why",
//   [19:25:41] file_create/test .. ...                      "Dubious, test returned 255 (...)"
//   [19:26:10]
//   Test Summary Report ...  Files=12, Tests=121, ...  Result: PASS
//
// Parsed into one result per test and per check (pure; unit tests run it on a real guest's output).

/** One check (one TAP `ok`/`not ok` line) of a test. */
export interface SuiteCheck {
  n: number;
  ok: boolean;
  /** `# skip reason` / `# todo reason` directives. */
  skip?: string;
  todo?: string;
  /** The lines after the check up to the next check: the test's diagnostics for it. */
  output: string[];
}

export interface SuiteTestResult {
  /** The test's folder name (exec_name). */
  name: string;
  /** `1..N`; null when the test printed no plan. */
  planned: number | null;
  /** `1..0 # SKIP why` or the harness's `skipped: why`: the whole test was skipped. */
  skipAll?: string;
  checks: SuiteCheck[];
  /** The harness's last word on the test: ok, failed, skipped, dubious (non-zero exit), or none (cut off). */
  status: 'ok' | 'failed' | 'skipped' | 'dubious' | 'none';
  /** Exit status the harness reported with "Dubious, test returned N". */
  exitStatus?: number;
  /**
   * From HARNESS_TIMER: the "ok N ms" figure; else (a failed test) from Test.pm's "# Current
   * time local" (when it started) to the time on the test's header line, which the harness
   * prints when the test has ended (whole seconds).
   */
  durationMs?: number;
  /** Guest clock (HH:MM:SS): when the test started (Test.pm's banner) and ended (the header line). */
  startedAt?: string;
  endedAt?: string;
  /** Lines before the first check (the plan, Test.pm's banner, early stderr). */
  preamble: string[];
  /** Every line of the test's section, as printed. */
  lines: string[];
}

export interface SuiteOutput {
  /** What the runner printed before the first test (user, context, distro). */
  header: string[];
  tests: SuiteTestResult[];
  /** "Files=12, Tests=121, 60 wallclock secs" and "Result: PASS", when the runner got that far. */
  files?: number;
  totalChecks?: number;
  wallclockSec?: number;
  result?: 'PASS' | 'FAIL' | 'NOTESTS';
  /** The runner got to its summary (the run was not cut off). */
  finished: boolean;
}

const HEADER = /^(?:\[(\d\d:\d\d:\d\d)\] )?(\S+)\/test \.+ ?(?:skipped:\s*(.*))?$/;
const TIME_ONLY = /^\[(\d\d:\d\d:\d\d)\]$/;
const PLAN = /^1\.\.(\d+)(?:\s*#\s*(?:skip(?:ped)?\b:?\s*)(.*))?$/i;
const CHECK = /^(not )?ok (\d+)\b(.*)$/;
const OK_TIMED = /^ok\s+(\d+) ms\b/;

function seconds(hms: string): number {
  const [h, m, s] = hms.split(':').map(Number);
  return h! * 3600 + m! * 60 + s!;
}

function directive(rest: string): { skip?: string; todo?: string } {
  const m = /#\s*(skip|todo)\b\s*(.*)$/i.exec(rest);
  if (!m) return {};
  return m[1]!.toLowerCase() === 'skip' ? { skip: m[2]!.trim() || 'skipped' } : { todo: m[2]!.trim() || 'todo' };
}

export function parseHarnessOutput(text: string): SuiteOutput {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: SuiteOutput = { header: [], tests: [], finished: false };
  let cur: SuiteTestResult | null = null;
  let lastCheck: SuiteCheck | null = null;
  let inSummary = false;
  const close = () => {
    const c = cur as SuiteTestResult | null;
    if (c && c.durationMs === undefined && c.startedAt && c.endedAt) {
      let d = seconds(c.endedAt) - seconds(c.startedAt);
      if (d < 0) d += 24 * 3600;
      c.durationMs = d * 1000;
    }
    cur = null;
    lastCheck = null;
  };
  // The runner's closing lines: "Files=N, Tests=N, N wallclock secs" and "Result: PASS".
  const summaryLine = (line: string) => {
      const f = /^Files=(\d+), Tests=(\d+),\s+(\d+) wallclock secs/.exec(line);
      if (f) {
        out.files = Number(f[1]);
        out.totalChecks = Number(f[2]);
        out.wallclockSec = Number(f[3]);
      }
      const r = /^Result: (PASS|FAIL|NOTESTS)\b/.exec(line);
      if (r) {
        out.result = r[1] as SuiteOutput['result'];
        out.finished = true;
      }
  };
  for (const line of lines) {
    if (inSummary) {
      summaryLine(line);
      continue;
    }
    const h = HEADER.exec(line);
    if (h) {
      close();
      cur = { name: h[2]!, planned: null, checks: [], status: 'none', preamble: [], lines: [], ...(h[1] ? { endedAt: h[1] } : {}) };
      out.tests.push(cur);
      // `1..0 # SKIP why`: the harness says so on the header line.
      if (h[3] !== undefined) Object.assign(cur, { status: 'skipped', skipAll: h[3].trim() || 'skipped' });
      continue;
    }
    const t = TIME_ONLY.exec(line);
    if (t) {
      close();
      continue;
    }
    if (/^Test Summary Report\s*$/.test(line) || /^Files=\d+, Tests=\d+/.test(line) || /^Result: /.test(line)) {
      close();
      inSummary = true;
      // "Files=" and "Result:" may come without a summary report (every test passed).
      summaryLine(line);
      continue;
    }
    if (!cur) {
      out.header.push(line);
      continue;
    }
    const c: SuiteTestResult = cur;
    c.lines.push(line);
    // The harness's closing line for the test.
    const timed = OK_TIMED.exec(line);
    if (timed || line === 'ok') {
      c.status = 'ok';
      if (timed) c.durationMs = Number(timed[1]);
      lastCheck = null;
      continue;
    }
    const skipped = /^skipped:\s*(.*)$/.exec(line);
    if (skipped) {
      c.status = 'skipped';
      c.skipAll ??= skipped[1]!.trim() || 'skipped';
      lastCheck = null;
      continue;
    }
    if (/^Failed \d+\/\d+ subtests\s*$/.test(line) || /^No subtests run\s*$/.test(line)) {
      if (c.status !== 'dubious') c.status = 'failed';
      lastCheck = null;
      continue;
    }
    const dubious = /^Dubious, test returned (\d+)/.exec(line);
    if (dubious) {
      c.status = 'dubious';
      c.exitStatus = Number(dubious[1]);
      lastCheck = null;
      continue;
    }
    const plan = PLAN.exec(line);
    if (plan && c.planned === null && !c.checks.length) {
      c.planned = Number(plan[1]);
      if (c.planned === 0 && plan[2] !== undefined) c.skipAll = plan[2].trim() || 'skipped';
      c.preamble.push(line);
      continue;
    }
    const check = CHECK.exec(line);
    if (check) {
      lastCheck = { n: Number(check[2]), ok: !check[1], ...directive(check[3]!), output: [] };
      c.checks.push(lastCheck);
      continue;
    }
    const started = /^# Current time local: \w+ \w+ +\d+ (\d\d:\d\d:\d\d) \d+$/.exec(line);
    if (started && !c.checks.length) c.startedAt ??= started[1];
    if (lastCheck) lastCheck.output.push(line);
    else c.preamble.push(line);
  }
  return out;
}

/** What a test's checks say: how many ran, passed, failed, and which failed (with their output). */
export interface TestTally {
  planned: number | null;
  run: number;
  passed: number;
  skipped: number;
  /** Checks that failed: `not ok` (but TODO), and planned checks that never ran. */
  failed: { n: number; why: string; output: string[] }[];
}

export function tallyTest(t: SuiteTestResult): TestTally {
  const failed: TestTally['failed'] = [];
  let passed = 0;
  let skipped = 0;
  for (const c of t.checks) {
    if (c.skip) skipped++;
    else if (c.ok || c.todo) passed++;
    else failed.push({ n: c.n, why: 'not ok', output: c.output });
  }
  if (t.planned !== null) {
    const seen = new Set(t.checks.map((c) => c.n));
    for (let n = 1; n <= t.planned; n++) if (!seen.has(n)) failed.push({ n, why: 'planned but never run', output: [] });
  }
  return { planned: t.planned, run: t.checks.length, passed, skipped, failed };
}

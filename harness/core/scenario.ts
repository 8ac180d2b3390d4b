// What a scenario is: what it needs, what runs in the guest, and what must be seen. The
// expectations are a pure function of the captured records and events, so they are unit-tested
// on real captured output like any parser.
import type { AuditEvent, AuditRecord, AuditStatus, CnEvent, CnSummary, Failure, Series } from './types.js';

export type ParamValue = number | string;

export interface ScenarioNeeds {
  /**
   * Kconfig lines the scenario needs in the kernel. Checked against the series' kernel, never
   * merged into it (one kernel per base, series and profile): a scenario whose option the
   * kernel lacks is skipped with the option named.
   */
  config?: string[];
  /** Kernel selftests (harness/image/selftests.ts) built against the series' tree and uploaded after each boot. */
  selftests?: ('connector')[];
  /** Run only on series that provide all of these; others get verdict skip. */
  capabilities?: string[];
}

export interface GuestOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** `KPH name=value` lines the guest script printed. */
  notes: Record<string, string[]>;
}

export interface ScenarioContext {
  series: Pick<Series, 'name' | 'revision' | 'meta'>;
  /** The series' capabilities (series.json "provides"). */
  provides: Set<string>;
  params: Record<string, ParamValue>;
  guest: GuestOutput;
  audit: {
    /** Records between the scenario's begin and end markers. */
    records: AuditRecord[];
    events: AuditEvent[];
    /** Records logged before the first scenario of this boot (boot-time records). */
    bootRecords: AuditRecord[];
    before: AuditStatus | null;
    after: AuditStatus | null;
  };
  cn: { events: CnEvent[]; summary: CnSummary | null; ready: boolean } | null;
}

export interface Check {
  name: string;
  ok: boolean;
  /** Why it failed (or what it saw, when ok). */
  message: string;
  excerpt?: string[];
}

export interface Scenario {
  name: string;
  description: string;
  needs?: ScenarioNeeds;
  /**
   * For scenarios a series' capabilities make meaningless (e.g. boot records for a revision
   * that never promised them): return a reason to skip, or true to run.
   */
  appliesTo?(provides: Set<string>): true | string;
  /**
   * Defaults; `--param scenario.key=value` overrides. The default's type is the parameter's
   * type: a number default takes only numbers (an integer default only integers).
   */
  params?: Record<string, ParamValue>;
  /** auditctl rule lines loaded for the scenario and removed after it. */
  auditRules?: string[];
  /** Start the proc-connector listener around the scenario (with these arguments). */
  listener?: { args?: string[] } | false;
  /** Guest script (sh) run as root; parameters arrive as environment variables. */
  script: string;
  /** Seconds the guest script may take under TCG. */
  timeoutSec?: number;
  expect(ctx: ScenarioContext): Check[];
  /** Figures worth recording (rates, counts), from the same context. */
  measure?(ctx: ScenarioContext): Record<string, number>;
}

export function defineScenario(s: Scenario): Scenario {
  return s;
}

/** Turn failed checks into the result's failures. */
export function failuresOf(checks: Check[]): Failure[] {
  return checks.filter((c) => !c.ok).map((c) => ({ message: `${c.name}: ${c.message}`, excerpt: c.excerpt }));
}

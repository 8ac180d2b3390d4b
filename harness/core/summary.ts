// summary.json, the contract CI jobs read: its zod schema is the one definition of the result
// types, and results/summary.schema.json is generated from it (`npm run schema`; a unit test
// fails when the committed file is stale).
import { z } from 'zod/v4';

export const SUMMARY_SCHEMA_VERSION = 2;

export const VERDICTS = [
  'pass',
  'fail',
  'crash',
  'timeout',
  'boot-error',
  'apply-error',
  'config-error',
  'build-error',
  'infra-error',
  'inconclusive',
  'skip',
  'flaky',
  'leak',
] as const;
export const verdictSchema = z.enum(VERDICTS);
export type Verdict = z.infer<typeof verdictSchema>;

/** Verdicts that are the series' fault (exit 1). */
export const SERIES_FAULTS: readonly Verdict[] = ['fail', 'crash', 'timeout', 'boot-error', 'apply-error', 'config-error', 'build-error', 'flaky', 'leak'];

/**
 * Stable codes for what went wrong, one per failure: CI jobs and dashboards match on these,
 * never on message text.
 */
export const FAILURE_CODES = [
  'E_CHECK', // a scenario check failed
  'E_EXPECT', // the scenario's expect() threw on what was captured
  'E_SPLAT', // the console showed a kernel splat (oops, BUG, WARNING, lockdep, hung task, ...)
  'E_GUEST_DIED', // QEMU exited during the scenario without a recognised splat
  'E_TIMEOUT', // the guest script did not finish in its time
  'E_LOST', // audit records or connector events were lost: nothing can be concluded
  'E_MARKER', // the capture window's end marker never reached the log
  'E_LISTENER', // the connector listener never got its subscription ack
  'E_APPLY',
  'E_CONFIG',
  'E_BUILD',
  'E_BOOT', // the series' kernel never reached the guest's ready line (the base's kernel does)
  'E_INFRA', // not the kernel's fault: a tool, QEMU, SSH, the image
  'E_SKIP',
  'E_FORMAT', // record formats differ from the committed baseline
  'E_KNOWN_FAIL', // a peer suite's test fails on this series and on baseline too: reported, not the series' regression (verdict skip)
  'E_FLAKY', // --repeat N: the repeats of one scenario on one kernel disagreed
  'E_LEAK', // a kmemleak kernel (--kconfig kmemleak): a suspected leak the baseline kernel under the same profile does not show
  'E_NS_LEAK', // a series whose records say when a namespace dies (NS_INIT_*/NS_DEL_*): one a scenario made was never freed, and no task is in it
] as const;
export const failureCodeSchema = z.enum(FAILURE_CODES);
export type FailureCode = z.infer<typeof failureCodeSchema>;

export const failureSchema = z.object({
  code: failureCodeSchema.optional(),
  message: z.string(),
  /** Records, events or console lines that show the failure. */
  excerpt: z.array(z.string()).optional(),
});
export type Failure = z.infer<typeof failureSchema>;

export const durationsSchema = z.object({ build: z.number(), boot: z.number(), scenario: z.number() });
export type RunDurations = z.infer<typeof durationsSchema>;

export const runResultSchema = z.object({
  series: z.string(),
  revision: z.string().nullable(),
  /**
   * The debug-kernel profiles (`--kconfig`) of the kernel the row ran on, in order: its label is
   * `series@revision+profile...` (core/label.ts). Absent for the plain kernel.
   */
  kconfig: z.array(z.string()).optional(),
  scenario: z.string(),
  verdict: verdictSchema,
  failures: z.array(failureSchema),
  durationsMs: durationsSchema,
  /** Figures the scenario measured (events per second, ...). */
  metrics: z.record(z.string(), z.number()).optional(),
  /** Said about the run but not part of the verdict (the audit backlog throttled the scenario, ...). */
  notes: z.array(z.string()).optional(),
  /**
   * The kernel bug behind a crash or hang: the first splat's kind and top frames, with nothing
   * that changes between boots (parse/splat-signature.ts). Rows with one signature are one bug.
   */
  signature: z.string().optional(),
  /**
   * `kph run --repeat N`: the scenario ran N times on the same kernel (a fresh guest after any
   * repeat that did not pass). Each repeat's files are in `<dir>/repeat-K/`; the row's own folder
   * holds a copy of the first failing repeat's (else the first's).
   */
  repeats: z
    .object({
      count: z.number().int().min(1),
      passed: z.number().int().min(0),
      /** Each repeat's verdict, in order. */
      verdicts: z.array(verdictSchema),
      /** Each repeat's scenario time. */
      scenarioMs: z.array(z.number()),
      /** The first repeat (1-based) that did not pass: its evidence is the row's. */
      firstFailure: z.number().int().min(1).optional(),
    })
    .optional(),
  /**
   * A kmemleak kernel (`--kconfig kmemleak`): the suspected leaks kmemleak reported after the
   * scenario (scan, wait past its minimum object age, scan again), grouped by signature
   * (parse/kmemleak.ts). Empty when it scanned and found none; absent when no scan ran. `known`:
   * the baseline kernel under the same profile shows that signature too in this run, so it is
   * not the series' leak. A leak not known is verdict `leak` (E_LEAK).
   */
  leaks: z
    .array(
      z.object({
        signature: z.string(),
        /** Objects with this signature. */
        count: z.number().int().min(1),
        /** The first object's size in bytes. */
        size: z.number().int().min(0),
        /** The task that allocated it. */
        comm: z.string(),
        /** Its allocation's backtrace, frames as printed (no addresses). */
        backtrace: z.array(z.string()),
        known: z.boolean().optional(),
      }),
    )
    .optional(),
  /** The parameters the scenario ran with. */
  params: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  /** Relative to the results folder. */
  dir: z.string(),
});
export type RunResult = z.infer<typeof runResultSchema>;

export const accelSchema = z.enum(['kvm', 'tcg']);
export type Accel = z.infer<typeof accelSchema>;

/** A line a patch added that gcov instrumented and that never ran. */
export const coverageLineSchema = z.object({
  /** Tree-relative path in the series' final tree. */
  file: z.string(),
  /** 1-based line in the final tree (after every patch). */
  line: z.number().int().min(1),
  text: z.string(),
  /** The patch file that added it. */
  patch: z.string(),
});
export type CoverageLine = z.infer<typeof coverageLineSchema>;

/**
 * `kph run --coverage`: which of the lines the series adds ran during the scenarios (harness/
 * coverage/). Counted are added lines gcov instrumented (the executable ones) in the objects
 * the series' C files build; a header's added lines count where a profiled object includes and
 * instruments them. Information, not a verdict.
 */
export const seriesCoverageSchema = z.object({
  /** Added lines gcov instrumented. */
  addedLines: z.number().int().min(0),
  /** Of those, the lines that ran at least once, in any boot of the scenarios. */
  executedLines: z.number().int().min(0),
  /** Every added, instrumented line that never ran. */
  unexecuted: z.array(coverageLineSchema),
  /** The same counts per patch, in order of application. */
  patches: z.array(z.object({ patch: z.string(), addedLines: z.number().int().min(0), executedLines: z.number().int().min(0) })).optional(),
  /**
   * How many of the added lines each scenario ran, in the order they ran ("(boot)": the boot
   * before the first scenario), from the counters read after each scenario (never reset).
   */
  scenarios: z.array(z.object({ scenario: z.string(), executedLines: z.number().int().min(0) })).optional(),
  /**
   * The hunks (as the patch writes them) holding an unexecuted line: each added line with its
   * line in the final tree and, when instrumented, whether it ran.
   */
  hunks: z
    .array(
      z.object({
        patch: z.string(),
        file: z.string(),
        header: z.string(),
        /** `scenarios`: the scenarios that ran the line (with the counters read after each). */
        lines: z.array(z.object({ kind: z.enum([' ', '-', '+']), text: z.string(), line: z.number().int().optional(), ran: z.boolean().optional(), scenarios: z.array(z.string()).optional() })),
      }),
    )
    .optional(),
  /** C files and headers the series adds lines to that no counter covers, with how many lines and why. */
  unmeasured: z.array(z.object({ file: z.string(), lines: z.number().int().min(0), why: z.string() })).optional(),
  /** The objects the coverage kernel profiled (tree-relative .o paths). */
  objects: z.array(z.string()).optional(),
  /** The series' lcov tracefile, relative to the results folder (tree-relative SF: paths). */
  lcov: z.string().optional(),
  /** Boots whose counters were read, and boots whose counters were lost (the guest died first). */
  boots: z.object({ collected: z.number().int().min(0), lost: z.number().int().min(0) }).optional(),
  notes: z.array(z.string()).optional(),
  /** Coverage could not be measured (the counters, lcov): why. The counts are then 0. */
  error: z.string().optional(),
});
export type SeriesCoverage = z.infer<typeof seriesCoverageSchema>;

/** What a later `kph judge` or `kph diff` needs to know about each series of the run. */
export const seriesEntrySchema = z.object({
  label: z.string(),
  name: z.string(),
  revision: z.string().nullable(),
  /** Folder of the series in the results folder. */
  dir: z.string(),
  /**
   * The debug-kernel profiles (`--kconfig`) its kernel was built with: name, the fragment file
   * (relative to the repository for a built-in), and the factors its boot deadline and
   * scenario times were scaled by. Absent for the plain kernel.
   */
  kconfig: z
    .array(z.object({ name: z.string(), source: z.string(), bootFactor: z.number(), scenarioFactor: z.number() }))
    .optional(),
  records: z.record(z.string(), z.string()),
  provides: z.array(z.string()),
  kernel: z
    .object({ bzImage: z.string(), cached: z.boolean(), buildMs: z.number() })
    .optional(),
  /**
   * Each boot of the series' kernel: ms from QEMU's start to a usable SSH session, and where they
   * went (firmware, kernel, userspace, ssh wait/kex/auth: harness/vm/boot-phases.ts).
   */
  boots: z
    .array(
      z.object({
        ms: z.number(),
        phases: z
          .object({ firmware: z.number().optional(), kernel: z.number().optional(), userspace: z.number().optional(), sshWait: z.number().optional(), sshKex: z.number().optional(), sshAuth: z.number().optional(), total: z.number() })
          .optional(),
        /**
         * A boot that said it was ready and never answered on SSH, booted again once (run/policy.ts:
         * bootAgain): why, its console file in the series' folder, and the evidence (the console's
         * tail and what a SysRq t dump said).
         */
        failed: z.object({ code: z.string(), message: z.string(), console: z.string(), excerpt: z.array(z.string()) }).optional(),
      }),
    )
    .optional(),
  /** Where the series came from: its patch folder or mbox file (absent for baseline). */
  source: z.string().optional(),
  /** The patch files in order of application, with the sha256 of each (the KCIDB patchset). */
  patches: z.array(z.object({ name: z.string(), sha256: z.string() })).optional(),
  /** `kph run --coverage`: the lines the series adds that ran (seriesCoverageSchema). */
  coverage: seriesCoverageSchema.optional(),
});
export type SeriesEntry = z.infer<typeof seriesEntrySchema>;

export const summarySchema = z.object({
  schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
  kph: z.object({ version: z.string() }),
  base: z.object({ spec: z.string(), version: z.string() }),
  accel: accelSchema,
  accelReason: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** False while the run is going on (summary.json is rewritten after every result). */
  complete: z.boolean(),
  /** The run was stopped (Ctrl-C, SIGTERM) before it ended: the rows are what ran. */
  interrupted: z.boolean().optional(),
  /** `kph run --shard K/N`: this run is shard K of N; allSeries are the labels of the whole run, in order. */
  shard: z
    .object({
      index: z.number().int().min(1),
      count: z.number().int().min(1),
      allSeries: z.array(z.string()),
      /** What balanced the split: costs recorded in earlier summaries, or patch and scenario counts. */
      balance: z.enum(['recorded', 'patches']).optional(),
    })
    .optional(),
  series: z.array(seriesEntrySchema),
  runs: z.array(runResultSchema),
  /**
   * `kph run --coverage --min-coverage PCT`: the series whose share of added lines that ran is
   * below PCT. Failed, the run exits 1 (whatever the verdicts); the verdicts are unchanged.
   */
  coverageGate: z
    .object({
      minPercent: z.number().min(0).max(100),
      passed: z.boolean(),
      below: z.array(z.object({ series: z.string(), percent: z.number(), addedLines: z.number().int(), executedLines: z.number().int(), why: z.string().optional() })),
    })
    .optional(),
});
export type Summary = z.infer<typeof summarySchema>;

/** The JSON Schema published as results/summary.schema.json. */
export function summaryJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(summarySchema, { target: 'draft-2020-12' }) as object),
    $id: 'https://kernel-patch-harness.invalid/summary.schema.json',
    title: 'kph summary.json',
  };
}

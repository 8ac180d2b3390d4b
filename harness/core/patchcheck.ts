// patchcheck.json, what `kph patchcheck` leaves for CI jobs beside its reports: one row per
// patch (does the tree with patches 1..k build, what it added to the compiler warnings of the
// files patch k touched, what checkpatch.pl --strict says of patch k). Its zod schema is the
// one definition of the types, like summary.json's (core/summary.ts).
import { z } from 'zod/v4';

export const PATCHCHECK_SCHEMA_VERSION = 1;

export const warningSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  message: z.string(),
  function: z.string().optional(),
});

export const checkpatchItemSchema = z.object({
  level: z.enum(['ERROR', 'WARNING', 'CHECK']),
  type: z.string().optional(),
  message: z.string(),
  /** "include/linux/audit.h:185" for code, "#28" (line of the patch) for the commit message. */
  where: z.string().optional(),
});

export const stepBuildSchema = z.object({
  /** ok: built; error: did not compile or link; config-error: the last step lost a requested option; not-reached: an earlier patch did not apply. */
  status: z.enum(['ok', 'error', 'config-error', 'not-reached']),
  ms: z.number(),
  /** Objects kbuild compiled in this step (CC/AS lines): what the patch made it recompile. */
  compiled: z.number().int(),
  /** Their sources, for a patch's step (not for step 0, which compiles everything). */
  sources: z.array(z.string()).optional(),
  /** The compiler's and make's error lines. */
  errors: z.array(z.string()),
  /** Relative to the results folder. */
  log: z.string().optional(),
  /** Requested options this step's tree does not have yet (a later patch adds them). */
  configMissing: z.array(z.string()).optional(),
});

/** --boot: the step's kernel booted and the selected scenarios run on it (a run folder of its own). */
export const stepBootSchema = z.object({
  /** ok: the scenarios ran (whatever their verdicts); error: no scenario could run (the boot, the guest); not-reached: the step did not build. */
  status: z.enum(['ok', 'error', 'not-reached']),
  ms: z.number(),
  /** The step's run folder (summary.json, rows, captures), relative to the results folder. */
  run: z.string().optional(),
  /** Scenario → verdict on this step's kernel. */
  verdicts: z.record(z.string(), z.string()),
  /** Record and event format changes against the last step that booted ("scenario: change"). */
  formatChanges: z.array(z.string()),
  /** Scenarios that passed on the last step that booted and do not pass here. */
  regressions: z.array(z.string()),
  /** Why nothing ran (status error). */
  error: z.string().optional(),
});
export type StepBoot = z.infer<typeof stepBootSchema>;

export const patchRowSchema = z.object({
  /** 1-based position in the series. */
  index: z.number().int().min(1),
  name: z.string(),
  subject: z.string(),
  /** The files the patch touches (tree-relative). */
  files: z.array(z.string()),
  apply: z.object({
    status: z.enum(['ok', 'error', 'not-reached']),
    /** Hunks that applied at an offset. */
    offsets: z.array(z.string()),
    errors: z.array(z.string()),
  }),
  build: stepBuildSchema,
  /** The patch's .c files that were not compiled although the step built (not in this config). */
  notCompiled: z.array(z.string()),
  warnings: z.object({
    /** Compiler warnings in the files the patch touched that step k-1 did not have. */
    new: z.array(warningSchema),
    /** Warnings of those files that step k-1 had and step k no longer has. */
    gone: z.array(z.object({ file: z.string(), message: z.string(), function: z.string().optional() })),
    /** Every warning in the touched files at step k. */
    inTouchedFiles: z.number().int(),
  }),
  checkpatch: z.object({
    errors: z.number().int(),
    warnings: z.number().int(),
    checks: z.number().int(),
    lines: z.number().int(),
    items: z.array(checkpatchItemSchema),
    /** The whole output, relative to the results folder. */
    output: z.string(),
  }),
  /** With --boot. */
  boot: stepBootSchema.optional(),
  /** fail: does not apply or build, checkpatch errors, or (--boot) a scenario that passed at k-1 no longer passes; warn: new warnings, checkpatch warnings or checks; ok otherwise. */
  verdict: z.enum(['ok', 'warn', 'fail']),
  /** This step's folder, relative to the results folder. */
  dir: z.string(),
});
export type PatchRow = z.infer<typeof patchRowSchema>;

export const patchcheckSchema = z.object({
  schemaVersion: z.literal(PATCHCHECK_SCHEMA_VERSION),
  kind: z.literal('patchcheck'),
  kph: z.object({ version: z.string() }),
  base: z.object({ spec: z.string(), version: z.string() }),
  series: z.object({
    label: z.string(),
    name: z.string(),
    revision: z.string().nullable(),
    /** Debug-kernel profiles (`--kconfig`) every step was built with; absent without any. */
    kconfig: z.array(z.string()).optional(),
    source: z.string().optional(),
  }),
  /** The work folder the steps were built in (kph's cache; not kph build's folder of the series). */
  workDir: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** False while the steps are going on (patchcheck.json is rewritten after every step). */
  complete: z.boolean(),
  interrupted: z.boolean().optional(),
  /** The first patch whose tree does not build (1-based), null when every step built. */
  firstBuildFailure: z.number().int().nullable(),
  /** Step 0, the base with the series' config: the reference for patch 1's warnings. */
  reference: z.object({ build: stepBuildSchema, warnings: z.number().int(), dir: z.string(), boot: stepBootSchema.optional() }).optional(),
  /** --boot: the scenarios run on every step, and the first patches that changed a format or broke a scenario. */
  boot: z
    .object({
      scenarios: z.array(z.string()),
      /** The first patch whose records or events differ in format from the step before it; null when none. */
      firstFormatChange: z.number().int().nullable(),
      /** The first patch after which a scenario that passed before no longer passes; null when none. */
      firstRegression: z.number().int().nullable(),
    })
    .optional(),
  patches: z.array(patchRowSchema),
  /** What the series did not get checked for, said plainly (the debug-kernel profiles, ...). */
  notChecked: z.array(z.string()),
});
export type PatchcheckSummary = z.infer<typeof patchcheckSchema>;

/** Exit status of a patchcheck: 1 when a patch does not apply or build, or checkpatch reports errors. */
export function patchcheckExitCode(s: PatchcheckSummary): number {
  return s.patches.some((p) => p.verdict === 'fail') ? 1 : 0;
}

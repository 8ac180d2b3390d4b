// One error base with a stable code and the stage that raised it; subclasses where the
// user's next step differs. Assertion failures, splats and lost events are results, not errors.

export type Stage =
  | 'cli'
  | 'source'
  | 'patch'
  | 'config'
  | 'build'
  | 'image'
  | 'vm'
  | 'ssh'
  | 'capture'
  | 'scenario'
  | 'report'
  | 'diff';

export interface KphErrorOptions {
  cause?: unknown;
  /** What the user should do next, or where the full log is. */
  hint?: string;
  /** Lines worth showing (compiler errors, failing hunk, console tail). */
  details?: string[];
}

export class KphError extends Error {
  readonly code: string;
  readonly stage: Stage;
  readonly hint?: string;
  readonly details: string[];
  /** Exit code per design.md: 1 the series' fault, 2 usage, 3 infrastructure. */
  readonly exitCode: number = 3;

  constructor(code: string, stage: Stage, message: string, opts: KphErrorOptions = {}) {
    super(opts.hint ? `${message}\n${opts.hint}` : message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.stage = stage;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }
}

/** Bad command line or unknown series/scenario/base: exit 2. */
export class UsageError extends KphError {
  override readonly exitCode = 2;
  constructor(message: string, opts: KphErrorOptions = {}) {
    super('E_USAGE', 'cli', message, opts);
  }
}

/** A patch of the series does not apply to the base. */
export class ApplyError extends KphError {
  override readonly exitCode = 1;
  constructor(
    readonly patchName: string,
    message: string,
    opts: KphErrorOptions = {},
  ) {
    super('E_APPLY', 'patch', message, opts);
  }
}

/** Requested Kconfig options that olddefconfig dropped or changed. */
export class ConfigDroppedError extends KphError {
  override readonly exitCode = 1;
  constructor(
    readonly dropped: { option: string; wanted: string; got: string | null }[],
    opts: KphErrorOptions = {},
  ) {
    super(
      'E_CONFIG_DROPPED',
      'config',
      `Not all requested Kconfig options survived olddefconfig. Missing: ${dropped
        .map((d) => `${d.option}=${d.wanted} (got ${d.got ?? 'unset'})`)
        .join(', ')}`,
      opts,
    );
  }
}

/** The kernel did not compile or link. */
export class BuildError extends KphError {
  override readonly exitCode = 1;
  constructor(message: string, opts: KphErrorOptions = {}) {
    super('E_BUILD', 'build', message, opts);
  }
}

/** QEMU could not start, or the guest never answered on SSH. */
export class BootError extends KphError {
  constructor(code: string, message: string, opts: KphErrorOptions = {}) {
    super(code, 'vm', message, opts);
  }
}

/** A host tool or a cache step failed: not the patch's fault. */
export class InfraError extends KphError {
  constructor(stage: Stage, message: string, opts: KphErrorOptions = {}) {
    super('E_INFRA', stage, message, opts);
  }
}

// The named types every stage passes around: series, bases, scenarios, records, events, results.
import type { KconfigProfile } from '../config/profiles.js';

/** Where the kernel source comes from. */
export type BaseSpec =
  | { kind: 'debian'; spec: string; tarball: string }
  | { kind: 'tree'; spec: string; path: string }
  | { kind: 'tarball'; spec: string; path: string };

/** A prepared base tree in the cache. */
export interface BaseTree {
  spec: string;
  /** `make kernelversion` of the tree, e.g. 6.12.117 */
  version: string;
  dir: string;
  /** Changes whenever the tree's content may have changed. */
  contentId: string;
}

/** What a bundled revision's series.json says about it. */
export interface SeriesMeta {
  title: string;
  origin: string;
  base?: string;
  config: string[];
  /** Audit record number → name, e.g. {"1340": "NS_INFO"}. */
  records: Record<string, string>;
  /** Netlink request types the series adds, name → number. */
  requests?: Record<string, number>;
  provides: string[];
  /** Which item of the cover letter each patch file carries ("0004-...patch": "6/13"). */
  patches?: Record<string, string>;
  notes?: string;
  /** "wip": not yet built and run end to end; `--all` leaves it out. */
  status?: 'ready' | 'wip';
}

export interface PatchFile {
  /** File name as the user knows it (0001-foo.patch, or mbox#3). */
  name: string;
  /** The patch text as given to `patch -p1`. */
  text: string;
}

/** A series resolved from `baseline`, `NAME@REV` or a path. */
export interface Series {
  /** `baseline`, the bundled name, or the path's basename. */
  name: string;
  revision: string | null;
  /** Stable identity of the series for cache directories (not its content). */
  id: string;
  /** sha256 over all patch texts and the metadata. */
  contentHash: string;
  patches: PatchFile[];
  meta: SeriesMeta;
  /** Where it came from (a directory or an mbox file); null for baseline. */
  source: string | null;
  /**
   * Debug-kernel profiles (`--kconfig`, config/profiles.ts): merged after the series' config;
   * part of the id (work folder) and of the label (`ns-serial@v5+lockdep`).
   */
  kconfig?: KconfigProfile[];
}

export type { Verdict } from './summary.js';

export type { Accel } from './summary.js';

/** One field of an audit record, in the order the kernel wrote it. */
export interface AuditField {
  name: string;
  /** The raw value as logged (quotes kept). */
  raw: string;
}

/** One line of audit.log. */
export interface AuditRecord {
  /** Record type name: SYSCALL, NS_INFO (resolved from UNKNOWN[1340]), ... */
  type: string;
  /** Record type number when known (from the name table or UNKNOWN[n]). */
  typeNumber: number | null;
  /** Seconds since the epoch, with milliseconds, as logged. */
  timestamp: string;
  /** The audit event serial: records of one event share it. */
  serial: number;
  fields: AuditField[];
  /** The line as logged. */
  line: string;
}

/** Records that share a serial: one audit event. */
export interface AuditEvent {
  serial: number;
  timestamp: string;
  records: AuditRecord[];
}

/** Counters from `auditctl -s`. */
export interface AuditStatus {
  enabled: number;
  lost: number;
  backlog: number;
  backlogLimit: number;
  /**
   * Jiffies tasks spent waiting for room in the backlog (kernel 5.12+, auditctl 3.0+): rising
   * across a scenario means the kernel throttled it. Absent when auditctl does not print it.
   */
  backlogWaitTimeActual?: number;
}

/** One proc-connector message as the guest listener printed it. */
export interface CnEvent {
  /** fork, exec, uid, gid, sid, ptrace, comm, coredump, exit, none, ns, or unknown. */
  kind: string;
  /** The raw `what` value. */
  what: number;
  cpu: number;
  seq: number;
  timestampNs: string;
  /** The cn_msg payload length (sizeof(struct proc_event) for fixed events). */
  len: number;
  /** Decoded fields (pids, inodes, ...) as the listener printed them. */
  data: Record<string, unknown>;
}

export interface CnSummary {
  events: number;
  enobufs: number;
  seqGaps: number;
  /** "supported", "unsupported" or null when not asked. */
  features: string | null;
}

export type { Failure, FailureCode, RunDurations, RunResult, SeriesEntry, Summary } from './summary.js';

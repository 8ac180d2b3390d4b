// kmemleak's report (/sys/kernel/debug/kmemleak after a scan) → its suspected leaks, grouped by
// signature. Pure.
//
// The format is mm/kmemleak.c's print_unreferenced() (Linux 6.12), one block per object:
//
//   unreferenced object 0x%08lx (size %zu):
//     comm "%s", pid %d, jiffies %lu
//     hex dump (first %zu bytes):              (or "... bytes on cpu %d):" for a per-CPU object)
//       6b 6b 6b ...  kkkk...                  (seq_hex_dump: at most 2 rows of 16 bytes)
//     backtrace (crc %x):
//       %pS                                    (one frame a line: func+0x1c/0x40, or func+0x1/0x2 [module])
//
// Older kernels printed `(age 1.234s)` after the jiffies, `backtrace:` without the crc, and each
// frame as `[<address>] func+0x1c/0x40`: read as well. A leak's signature is its backtrace's top
// frames past the allocator (parse/splat-signature.ts), so the same leak on another boot, with
// another address, size or pid, has the same one.
import { describeSplat } from './splat-signature.js';

export interface KmemleakObject {
  /** As printed (`0xffff888004a1c2c0`): differs on every boot. */
  address: string;
  size: number;
  comm: string;
  pid: number;
  jiffies: number;
  /** The hex dump's rows as printed (trimmed). */
  hexDump: string[];
  /** `backtrace (crc %x)`: the object's checksum at the last scan. */
  crc?: string;
  /** The backtrace's frames as printed, without the `[<address>]` older kernels put first. */
  frames: string[];
  /** The whole block as printed. */
  lines: string[];
}

const HEAD = /^unreferenced object (0x[0-9a-f]+) \(size (\d+)\):\s*$/;
const COMM = /^\s+comm "(.*)", pid (-?\d+), jiffies (\d+)/;
const HEX_HEAD = /^\s+hex dump \(first \d+ bytes(?: on cpu \d+)?\):\s*$/;
const BACKTRACE = /^\s+backtrace(?: \(crc ([0-9a-f]+)\))?:\s*$/;

/** Every `unreferenced object` block of a kmemleak report; lines that belong to none are ignored. */
export function parseKmemleak(text: string): KmemleakObject[] {
  const out: KmemleakObject[] = [];
  let cur: KmemleakObject | null = null;
  let part: 'head' | 'hex' | 'trace' = 'head';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const h = HEAD.exec(line);
    if (h) {
      cur = { address: h[1]!, size: Number(h[2]), comm: '', pid: 0, jiffies: 0, hexDump: [], frames: [], lines: [line] };
      out.push(cur);
      part = 'head';
      continue;
    }
    if (!cur || !line.trim()) continue;
    cur.lines.push(line);
    const c = COMM.exec(line);
    if (c && part === 'head') {
      cur.comm = c[1]!;
      cur.pid = Number(c[2]);
      cur.jiffies = Number(c[3]);
      continue;
    }
    if (HEX_HEAD.test(line)) {
      part = 'hex';
      continue;
    }
    const b = BACKTRACE.exec(line);
    if (b) {
      part = 'trace';
      if (b[1]) cur.crc = b[1];
      continue;
    }
    if (part === 'hex') cur.hexDump.push(line.trim());
    else if (part === 'trace') cur.frames.push(line.trim().replace(/^\[<[0-9a-f]+>\]\s*/, ''));
  }
  return out;
}

/** The leak's signature: `kmemleak: caller < its caller < ...`, the allocator's frames dropped. */
export function leakSignature(o: Pick<KmemleakObject, 'lines'>): string {
  return describeSplat({ kind: 'kmemleak', title: o.lines[0] ?? 'unreferenced object', excerpt: o.lines }).text;
}

/** Suspected leaks of one signature: what a row of summary.json carries (`leaks`). */
export interface LeakGroup {
  signature: string;
  /** Objects with this signature in the report. */
  count: number;
  /** The first object's size in bytes. */
  size: number;
  /** The task that allocated the first object. */
  comm: string;
  /** The first object's backtrace, frames as printed (no addresses). */
  backtrace: string[];
}

/** The report's objects grouped by signature, in the order kmemleak listed them (allocation order). */
export function groupLeaks(objects: KmemleakObject[]): LeakGroup[] {
  const by = new Map<string, LeakGroup>();
  for (const o of objects) {
    const signature = leakSignature(o);
    const g = by.get(signature);
    if (g) g.count++;
    else by.set(signature, { signature, count: 1, size: o.size, comm: o.comm, backtrace: o.frames });
  }
  return [...by.values()];
}

/** A group as evidence lines: the object, then its backtrace (what the report's excerpt shows). */
export function leakExcerpt(g: LeakGroup): string[] {
  return [`unreferenced object (size ${g.size}): comm "${g.comm}"${g.count > 1 ? `, ${g.count} objects with this backtrace` : ''}`, '  backtrace:', ...g.backtrace.map((f) => `    ${f}`)];
}

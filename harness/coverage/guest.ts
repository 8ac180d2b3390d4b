// A coverage kernel's guest as the run loop sees it: its gcov counters are read over SSH after
// the boot and after each scenario (never reset: the differences say which scenario ran a line,
// and nothing is lost between readings), and once more before it stops, into the series'
// coverage/boot-N folder. A guest that died took its counters with it: its last reading (after
// its last scenario that ended with the guest alive) stands for it, or the boot is counted lost.
import { join } from 'node:path';
import type { GuestLike } from '../run/run.js';
import { collectBootCounters, type GuestExec } from './collect.js';

export interface CounterState {
  /** Each boot's counters folder (collectBootCounters), for the totals. */
  dirs: string[];
  /** The readings after the boot ("(boot)") and after each scenario, in order. */
  snapshots: { boot: string; scenario: string; dir: string }[];
  /** Boots whose counters were lost altogether. */
  lost: number;
  notes: string[];
}

export const newCounterState = (): CounterState => ({ dirs: [], snapshots: [], lost: 0, notes: [] });

export interface CountingOptions {
  state: CounterState;
  /** The kernel's build folder (its .gcno files). */
  buildDir: string;
  /** The series' results folder: boots go to coverage/boot-N. */
  seriesDir: string;
  timeoutMs: number;
  /** Where the counters are in the guest (default /sys/kernel/debug/gcov; tests give another). */
  root?: string;
  /** "reading the gcov counters of boot N" */
  say?: (msg: string) => void;
}

export function withCounters(g: GuestLike, session: GuestExec, o: CountingOptions): GuestLike {
  const st = o.state;
  const n = st.dirs.length + st.lost + 1;
  const bootDir = join(o.seriesDir, 'coverage', `boot-${n}`);
  const read = (dir: string) => collectBootCounters(session, { buildDir: o.buildDir, dir, timeoutMs: o.timeoutMs, ...(o.root ? { root: o.root } : {}) });
  let k = 0;
  const snapshot = async (scenario: string) => {
    const dir = join(bootDir, 'after', `${String(k++).padStart(3, '0')}-${scenario.replace(/[^\w.-]/g, '_')}`);
    try {
      await read(dir);
      st.snapshots.push({ boot: bootDir, scenario, dir });
    } catch (e) {
      st.notes.push(`boot ${n}: the counters after ${scenario} could not be read (which scenario ran which line is incomplete): ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return {
    get bootMs() {
      return g.bootMs;
    },
    get phases() {
      return g.phases;
    },
    alive: () => g.alive(),
    async runScenario(scenario, params, sdir) {
      if (k === 0 && g.alive()) await snapshot('(boot)');
      const cap = await g.runScenario(scenario, params, sdir);
      // A hung or dead guest is stopped next: its counters are read then, if at all.
      if (cap.guestAlive && !cap.hang && g.alive()) await snapshot(scenario.name);
      return cap;
    },
    async stop() {
      try {
        if (!g.alive()) throw new Error('the guest was gone before its counters could be read');
        o.say?.(`reading the gcov counters of boot ${n}`);
        const got = await read(bootDir);
        st.dirs.push(bootDir);
        if (!got.files) st.notes.push(`boot ${n}: the guest had no counters for the build's objects`);
        if (got.unmatched.length) st.notes.push(`boot ${n}: counters with no .gcno in the build folder, left out: ${got.unmatched.slice(0, 5).join(', ')}${got.unmatched.length > 5 ? ', ...' : ''}`);
      } catch (e) {
        const last = st.snapshots.filter((x) => x.boot === bootDir).pop();
        if (last) st.dirs.push(last.dir);
        else st.lost++;
        st.notes.push(`boot ${n}: ${last ? `counted as read after ${last.scenario}; the rest lost` : 'counters lost'}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await g.stop();
      }
    },
  };
}

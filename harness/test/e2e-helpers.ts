// What every end-to-end test file needs: kph as a user runs it, results folders of its own,
// and the QEMUs its runs left behind (there must be none).
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { repoRoot } from '../core/paths.js';
import type { Summary } from '../core/types.js';

export const bin = join(repoRoot, 'harness', 'cli', 'bin.mjs');
export const fixtures = join(repoRoot, 'harness', 'test', 'fixtures');

/** Run kph with CI=1 (plain progress lines); never throws. */
export async function kph(args: string[], timeoutMs = 40 * 60_000, env: Record<string, string> = {}) {
  const started = Date.now();
  const r = await execa('node', [bin, ...args], { cwd: repoRoot, reject: false, timeout: timeoutMs, env: { CI: '1', ...env }, all: true });
  return { code: r.exitCode ?? -1, stdout: r.stdout, all: r.all ?? '', ms: Date.now() - started };
}

export function summaryOf(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

/** Results folders of one test file, and the QEMUs of its runs still alive. */
export function resultsFolders(prefix: string) {
  const dirs: string[] = [];
  return {
    dirs,
    /** A new results folder (empty, so `--out` takes it). */
    make(): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    /** QEMUs named kph/<one of our folders>/<series> (and kph/boot/ when asked) still running. */
    async leftoverQemus(includeBoot = false): Promise<string[]> {
      const r = await execa('pgrep', ['-af', 'qemu-system-x86_64'], { reject: false });
      const names = [...dirs.map((d) => `-name kph/${basename(d)}/`), ...(includeBoot ? ['-name kph/boot/'] : [])];
      return r.stdout.split('\n').filter((l) => names.some((n) => l.includes(n)));
    },
  };
}

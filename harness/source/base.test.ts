// prepareBase on the shared cache: two unpacks of one base at once give one tree (the second
// waits and uses it), and a failed unpack leaves nothing behind.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { realRunner } from '../process/exec.js';
import { prepareBase } from './base.js';

function fakeKernelTarball(dir: string): string {
  const src = join(dir, 'linux-6.12.0');
  mkdirSync(join(src, 'kernel'), { recursive: true });
  writeFileSync(join(src, 'Makefile'), 'kernelversion:\n\t@echo 6.12.0\n');
  writeFileSync(join(src, 'kernel', 'fork.c'), '/* fork */\n');
  const file = join(dir, 'linux.tar.gz');
  tar.c({ gzip: true, file, cwd: dir, sync: true }, ['linux-6.12.0']);
  return file;
}

describe('prepareBase on a shared cache', () => {
  it('two at once: one unpacks, the other waits for it and uses the same tree', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kph-base-test-'));
    const tarball = fakeKernelTarball(d);
    const cache = join(d, 'cache');
    const logs: string[][] = [[], []];
    const [a, b] = await Promise.all(logs.map((l) => prepareBase({ kind: 'tarball', spec: `tar:${tarball}`, path: tarball }, { runner: realRunner, cache, log: (m) => l.push(m) })));
    expect(a!.dir).toBe(b!.dir);
    expect(a!.version).toBe('6.12.0');
    expect(logs.flat().filter((m) => m.startsWith('unpacking')).length).toBe(1);
    expect(logs.flat().some((m) => m.startsWith('waiting for'))).toBe(true);
    expect(readdirSync(join(cache, 'bases')).filter((e) => !e.endsWith('.lock'))).toEqual([a!.dir.split('/').pop()]);
  });

  it('a tarball that does not unpack leaves no folder and no temporary behind', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kph-base-test-'));
    const tarball = join(d, 'broken.tar.xz');
    writeFileSync(tarball, 'not an xz stream');
    const cache = join(d, 'cache');
    await expect(prepareBase({ kind: 'tarball', spec: `tar:${tarball}`, path: tarball }, { runner: realRunner, cache })).rejects.toThrow(/tar/);
    expect(readdirSync(join(cache, 'bases')).filter((e) => !e.endsWith('.lock'))).toEqual([]);
  });
});

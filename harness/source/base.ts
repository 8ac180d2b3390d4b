// The base tree: Debian's linux-source tarball unpacked once into the cache, a developer's own
// tree mirrored into the cache (never modified in place), or a tarball.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as tar from 'tar';
import { InfraError, UsageError } from '../core/errors.js';
import type { BaseSpec, BaseTree } from '../core/types.js';
import type { Runner } from '../process/exec.js';
import { removeDebris, removeStaleTemps, uniqueTemp, withLock } from '../process/lock.js';

export const DEFAULT_BASE = 'debian:6.12';

/** Parse `--base`: debian[:6.12], tree:PATH, tar:PATH. Pure apart from path resolution. */
export function parseBaseSpec(spec: string = DEFAULT_BASE): BaseSpec {
  if (spec === 'debian' || spec.startsWith('debian:')) {
    const version = spec.split(':')[1] || '6.12';
    if (!/^\d+\.\d+$/.test(version)) throw new UsageError(`--base ${spec}: expected debian:MAJOR.MINOR, e.g. debian:6.12`);
    return { kind: 'debian', spec: `debian:${version}`, tarball: `/usr/src/linux-source-${version}.tar.xz` };
  }
  if (spec.startsWith('tree:')) return { kind: 'tree', spec, path: resolve(spec.slice(5)) };
  if (spec.startsWith('tar:')) return { kind: 'tarball', spec, path: resolve(spec.slice(4)) };
  throw new UsageError(`Unknown --base "${spec}".`, {
    hint: 'Use debian:6.12 (Debian linux-source-6.12, the default), tree:/path/to/linux or tar:/path/to/linux.tar.xz.',
  });
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

async function kernelVersion(runner: Runner, dir: string): Promise<string> {
  const r = await runner.run('make', ['-s', '-C', dir, 'kernelversion'], { allowFailure: true });
  const v = r.stdout.trim().split('\n').pop() ?? '';
  if (r.exitCode !== 0 || !/^\d+\.\d+/.test(v)) {
    throw new InfraError('source', `${dir} does not look like a kernel tree: \`make kernelversion\` failed.`, {
      details: r.stderr.trim().split('\n').slice(-5),
    });
  }
  return v;
}

/** A tree with an in-tree build cannot be used with O=: say so before make does. */
function assertCleanTree(dir: string, spec: string): void {
  for (const f of ['.config', 'include/config/auto.conf', 'include/generated/autoconf.h']) {
    if (existsSync(join(dir, f))) {
      throw new UsageError(`--base ${spec}: the tree has been configured in place (${f} exists).`, {
        hint: 'Out-of-tree builds need a clean source tree: run `make mrproper` in it, or point at a clean copy.',
      });
    }
  }
}

export interface PrepareBaseOptions {
  runner: Runner;
  cache: string;
  log?: (msg: string) => void;
}

export async function prepareBase(spec: BaseSpec, opts: PrepareBaseOptions): Promise<BaseTree> {
  const basesDir = join(opts.cache, 'bases');
  mkdirSync(basesDir, { recursive: true });
  switch (spec.kind) {
    case 'debian':
    case 'tarball': {
      const tarball = spec.kind === 'debian' ? spec.tarball : spec.path;
      if (!existsSync(tarball)) {
        throw spec.kind === 'debian'
          ? new InfraError('source', `${tarball} is missing.`, {
              hint: `Install it: apt-get install linux-source-${spec.spec.split(':')[1]} (or run \`npm run setup\`).`,
            })
          : new UsageError(`--base ${spec.spec}: ${tarball} does not exist.`);
      }
      const st = statSync(tarball);
      const contentId = `${spec.spec}:${st.size}:${st.mtimeMs}`;
      const dir = join(basesDir, `${spec.kind}-${shortHash(contentId)}`);
      if (!existsSync(join(dir, '.kph-complete'))) {
        // Another kph may be unpacking the same base: wait for it, then use its tree.
        await withLock(`${dir}.lock`, { purpose: `unpack ${tarball}`, log: opts.log }, async () => {
          if (existsSync(join(dir, '.kph-complete'))) return;
          removeStaleTemps(dir);
          opts.log?.(`unpacking ${tarball} into ${dir}`);
          const tmp = uniqueTemp(dir);
          try {
            mkdirSync(tmp, { recursive: true });
            if (/\.(xz|zst|bz2)$/.test(tarball)) {
              // node-tar reads gzip and plain tar only: the system tar does xz.
              await opts.runner.run('tar', ['-xf', tarball, '-C', tmp], { groupDiesWithParent: true });
            } else {
              await tar.x({ file: tarball, cwd: tmp });
            }
            const entries = readdirSync(tmp);
            const top = entries.length === 1 && statSync(join(tmp, entries[0]!)).isDirectory() ? join(tmp, entries[0]!) : tmp;
            // The marker goes in before the rename: a tree under the final name is complete.
            writeFileSync(join(top, '.kph-complete'), contentId + '\n');
            rmSync(dir, { recursive: true, force: true });
            renameSync(top, dir);
          } finally {
            removeDebris(tmp);
          }
        });
      }
      assertCleanTree(dir, spec.spec);
      return { spec: spec.spec, version: await kernelVersion(opts.runner, dir), dir, contentId };
    }
    case 'tree': {
      if (!existsSync(join(spec.path, 'Makefile')) || !existsSync(join(spec.path, 'kernel'))) {
        throw new UsageError(`--base ${spec.spec}: ${spec.path} is not a kernel source tree.`);
      }
      assertCleanTree(spec.path, spec.spec);
      const dir = join(basesDir, `tree-${basename(spec.path)}-${shortHash(spec.path)}`);
      const idFile = `${dir}.content-id`;
      // Mirror the tree (rsync copies only what changed and keeps mtimes, so builds stay
      // incremental); the itemised list of changes tells whether the content moved on.
      const contentId = await withLock(`${dir}.lock`, { purpose: `mirror ${spec.path}`, log: opts.log }, async () => {
        mkdirSync(dir, { recursive: true });
        const r = await opts.runner.run('rsync', ['-a', '--delete', '-i', '--exclude=/.git', `${spec.path}/`, `${dir}/`]);
        const previous = existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() : '';
        const changes = r.stdout.trim();
        const id = previous && !changes ? previous : `${spec.spec}:${shortHash(previous + changes + Date.now())}`;
        writeFileSync(idFile, id + '\n');
        return id;
      });
      return { spec: spec.spec, version: await kernelVersion(opts.runner, dir), dir, contentId };
    }
  }
}

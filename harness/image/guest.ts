// The guest image: Debian bookworm minbase from debootstrap plus the recipe's packages, the
// overlay (init scripts, auditd and sshd settings), the guest tools built statically on the
// host, and an ed25519 host key the harness pins. Cached by recipe: rootfs by package list,
// image by rootfs + overlay + tool sources.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InfraError } from '../core/errors.js';
import { imagesDir } from '../core/paths.js';
import type { Runner } from '../process/exec.js';
import { removeDebris, removeStaleTemps, uniqueTemp, withLock } from '../process/lock.js';

export interface GuestImage {
  image: string;
  /** "ssh-ed25519 AAAA..." of the guest, for pinning. */
  hostKey: string;
  cached: boolean;
  durationMs: number;
}

export interface ImageOptions {
  runner: Runner;
  cache: string;
  recipeDir?: string;
  mirror?: string;
  log?: (msg: string) => void;
  logFile?: string;
}

const SUITE = 'bookworm';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

function hashFiles(files: string[], root: string, extra: string[] = []): string {
  const h = createHash('sha256');
  for (const e of extra) h.update(e).update('\0');
  for (const f of files) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** The Debian mirror apt uses on this host (KPH_DEBIAN_MIRROR overrides). */
export function debianMirror(env = process.env): string {
  if (env.KPH_DEBIAN_MIRROR) return env.KPH_DEBIAN_MIRROR;
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const m = /^URIs:\s*(\S+\/debian)\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s+\w+/m.exec(text);
    if (m) return m[1]!;
  }
  return 'http://deb.debian.org/debian';
}

export function recipePackages(recipeDir: string): string[] {
  return readFileSync(join(recipeDir, SUITE, 'packages.txt'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** Build the guest tools (static C) into dir; the scenario runner script is copied as is. */
export async function buildGuestTools(runner: Runner, toolsSrc: string, outDir: string, logFile?: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const built: string[] = [];
  for (const f of readdirSync(toolsSrc).sort()) {
    const src = join(toolsSrc, f);
    if (f.endsWith('.c')) {
      const out = join(outDir, f.slice(0, -2));
      const r = await runner.run('gcc', ['-static', '-O2', '-Wall', '-Werror', '-o', out, src], { allowFailure: true, logFile });
      if (r.exitCode !== 0) throw new InfraError('image', `Guest tool ${f} does not compile.`, { hint: logFile ? `See ${logFile}.` : undefined, details: (r.stderr || '').split('\n').slice(0, 10) });
      built.push(out);
    } else if (statSync(src).mode & 0o111) {
      copyFileSync(src, join(outDir, f));
      chmodSync(join(outDir, f), 0o755);
      built.push(join(outDir, f));
    }
  }
  return built;
}

async function ensureRootfs(opts: ImageOptions, recipeDir: string): Promise<string> {
  const mirror = opts.mirror ?? debianMirror();
  const pkgs = recipePackages(recipeDir);
  const localeGen = join(recipeDir, SUITE, 'locale.gen');
  const key = hashFiles([join(recipeDir, SUITE, 'packages.txt'), ...(existsSync(localeGen) ? [localeGen] : [])], recipeDir, [SUITE, mirror, 'minbase']);
  const dir = join(opts.cache, 'images', `rootfs-${SUITE}-${key}`);
  if (existsSync(join(dir, '.kph-complete'))) return dir;
  mkdirSync(join(opts.cache, 'images'), { recursive: true });
  // Another kph may be bootstrapping the same root file system: wait, then use it.
  return withLock(`${dir}.lock`, { purpose: `debootstrap ${SUITE}`, log: opts.log }, async () => {
    if (existsSync(join(dir, '.kph-complete'))) return dir;
    removeStaleTemps(dir);
    const tmp = uniqueTemp(dir);
    try {
      await debootstrapInto(opts, tmp, mirror, pkgs);
      if (existsSync(localeGen)) await generateLocales(opts, tmp, localeGen);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      return dir;
    } finally {
      removeDebris(tmp);
    }
  });
}

async function debootstrapInto(opts: ImageOptions, tmp: string, mirror: string, pkgs: string[]): Promise<void> {
  opts.log?.(`debootstrap ${SUITE} (${pkgs.join(', ')}) from ${mirror}`);
  const r = await opts.runner.run('debootstrap', ['--variant=minbase', `--include=${pkgs.join(',')}`, SUITE, tmp, mirror], {
    allowFailure: true,
    logFile: opts.logFile,
    timeoutMs: 30 * 60_000,
    // dpkg, chroot and friends are its children: the whole group dies with kph.
    groupDiesWithParent: true,
  });
  if (r.exitCode !== 0) {
    const logTail = existsSync(join(tmp, 'debootstrap/debootstrap.log')) ? readFileSync(join(tmp, 'debootstrap/debootstrap.log'), 'utf8').trim().split('\n').slice(-8) : [];
    throw new InfraError('image', `debootstrap of ${SUITE} from ${mirror} failed (exit ${r.exitCode}).`, {
      hint: `Check that the mirror answers (set KPH_DEBIAN_MIRROR to another one).${opts.logFile ? ` Log: ${opts.logFile}` : ''}`,
      details: logTail,
    });
  }
  // Slim it: the package cache and apt lists are not needed in the guest.
  rmSync(join(tmp, 'var/cache/apt/archives'), { recursive: true, force: true });
  rmSync(join(tmp, 'var/lib/apt/lists'), { recursive: true, force: true });
  writeFileSync(join(tmp, '.kph-complete'), `${SUITE} ${mirror} ${pkgs.join(' ')}\n`);
}

/** The recipe's locale.gen into the root file system, then locale-gen in a chroot (root, like debootstrap). */
async function generateLocales(opts: ImageOptions, root: string, localeGen: string): Promise<void> {
  writeFileSync(join(root, 'etc/locale.gen'), readFileSync(localeGen));
  const r = await opts.runner.run('chroot', [root, '/usr/sbin/locale-gen'], { allowFailure: true, logFile: opts.logFile, timeoutMs: 10 * 60_000, groupDiesWithParent: true });
  if (r.exitCode !== 0) throw new InfraError('image', `locale-gen in the guest root file system failed (exit ${r.exitCode}).`, { details: (r.stderr || r.stdout || '').trim().split('\n').slice(-8) });
  writeFileSync(join(root, '.kph-complete'), readFileSync(join(root, '.kph-complete'), 'utf8') + `locales: ${readFileSync(localeGen, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).join(', ')}\n`);
}

export async function ensureGuestImage(opts: ImageOptions): Promise<GuestImage> {
  const started = Date.now();
  const recipeDir = opts.recipeDir ?? imagesDir;
  const rootfs = await ensureRootfs(opts, recipeDir);
  const overlay = join(recipeDir, SUITE, 'overlay');
  const toolsSrc = join(recipeDir, 'guest-tools');
  const key = hashFiles([...listFiles(overlay), ...listFiles(toolsSrc)], recipeDir, [rootfs, 'image-v1']);
  const image = join(opts.cache, 'images', `${SUITE}-${key}.ext4`);
  const hostKeyFile = `${image}.hostkey.pub`;
  const cachedImage = () => (existsSync(image) && existsSync(hostKeyFile) ? { image, hostKey: readFileSync(hostKeyFile, 'utf8').trim(), cached: true, durationMs: Date.now() - started } : null);
  const ready = cachedImage();
  if (ready) return ready;
  // Another kph may be assembling the same image: wait, then use it.
  return withLock(`${image}.lock`, { purpose: `assemble ${image}`, log: opts.log }, async () => {
    const done = cachedImage();
    if (done) return done;
    removeStaleTemps(image);
    removeStaleTemps(hostKeyFile);
    return assembleImage(opts, rootfs, overlay, toolsSrc, image, hostKeyFile, started);
  });
}

async function assembleImage(opts: ImageOptions, rootfs: string, overlay: string, toolsSrc: string, image: string, hostKeyFile: string, started: number): Promise<GuestImage> {
  opts.log?.(`assembling guest image ${image}`);
  const stage = uniqueTemp(image, 'stage');
  const tmpImage = uniqueTemp(image);
  const tmpKey = uniqueTemp(hostKeyFile);
  try {
    await opts.runner.run('cp', ['-a', rootfs, stage]);
    rmSync(join(stage, '.kph-complete'), { force: true });
    cpSync(overlay, stage, { recursive: true });
    await buildGuestTools(opts.runner, toolsSrc, join(stage, 'usr/local/bin'), opts.logFile);
    renameSync(join(stage, 'usr/local/bin/kph-init'), join(stage, 'sbin/kph-init'));
    // One pinned host key per image; the package's generated keys go.
    for (const f of readdirSync(join(stage, 'etc/ssh'))) if (f.startsWith('ssh_host_')) rmSync(join(stage, 'etc/ssh', f));
    await opts.runner.run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kph-guest', '-f', join(stage, 'etc/ssh/ssh_host_ed25519_key')]);
    const hostKey = readFileSync(join(stage, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8').trim();
    // mkfs.ext4 -d fills the file system from the folder: no loop mount, no root needed for it.
    await opts.runner.run('mkfs.ext4', ['-q', '-F', '-L', 'kphroot', '-d', stage, tmpImage, '1536M'], { logFile: opts.logFile });
    // The key first: an image under its final name always has its key beside it.
    writeFileSync(tmpKey, hostKey + '\n');
    renameSync(tmpKey, hostKeyFile);
    renameSync(tmpImage, image);
    return { image, hostKey, cached: false, durationMs: Date.now() - started };
  } finally {
    removeDebris(stage, tmpImage, tmpKey);
  }
}

// Resolve --series: `baseline`, a bundled NAME@REV (kernel-patches/NAME/REV/), a directory of
// `git format-patch` files, or an mbox file.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { patchesDir } from '../core/paths.js';
import type { PatchFile, Series, SeriesMeta } from '../core/types.js';
import { splitMbox } from '../parse/patch.js';

export const seriesMetaSchema = z
  .object({
    title: z.string().min(1),
    origin: z.string(),
    base: z.string().optional(),
    config: z.array(z.string().regex(/^(CONFIG_\w+=.+|# CONFIG_\w+ is not set)$/, 'a Kconfig line such as CONFIG_AUDIT=y')).default([]),
    records: z.record(z.string().regex(/^\d+$/, 'a record number'), z.string().regex(/^[A-Z][A-Z0-9_]*$/)).default({}),
    requests: z.record(z.string(), z.number().int()).optional(),
    provides: z.array(z.string()).default([]),
    /** Which item of the cover letter each patch file carries ("0004-...patch": "6/13"). */
    patches: z.record(z.string(), z.string()).optional(),
    notes: z.string().optional(),
    /**
     * "wip": a port in progress that has not been built and run end to end yet: `kph run --all`
     * (and so `npm run main` and CI) leave it out; `-s NAME@REV` still runs it.
     */
    status: z.enum(['ready', 'wip']).optional(),
  })
  .strict();

const BASELINE_META: SeriesMeta = { title: 'Unpatched base kernel', origin: '', config: [], records: {}, provides: [] };

function hashOf(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

function readMeta(file: string): SeriesMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = seriesMetaSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      `${file} is not a valid series metadata file:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`).join('\n')}`,
    );
  }
  return parsed.data;
}

function readPatchDir(dir: string): PatchFile[] {
  return readdirSync(dir)
    .filter((f) => /\.(patch|diff)$/.test(f))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));
}

/** Every bundled series revision: kernel-patches/NAME/REV/series.json. */
export function listBundledSeries(root = patchesDir): { name: string; revision: string; meta: SeriesMeta }[] {
  if (!existsSync(root)) return [];
  const out: { name: string; revision: string; meta: SeriesMeta }[] = [];
  for (const name of readdirSync(root).sort()) {
    const nameDir = join(root, name);
    if (!statSync(nameDir).isDirectory()) continue;
    for (const revision of readdirSync(nameDir).sort()) {
      const metaFile = join(nameDir, revision, 'series.json');
      if (existsSync(metaFile)) out.push({ name, revision, meta: readMeta(metaFile) });
    }
  }
  return out;
}

export function resolveSeries(spec: string, root = patchesDir): Series {
  if (spec === 'baseline') {
    return { name: 'baseline', revision: null, id: 'baseline', contentHash: hashOf(['baseline']), patches: [], meta: BASELINE_META, source: null };
  }
  const bundled = /^([\w.-]+)@([\w.-]+)$/.exec(spec);
  if (bundled && !existsSync(spec)) {
    const [, name, revision] = bundled as unknown as [string, string, string];
    const dir = join(root, name, revision);
    if (!existsSync(join(dir, 'series.json'))) {
      let known: string[] = [];
      try {
        known = listBundledSeries(root).map((s) => `${s.name}@${s.revision}`);
      } catch {
        // a broken series.json elsewhere must not hide this error; `kph list` reports it
      }
      throw new UsageError(`Unknown series "${spec}".`, {
        hint: `Bundled series: ${known.length ? known.join(', ') : '(none)'}; or give a directory of patches or an mbox file.`,
      });
    }
    const meta = readMeta(join(dir, 'series.json'));
    const patches = readPatchDir(dir);
    if (patches.length === 0) throw new UsageError(`Series ${spec} (${dir}) has no .patch files.`);
    return {
      name,
      revision,
      id: `${name}@${revision}`,
      contentHash: hashOf([JSON.stringify(meta), ...patches.flatMap((p) => [p.name, p.text])]),
      patches,
      meta,
      source: dir,
    };
  }
  const path = resolve(spec);
  if (!existsSync(path)) {
    throw new UsageError(`Series "${spec}" is neither baseline, a bundled NAME@REV nor an existing path.`, {
      hint: 'Run `npx kph list` for the bundled series.',
    });
  }
  const id = `path-${basename(path).replace(/[^\w.-]/g, '_')}-${hashOf([path]).slice(0, 8)}`;
  if (statSync(path).isDirectory()) {
    const patches = readPatchDir(path);
    if (patches.length === 0) throw new UsageError(`${path} holds no .patch or .diff files.`);
    const metaFile = join(path, 'series.json');
    const meta = existsSync(metaFile) ? readMeta(metaFile) : { ...BASELINE_META, title: basename(path), origin: path };
    return {
      name: basename(path),
      revision: null,
      id,
      contentHash: hashOf([JSON.stringify(meta), ...patches.flatMap((p) => [p.name, p.text])]),
      patches,
      meta,
      source: path,
    };
  }
  const text = readFileSync(path, 'utf8');
  const patches = splitMbox(text, basename(path));
  if (patches.length === 0) throw new UsageError(`${path} contains no patch (no diff found in any message).`);
  const meta = { ...BASELINE_META, title: basename(path), origin: path };
  return {
    name: basename(path).replace(/\.(mbox|mbx|patch|eml)$/, ''),
    revision: null,
    id,
    contentHash: hashOf([text]),
    patches,
    meta,
    source: path,
  };
}

/** "baseline", "ns-serial@v5" or the path name: how reports name a series. */
export function seriesLabel(s: Pick<Series, 'name' | 'revision'>): string {
  return s.revision ? `${s.name}@${s.revision}` : s.name;
}

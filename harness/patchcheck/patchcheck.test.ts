// The patchcheck loop with fake stages (no make, no patch, no perl): which patch is named,
// what each row says, which step is the reference for the next one's warnings.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApplyError, BuildError, InfraError } from '../core/errors.js';
import { patchcheckExitCode, patchcheckSchema } from '../core/patchcheck.js';
import type { BaseTree, Series } from '../core/types.js';
import { resolveSeries } from '../patch/series.js';
import { silentProgress } from '../report/progress.js';
import type { CheckpatchResult } from './checkpatch.js';
import { parseAuditLog } from '../parse/audit.js';
import { scenarioSignature, type FormatSignature } from '../diff/signature.js';
import { configTreeKey, isConfigInput, patchSubject, runPatchcheck, seriesPrefix, type PatchcheckStages } from './patchcheck.js';
import { headline, renderPatchcheckHtml, renderPatchcheckMarkdown, renderPatchcheckTerminal } from './report.js';

const fixtureSeries = () => resolveSeries(join(import.meta.dirname, '..', 'test', 'fixtures', 'series', 'breaks-at-2'));
const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-x', contentId: 'c' };
const UNUSED = "../src/kernel/nsproxy.c:35:12: warning: 'nsproxies_in_use' defined but not used [-Wunused-function]";
const ERROR = "../src/kernel/nsproxy.c:246:55: error: implicit declaration of function 'nsproxy_in_use'; did you mean 'nsproxies_in_use'? [-Werror=implicit-function-declaration]";
const clean: CheckpatchResult = { errors: 0, warnings: 0, checks: 0, lines: 8, items: [] };

/** Fake stages: step k's build log is logs[k]; a step in `broken` fails to compile; apply fails at `noApply`. */
function fakeStages(o: { logs: Record<number, string>; broken?: number[]; noApply?: number; checkpatch?: (file: string) => CheckpatchResult; baseBroken?: boolean }) {
  const calls: string[] = [];
  const stages: PatchcheckStages = {
    async apply(prefix) {
      const k = prefix.patches.length;
      calls.push(`apply ${k}`);
      if (k === o.noApply) throw new ApplyError(prefix.patches[k - 1]!.name, `Patch ${k}/3 does not apply: kernel/nsproxy.c: hunk #1 FAILED at 54.`, { details: ['1 out of 1 hunk FAILED'] });
      return { srcDir: '/w/src', offsets: [] };
    },
    async build(prefix, _src, logDir, last) {
      const k = prefix.patches.length;
      calls.push(`build ${k}${last ? ' last' : ''}`);
      mkdirSync(logDir, { recursive: true });
      writeFileSync(join(logDir, 'build.log'), o.logs[k] ?? '');
      if ((k === 0 && o.baseBroken) || o.broken?.includes(k)) throw new BuildError('The kernel did not build (make exited 2).', { details: ['x'] });
      return { logFile: join(logDir, 'build.log'), dropped: [] };
    },
    async checkpatch(_src, file) {
      calls.push(`checkpatch ${file.split('/').pop()}`);
      return { output: 'total: ...', result: o.checkpatch?.(file) ?? clean };
    },
  };
  return { stages, calls };
}

const request = (series: Series) => {
  const cache = mkdtempSync(join(tmpdir(), 'kph-pc-cache-'));
  const outDir = mkdtempSync(join(tmpdir(), 'kph-pc-out-'));
  return { base, series, cache, outDir, kphVersion: '0.1.0', progress: silentProgress };
};

describe('runPatchcheck', () => {
  it('breaks-at-2: patch 2 named as the first that does not build, patch 3 builds and clears patch 1\'s warning', async () => {
    const { stages, calls } = fakeStages({
      logs: { 0: '  CC      kernel/nsproxy.o\n', 1: `  CC      kernel/nsproxy.o\n${UNUSED}\n`, 2: `  CC      kernel/nsproxy.o\n../src/kernel/nsproxy.c: In function 'unshare_nsproxy_namespaces':\n${ERROR}\nmake[4]: *** [scripts/Makefile.build:229: kernel/nsproxy.o] Error 1\n`, 3: '  CC      kernel/nsproxy.o\n' },
      broken: [2],
    });
    const req = request(fixtureSeries());
    const s = await runPatchcheck(req, stages);
    expect(patchcheckSchema.parse(s)).toBeTruthy();
    expect(calls.filter((c) => c.startsWith('build'))).toEqual(['build 0', 'build 1', 'build 2', 'build 3 last']);
    expect(s.firstBuildFailure).toBe(2);
    expect(s.patches.map((p) => [p.index, p.build.status, p.verdict])).toEqual([[1, 'ok', 'warn'], [2, 'error', 'fail'], [3, 'ok', 'ok']]);
    expect(s.patches[1]!.build.errors[0]).toBe(ERROR);
    expect(s.patches[0]!.warnings.new.map((w) => w.message)).toEqual(["'nsproxies_in_use' defined but not used [-Wunused-function]"]);
    // patch 3 is compared with step 1 (the last that built), where the warning was
    expect(s.patches[2]!.warnings.gone.map((w) => w.message)).toEqual(["'nsproxies_in_use' defined but not used [-Wunused-function]"]);
    expect(s.patches[0]!.files).toEqual(['kernel/nsproxy.c']);
    expect(s.patches[0]!.subject).toBe('nsproxy: count the nsproxies in use');
    expect(s.complete).toBe(true);
    expect(patchcheckExitCode(s)).toBe(1);
    expect(headline(s)).toMatch(/^patch 2\/3 does not build: nsproxy: say how many nsproxies are in use when a task unshares; new compiler warnings in patch 1$/);
    // each step's files are in its own folder
    expect(readFileSync(join(req.outDir, s.patches[1]!.dir, 'build.log'), 'utf8')).toContain('error:');
    expect(s.patches[1]!.dir).toBe('steps/02-0002-nsproxy-say-how-many-nsproxies-are-in-use-when-a-tas');
  });

  it('every patch builds and checkpatch finds only CHECKs: exit 0', async () => {
    const { stages } = fakeStages({ logs: {}, checkpatch: () => ({ errors: 0, warnings: 0, checks: 2, lines: 9, items: [{ level: 'CHECK', type: 'AVOID_EXTERNS', message: 'extern prototypes should be avoided in .h files', where: 'include/linux/audit.h:185' }, { level: 'CHECK', type: 'AVOID_EXTERNS', message: 'm', where: 'kernel/audit.h:2' }] }) });
    const s = await runPatchcheck(request(fixtureSeries()), stages);
    expect(s.firstBuildFailure).toBeNull();
    expect(s.patches.every((p) => p.verdict === 'warn')).toBe(true);
    expect(patchcheckExitCode(s)).toBe(0);
    expect(headline(s)).toBe('all 3 patches build one by one');
  });

  it('checkpatch errors alone fail the patch (exit 1) though it builds', async () => {
    const { stages } = fakeStages({ logs: {}, checkpatch: (f) => (f.includes('0003') ? { errors: 1, warnings: 0, checks: 0, lines: 8, items: [{ level: 'ERROR', type: 'MISSING_SIGN_OFF', message: 'Missing Signed-off-by: line(s)' }] } : clean) });
    const s = await runPatchcheck(request(fixtureSeries()), stages);
    expect(s.patches.map((p) => p.verdict)).toEqual(['ok', 'ok', 'fail']);
    expect(patchcheckExitCode(s)).toBe(1);
    expect(renderPatchcheckMarkdown(s)).toContain('checkpatch ERROR:MISSING_SIGN_OFF: Missing Signed-off-by: line(s)');
  });

  it('a patch that does not apply: the ones after it are not built, but still checkpatched', async () => {
    const { stages, calls } = fakeStages({ logs: {}, noApply: 2 });
    const s = await runPatchcheck(request(fixtureSeries()), stages);
    expect(s.patches.map((p) => [p.apply.status, p.build.status])).toEqual([['ok', 'ok'], ['error', 'not-reached'], ['not-reached', 'not-reached']]);
    expect(calls.filter((c) => c.startsWith('checkpatch'))).toHaveLength(3);
    expect(calls).not.toContain('apply 3');
    expect(patchcheckExitCode(s)).toBe(1);
    expect(headline(s)).toMatch(/patch 2\/3 does not apply/);
  });

  it('a base that does not build is no patch\'s fault: infrastructure error, nothing judged', async () => {
    const { stages } = fakeStages({ logs: {}, baseBroken: true });
    await expect(runPatchcheck(request(fixtureSeries()), stages)).rejects.toBeInstanceOf(InfraError);
  });

  it('the reports: a patch × check matrix with a row per patch', async () => {
    const { stages } = fakeStages({ logs: { 1: `  CC      kernel/nsproxy.o\n${UNUSED}\n`, 2: ERROR + '\n' }, broken: [2] });
    const s = await runPatchcheck(request(fixtureSeries()), stages);
    const html = renderPatchcheckHtml(s);
    expect(html.match(/<tr class="(ok|warn|fail)">/g)).toHaveLength(3);
    expect(html).toMatch(/<th>applies<\/th><th>builds<\/th><th>new warnings<\/th><th>checkpatch errors<\/th>/);
    const term = renderPatchcheckTerminal(s, { outDir: 'out' });
    expect(term.split('\n').find((l) => l.startsWith('patch 2/3'))).toBeTruthy();
    expect(term).toContain(ERROR);
    expect(term).toMatch(/1: new warning kernel\/nsproxy.c:35: 'nsproxies_in_use' defined but not used/);
    expect(term).toContain('Not checked: debug-kernel profiles');
  });
});

describe('helpers', () => {
  it('seriesPrefix: k patches, its own content hash', () => {
    const s = fixtureSeries();
    expect(seriesPrefix(s, 0).patches).toEqual([]);
    expect(seriesPrefix(s, 2).patches.map((p) => p.name)).toEqual(s.patches.slice(0, 2).map((p) => p.name));
    expect(new Set([0, 1, 2, 3].map((k) => seriesPrefix(s, k).contentHash)).size).toBe(4);
    expect(seriesPrefix(s, 3).contentHash).not.toBe(s.contentHash);
  });
  it('configTreeKey: the same for every step until a patch touches a Kconfig file', () => {
    const s = fixtureSeries();
    expect(new Set([0, 1, 2, 3].map((k) => configTreeKey(seriesPrefix(s, k)))).size).toBe(1);
    const kconfig = { name: '0004-audit-ns-kconfig.patch', text: 'diff --git a/init/Kconfig b/init/Kconfig\n--- a/init/Kconfig\n+++ b/init/Kconfig\n@@ -1 +1,2 @@\n x\n+y\n' };
    const more = { ...s, patches: [...s.patches, kconfig] };
    expect(configTreeKey(seriesPrefix(more, 4))).not.toBe(configTreeKey(seriesPrefix(more, 3)));
    expect(['init/Kconfig', 'arch/x86/Kconfig.debug', 'kernel/configs/tiny.config', 'scripts/kconfig/conf.c'].every(isConfigInput)).toBe(true);
    expect(['kernel/nsproxy.c', 'Makefile', 'include/linux/kconfig.h'].some(isConfigInput)).toBe(false);
  });
  it('patchSubject: without [PATCH n/m], folded lines joined', () => {
    expect(patchSubject({ name: 'x.patch', text: 'Subject: [PATCH v2 3/9] audit: log the\n serial\n\nbody' })).toBe('audit: log the serial');
    expect(patchSubject({ name: '0001-foo.patch', text: 'diff --git a/x b/x' })).toBe('0001-foo');
  });
});

describe('runPatchcheck --boot', () => {
  // Real signatures from parsed records: patch 2 adds the NS_INFO record after SYSCALL.
  const sig = (withNsInfo: boolean): FormatSignature => {
    const recs = parseAuditLog(
      [
        "type=SYSCALL msg=audit(1.000:7): arch=c000003e syscall=272 success=yes exit=0 pid=90 auid=0 ses=1 key=\"kph\"",
        ...(withNsInfo ? ['type=UNKNOWN[1340] msg=audit(1.000:7): netns=7 utsns=2 pid=90'] : []),
        'type=PROCTITLE msg=audit(1.000:7): proctitle=756E7368617265',
      ].join('\n'),
      {},
    );
    return { version: 1, series: 's', scenarios: { 'unshare-net-serial': scenarioSignature(recs, []) } };
  };

  it('names the first patch that changes a format and the first after which a scenario that passed stops passing', async () => {
    const { stages } = fakeStages({ logs: {} });
    const booted: number[] = [];
    const verdicts: Record<number, Record<string, string>> = { 0: { 'unshare-net-serial': 'fail', 'unshare-net': 'pass' }, 1: { 'unshare-net-serial': 'fail', 'unshare-net': 'pass' }, 2: { 'unshare-net-serial': 'pass', 'unshare-net': 'pass' }, 3: { 'unshare-net-serial': 'pass', 'unshare-net': 'fail' } };
    stages.bootRun = async (prefix) => {
      const k = prefix.patches.length;
      booted.push(k);
      return { verdicts: verdicts[k]!, signature: sig(k >= 2) };
    };
    const req = { ...request(fixtureSeries()), boot: { scenarios: ['unshare-net-serial', 'unshare-net'] } };
    const s = patchcheckSchema.parse(await runPatchcheck(req, stages));
    expect(booted).toEqual([0, 1, 2, 3]);
    expect(s.boot).toEqual({ scenarios: ['unshare-net-serial', 'unshare-net'], firstFormatChange: 2, firstRegression: 3 });
    expect(s.reference!.boot!.formatChanges).toEqual([]);
    expect(s.patches[0]!.boot!.formatChanges).toEqual([]);
    expect(s.patches[1]!.boot!.formatChanges.join('\n')).toMatch(/^unshare-net-serial: .*UNKNOWN\[1340\]/m);
    expect(s.patches[2]!.boot!.regressions).toEqual(['unshare-net: pass at step 2, fail at step 3']);
    expect(s.patches[2]!.verdict).toBe('fail');
    expect(patchcheckExitCode(s)).toBe(1);
    expect(headline(s)).toMatch(/patch 2\/3 is the first to change a record or event format: .*; patch 3\/3 breaks a scenario that passed before it/);
    expect(renderPatchcheckMarkdown(s)).toContain('  - REGRESSION: unshare-net: pass at step 2, fail at step 3');
    // The sequence change's lines stay inside their item (indented past "  - "), in Markdown and the terminal.
    const md = renderPatchcheckMarkdown(s).split('\n');
    const at = md.findIndex((l) => /^  - format: unshare-net-serial: audit event sequence changed:$/.test(l));
    expect(md.slice(at + 1, at + 4)).toEqual(['        - SYSCALL,PROCTITLE', '      →', '        + SYSCALL,UNKNOWN[1340],PROCTITLE']);
    expect(md[at + 4]).toMatch(/^- step 3 \(/);
    expect(s.notChecked.join(' ')).not.toMatch(/--boot/);
  });

  it('a step that does not build is not booted, and the next is compared with the last that booted', async () => {
    const { stages } = fakeStages({ logs: {}, broken: [2] });
    const booted: number[] = [];
    stages.bootRun = async (prefix) => {
      booted.push(prefix.patches.length);
      return { verdicts: { 'unshare-net-serial': 'pass' }, signature: sig(prefix.patches.length >= 3) };
    };
    const s = await runPatchcheck({ ...request(fixtureSeries()), boot: { scenarios: ['unshare-net-serial'] } }, stages);
    expect(booted).toEqual([0, 1, 3]);
    expect(s.patches[1]!.boot).toMatchObject({ status: 'not-reached' });
    expect(s.boot!.firstFormatChange).toBe(3);
  });

  it('a boot that ran nothing is said on the step, and is no regression', async () => {
    const { stages } = fakeStages({ logs: {} });
    stages.bootRun = async (prefix) => (prefix.patches.length === 1 ? { error: 'boot-error: the kernel never reached its ready line' } : { verdicts: { x: 'pass' }, signature: sig(false) });
    const s = await runPatchcheck({ ...request(fixtureSeries()), boot: { scenarios: ['x'] } }, stages);
    expect(s.patches[0]!.boot).toMatchObject({ status: 'error', error: 'boot-error: the kernel never reached its ready line' });
    expect(s.boot!.firstRegression).toBeNull();
  });

  it('without --boot nothing is booted and the summary says so', async () => {
    const { stages } = fakeStages({ logs: {} });
    stages.bootRun = async () => {
      throw new Error('not asked');
    };
    const s = await runPatchcheck(request(fixtureSeries()), stages);
    expect(s.boot).toBeUndefined();
    expect(s.notChecked.join(' ')).toMatch(/not asked \(--boot\)/);
  });
});

// End to end on real kernels: Debian's 6.12 source built with the harness config, booted
// under QEMU (TCG here: KVM hangs on these machines), a real Debian guest with sshd and
// auditd, real records. Each failure path a user meets is driven for real: a patch that does
// not apply, an option that does not survive, code that does not compile, a kernel that oopses
// in a scenario, a guest that never answers. None may leave a QEMU behind.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../core/paths.js';
import type { Summary } from '../../core/types.js';
import { bin, fixtures, kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const results = resultsFolders('kph-e2e-');
const outDir = () => results.make();
const leftoverQemus = () => results.leftoverQemus(true);

/**
 * A run's rows: those skipped because the series lacks a scenario's capability (the message
 * names it), and all the others, which must each have earned their verdict.
 */
function splitSkips(s: Summary) {
  const capabilitySkip = (x: Summary['runs'][number]) => x.verdict === 'skip' && /^needs [\w-]+(, [\w-]+)*, which \S+ does not provide$/.test(x.failures[0]?.message ?? '');
  return { ran: s.runs.filter((x) => !capabilitySkip(x)), skipped: s.runs.filter(capabilitySkip) };
}

afterEach(async () => {
  expect(await leftoverQemus()).toEqual([]);
});

describe('kph doctor', () => {
  it('chooses the accelerator by a real probe within 20 s and says why', async () => {
    const r = await kph(['doctor', '--json'], 60_000);
    const report = JSON.parse(r.stdout) as { accel: string; accelReason: string; probeMs: number; ok: boolean };
    expect(r.code).toBe(0);
    expect(report.ok).toBe(true);
    expect(['kvm', 'tcg']).toContain(report.accel);
    expect(report.accelReason.length).toBeGreaterThan(10);
    expect(r.ms).toBeLessThan(20_000);
    if (report.accel === 'tcg' && existsSync('/dev/kvm')) expect(report.accelReason).toMatch(/\/dev\/kvm exists but/);
  });
});

describe('kph run --series baseline', () => {
  it('passes both scenarios on the unpatched kernel and writes every result file', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', 'baseline', '--out', out]);
    expect(r.code, r.all.slice(-3000)).toBe(0);
    const s = summaryOf(out);
    expect(s.base.spec).toBe('debian:6.12');
    expect(s.base.version).toMatch(/^6\.12\.\d+/);
    expect(['kvm', 'tcg']).toContain(s.accel);
    // KVM only once the run's own kernel booted under it; TCG on a host with /dev/kvm says why.
    if (s.accel === 'kvm') expect(s.accelReason).toMatch(/and the kernel ran under KVM to "Kernel panic - not syncing/);
    else if (existsSync('/dev/kvm')) expect(s.accelReason).toMatch(/\/dev\/kvm exists but/);
    const byScenario = Object.fromEntries(s.runs.map((x) => [x.scenario, x]));
    expect(byScenario['unshare-net']?.verdict).toBe('pass');
    expect(byScenario['setns-loop']?.verdict).toBe('pass');
    // Scenarios of a capability baseline lacks (auditns-*, nsid-*) are skip rows saying which;
    // every other row ran.
    const { ran } = splitSkips(s);
    expect(ran.every((x) => x.verdict === 'pass'), JSON.stringify(ran.map((x) => [x.scenario, x.verdict]))).toBe(true);
    for (const run of ran) {
      for (const f of ['verdict.json', 'console.log', 'audit.log', 'records.jsonl', 'events.jsonl']) expect(existsSync(join(out, run.dir, f)), `${run.dir}/${f}`).toBe(true);
      expect(run.durationsMs.scenario).toBeGreaterThan(0);
    }
    // The guest's pid 1 (kph-init) started sshd, then auditd, set audit's backlog, and said nothing else.
    const bootConsole = readFileSync(join(out, dirname(byScenario['unshare-net']!.dir), 'console.log'), 'utf8');
    expect(bootConsole.match(/^kph: [^\r\n]*/gm)).toEqual(['kph: sshd started', 'kph: guest ready']);
    // The guest showed real records: the unshare SYSCALL record is in the scenario's audit.log.
    expect(readFileSync(join(out, byScenario['unshare-net']!.dir, 'audit.log'), 'utf8')).toMatch(/type=SYSCALL .*syscall=272 .*success=yes/);
    for (const f of ['junit.xml', 'results.ktap', 'report.md', 'report.html']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testcase classname="baseline" name="setns-loop"');
    expect(readFileSync(join(out, 'results.ktap'), 'utf8')).toMatch(/^KTAP version 1\n1\.\.1\n[\s\S]*\nok 1 baseline\n$/);
    // The HTML report renders in a real browser: Debian's chromium, headless, DOM after parsing.
    const dom = await execa('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'kph-chromium-'))}`, '--dump-dom', `file://${join(out, 'report.html')}`], { timeout: 120_000 });
    expect(dom.stdout).toMatch(/<table class="matrix">.*<th>baseline<\/th>.*<tr class="allok"><th>unshare-net<\/th><td class="v" style="background:#1a7f37"[^>]*>pass<\/td>/s);
    expect(dom.stdout).toContain('accelerator <b>' + s.accel + '</b>');
  });

  it('re-runs with nothing changed without rebuilding, in under 60 s; kph build gives the same kernel', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', 'baseline', '--scenario', 'unshare-net', '--out', out]);
    expect(r.code, r.all.slice(-2000)).toBe(0);
    expect(readFileSync(join(out, 'baseline', 'build.log'), 'utf8')).toMatch(/build stamp matches/);
    expect(r.ms).toBeLessThan(60_000);
    // One kernel per (base, series): selecting one scenario, and kph build, use the full run's bzImage.
    const built = await kph(['build', '--series', 'baseline'], 10 * 60_000);
    expect(built.code, built.all.slice(-2000)).toBe(0);
    expect(built.stdout.trim()).toBe(summaryOf(out).series[0]!.kernel!.bzImage);
    expect(summaryOf(out).series[0]!.kernel!.cached).toBe(true);
  });

  it('kph judge re-judges a stored run identically, and a changed expectation changes the verdict, without a boot', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', 'baseline', '--scenario', 'unshare-net', '--scenario', 'setns-loop', '--out', out]);
    expect(r.code, r.all.slice(-2000)).toBe(0);
    const before = summaryOf(out);
    const same = await kph(['judge', out], 60_000);
    expect(same.code, same.all.slice(-2000)).toBe(0);
    expect(same.stdout).toMatch(/2 result\(s\) judged again, 0 verdict\(s\) changed/);
    expect(summaryOf(out).runs.map((x) => [x.scenario, x.verdict, x.failures])).toEqual(before.runs.map((x) => [x.scenario, x.verdict, x.failures]));
    const changed = await kph(['judge', out, '--scenarios-dir', join(fixtures, 'scenarios-judge')], 60_000);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('baseline · unshare-net: pass → fail');
    expect(changed.ms).toBeLessThan(30_000);
    const run = summaryOf(out).runs.find((x) => x.scenario === 'unshare-net')!;
    expect(run.failures[0]!.message).toMatch(/a coredump event \(changed expectation\): 0 coredump event/);
    expect(JSON.parse(readFileSync(join(out, run.dir, 'checks.json'), 'utf8')).some((c: { name: string; ok: boolean }) => c.name.startsWith('a coredump event') && !c.ok)).toBe(true);
    expect(await leftoverQemus()).toEqual([]);
  });

  it('--repeat 2 runs a scenario twice on one kernel, on one boot, and passes with 2 of 2', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', 'baseline', '--scenario', 'unshare-net', '--repeat', '2', '--out', out], 15 * 60_000);
    expect(r.code, r.all.slice(-3000)).toBe(0);
    const s = summaryOf(out);
    expect(s.runs.map((x) => [x.scenario, x.verdict])).toEqual([['unshare-net', 'pass']]);
    const row = s.runs[0]!;
    expect(row.repeats).toMatchObject({ count: 2, passed: 2, verdicts: ['pass', 'pass'] });
    expect(row.repeats!.scenarioMs.every((ms) => ms > 0)).toBe(true);
    expect(row.durationsMs.scenario).toBe(row.repeats!.scenarioMs[0]! + row.repeats!.scenarioMs[1]!);
    expect(row.notes?.[0]).toMatch(/^2 of 2 repeats passed \(pass, pass\); 2 repeats took [\d.]+ s of scenario time/);
    // Each repeat captured its own records; both passes shared one guest (no second boot).
    for (const k of [1, 2]) expect(readFileSync(join(out, row.dir, `repeat-${k}`, 'audit.log'), 'utf8')).toMatch(/type=SYSCALL .*syscall=272 .*success=yes/);
    expect(existsSync(join(out, 'baseline', 'console-2.log'))).toBe(false);
    expect(r.stdout).toContain('2 of 2 repeats passed');
  });

  it('--repeat 3 of a scenario that fails only when run again on one guest: flaky (exit 1), 2 of 3, a fresh guest after the fail', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', 'baseline', '--scenarios-dir', join(fixtures, 'scenarios'), '--scenario', 'again-fails', '--repeat', '3', '--out', out], 15 * 60_000);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    const row = summaryOf(out).runs[0]!;
    expect(row).toMatchObject({ scenario: 'again-fails', verdict: 'flaky', repeats: { count: 3, passed: 2, verdicts: ['pass', 'fail', 'pass'], firstFailure: 2 } });
    expect(row.failures[0]).toMatchObject({ code: 'E_FLAKY', message: expect.stringMatching(/^2 of 3 repeats passed on the same kernel: repeat 2 was the first to fail \(fail\)/) });
    expect(row.failures[1]).toMatchObject({ code: 'E_CHECK', message: 'repeat 2: first run of this scenario on this guest: it ran before on this boot' });
    // The fail asked for a fresh guest: repeat 3 ran on the second boot.
    expect(existsSync(join(out, 'baseline', 'console-2.log'))).toBe(true);
    expect(existsSync(join(out, 'baseline', 'console-3.log'))).toBe(false);
    expect(r.stdout).toContain('FLAKY baseline · again-fails: 2 of 3 repeats passed (pass, fail, pass)');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| baseline | again-fails | **FLAKY** |');
  });

  it('--json prints pure JSON on stdout even with GitHub annotations on', async () => {
    const out = outDir();
    const started = Date.now();
    const r = await execa('node', [bin, 'run', '--series', 'baseline', '--scenario', 'unshare-net', '--param', 'nope=1', '--out', out, '--json'], { cwd: repoRoot, reject: false, env: { CI: '1', GITHUB_ACTIONS: 'true' } });
    expect(r.exitCode).toBe(2); // a usage error still keeps stdout clean
    expect(r.stdout).toBe('');
    const ok = await execa('node', [bin, 'run', '--series', 'baseline', '--scenario', 'unshare-net', '--param', 'N=5', '--scenario', 'setns-loop', '--out', outDir(), '--json'], { cwd: repoRoot, reject: false, env: { CI: '1', GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(out, 'step-summary.md') } });
    expect(ok.exitCode, ok.stderr.slice(-2000)).toBe(0);
    const parsed = JSON.parse(ok.stdout) as Summary;
    expect(parsed.schemaVersion).toBe(2);
    expect(parsed.runs.map((x) => x.scenario).sort()).toEqual(['setns-loop', 'unshare-net']);
    expect(Date.now() - started).toBeLessThan(120_000);
  });

  it('boots the guest for a one-off command (kph boot --command)', async () => {
    const r = await kph(['boot', '--series', 'baseline', '--command', 'uname -r; auditctl -s | grep ^enabled'], 10 * 60_000);
    expect(r.code, r.all.slice(-2000)).toBe(0);
    expect(r.stdout).toMatch(/^6\.12\.\d+/m);
    expect(r.stdout).toMatch(/^enabled 1$/m);
  });
});

describe('failure paths give their verdict and exit code', () => {
  it('a patch that does not apply: apply-error naming the patch, file and hunk; nothing built', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', join(fixtures, 'series', 'does-not-apply'), '--out', out]);
    expect(r.code).toBe(1);
    const s = summaryOf(out);
    expect(splitSkips(s).ran.length).toBeGreaterThan(0);
    expect(new Set(splitSkips(s).ran.map((x) => x.verdict))).toEqual(new Set(['apply-error']));
    expect(splitSkips(s).ran[0]!.failures[0]!.message).toMatch(/0001-nsproxy-stale-context\.patch.*kernel\/nsproxy\.c: hunk #1 FAILED at 224/);
    expect(existsSync(join(out, 'does-not-apply', 'build.log'))).toBe(false);
  });

  it('an option olddefconfig drops: config-error naming it and who asked for it', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', join(fixtures, 'series', 'config-kasan'), '--out', out]);
    expect(r.code).toBe(1);
    const s = summaryOf(out);
    expect(new Set(splitSkips(s).ran.map((x) => x.verdict))).toEqual(new Set(['config-error']));
    expect(splitSkips(s).ran[0]!.failures[0]!.message).toMatch(/CONFIG_KASAN \(from series config-kasan\)=y \(got/);
  });

  it('code that does not compile: build-error with the compiler error and the log path', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', join(fixtures, 'series', 'does-not-compile'), '--out', out]);
    expect(r.code).toBe(1);
    const s = summaryOf(out);
    const { ran } = splitSkips(s);
    expect(new Set(ran.map((x) => x.verdict))).toEqual(new Set(['build-error']));
    expect(ran[0]!.failures[0]!.excerpt?.join('\n')).toMatch(/kernel\/nsproxy\.c:\d+:\d+: error: .nsproxy_created. undeclared/);
    expect(ran[0]!.failures[0]!.message).toMatch(/build\.log/);
  });

  it('a kernel that oopses during a scenario: crash with the report, not a timeout', async () => {
    const out = outDir();
    const r = await kph(['run', '--series', join(fixtures, 'series', 'oops-on-unshare'), '--scenarios-dir', join(fixtures, 'scenarios'), '--out', out]);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    const run = summaryOf(out).runs.find((x) => x.scenario === 'oops-trigger')!;
    expect(run.verdict).toBe('crash');
    const text = run.failures.flatMap((f) => [f.message, ...(f.excerpt ?? [])]).join('\n');
    expect(text).toMatch(/kernel BUG at \S*kernel\/fork\.c:\d+!/);
    expect(text).toMatch(/ksys_unshare/);
    expect(run.durationsMs.scenario).toBeLessThan(60_000);
  });

  it('a guest that never answers: infra-error with the console tail, exit 3', async () => {
    const out = outDir();
    // pid 1 is `sleep infinity`: the kernel boots, nothing starts sshd.
    const r = await kph(['run', '--series', 'baseline', '--scenario', 'unshare-net', '--append', 'init=/usr/bin/sleep -- infinity', '--boot-timeout', '25', '--out', out]);
    expect(r.code, r.all.slice(-3000)).toBe(3);
    const run = summaryOf(out).runs[0]!;
    expect(run.verdict).toBe('infra-error');
    expect(run.failures[0]!.message).toMatch(/never answered on SSH/);
  });

  it('a guest that says it is ready and never answers: booted again once, visibly, then infra-error with what its tasks do (exit 3)', async () => {
    const out = outDir();
    // No virtio-net driver: the kernel boots, sshd and auditd start, the guest says sshd started
    // and that it is ready, and no packet reaches it.
    const r = await kph(['run', '--series', 'baseline', '--scenario', 'unshare-net', '--append', 'initcall_blacklist=virtio_net_driver_init', '--boot-timeout', '25', '--out', out]);
    expect(r.code, r.all.slice(-3000)).toBe(3);
    const s = summaryOf(out);
    const run = s.runs[0]!;
    expect(run.verdict).toBe('infra-error');
    expect(run.failures[0]!.message).toMatch(/never answered on SSH \(\d+ attempts in \d+ s, after its sshd started\)/);
    // The kernel answered SysRq t through the monitor: sshd waits for a connection, nothing is stuck.
    expect(run.failures[0]!.excerpt).toContainEqual(expect.stringMatching(/^kph: SysRq t through the QEMU monitor: \d+ tasks; 0 in D state/));
    expect(run.failures[0]!.excerpt).toContainEqual(expect.stringMatching(/^kph: sshd \(pid \d+\) state S/));
    // The first boot is kept and said: its console, its failure, in summary.json and the reports.
    const boots = s.series[0]!.boots!;
    expect(boots).toHaveLength(1);
    expect(boots[0]!.failed).toMatchObject({ code: 'E_GUEST_UNREACHABLE', console: 'console.log' });
    for (const f of ['console.log', 'console-2.log']) {
      const con = readFileSync(join(out, 'baseline', f), 'utf8');
      expect(con).toMatch(/^kph: sshd started\r?\n[\s\S]*^kph: guest ready/m);
      // kph-init says why the guest has no network: there is no eth0 without the driver.
      expect(con).toMatch(/^kph-init: network: eth0: No such device/m);
    }
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/## Boots booted again\n[\s\S]*baseline: boot 1 said it was ready and never answered on SSH \(baseline\/console.log\); booted again, which did not answer either/);
    expect(r.all).toMatch(/booting the same kernel again, once/);
  });

  it('an unknown series is a usage error (exit 2) before anything runs', async () => {
    const r = await kph(['run', '--series', 'no-such-series@v9'], 60_000);
    expect(r.code).toBe(2);
    expect(r.all).toMatch(/Unknown series "no-such-series@v9"/);
  });
});

// A namespace that never dies, for real (issue 18's second kind of leak): ns-serial@v5 with the
// pins-netns add-on (harness/test/fixtures/addons/pins-netns: copy_net_ns() takes a reference
// nothing puts for a task named kph-pin-net). pin-net-trigger makes such a namespace and exits;
// its AUDIT_NS_DEL_NET never comes and no task is left in it: `leak` (exit 1), naming the type
// and the serial, after the guest waited its bound for the DEL record. after-hang (unshare -u)
// on the same boot makes a UTS namespace that is freed: a pass. `kph judge` of the stored run
// gives the same verdicts from the files the guest left (ns-deaths.txt).
//
// In e2e-bundled: the kernel builds from ns-serial@v5's objects (one file differs), which only
// this project builds.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../core/paths.js';
import type { RunResult } from '../../core/types.js';
import { fixtures, kph, resultsFolders, summaryOf } from '../e2e-helpers.js';

const results = resultsFolders('kph-e2e-nsdeaths-');
const ADDON = '0099-net-kph-test-fixture-pin-the-network-namespace-of-kph-pin-net.patch';
const failureText = (run: RunResult) => run.failures.flatMap((f) => [f.message, ...(f.excerpt ?? [])]).join('\n');

afterEach(async () => {
  expect(await results.leftoverQemus(true)).toEqual([]);
});

describe('a network namespace never freed (ns-serial@v5 + pins-netns)', () => {
  it('is leak (exit 1) naming the type and serial, after the bounded wait; a namespace freed on the same boot passes', async () => {
    const series = join(mkdtempSync(join(tmpdir(), 'kph-e2e-pins-')), 'ns-serial-pins-netns');
    cpSync(join(repoRoot, 'kernel-patches', 'ns-serial', 'v5'), series, { recursive: true });
    cpSync(join(fixtures, 'addons', 'pins-netns', ADDON), join(series, ADDON));
    const meta = JSON.parse(readFileSync(join(series, 'series.json'), 'utf8')) as { provides: string[] };
    meta.provides.push('kph-test-pin-net');
    writeFileSync(join(series, 'series.json'), JSON.stringify(meta, null, 2));

    const out = results.make();
    const r = await kph(['run', '-s', series, '--scenarios-dir', join(fixtures, 'scenarios'), '--scenario', 'pin-net-trigger', '--scenario', 'after-hang', '--out', out]);
    expect(r.code, r.all.slice(-3000)).toBe(1);
    const s = summaryOf(out);
    const row = (name: string) => s.runs.find((x) => x.scenario === name)!;

    const pin = row('pin-net-trigger');
    expect(pin.verdict, failureText(pin)).toBe('leak');
    expect(pin.failures[0]!.code).toBe('E_NS_LEAK');
    const m = /^namespace leak: net namespace ([0-9a-f]+) \(made by pid \d+: AUDIT_NS_INIT_NET\) was not freed within 10 s after the scenario ended, and no task is in it: no AUDIT_NS_DEL_NET \(1354\) for netns=([0-9a-f]+)$/.exec(pin.failures[0]!.message);
    expect(m, pin.failures[0]!.message).not.toBeNull();
    expect(m![2]).toBe(m![1]);
    expect(pin.failures[0]!.excerpt![0]).toMatch(new RegExp(`^type=UNKNOWN\\[1346\\] .* netns=${m![1]} res=1$`));
    expect(pin.signature).toBe('namespace leak: net');
    // The guest's step: it waited its whole bound and found no DEL record for that serial.
    const step = readFileSync(join(out, pin.dir, 'guest', 'ns-deaths.txt'), 'utf8');
    expect(step).toMatch(/^bound-ms 10000$/m);
    expect(Number(/^waited-ms (\d+)$/m.exec(step)![1])).toBeGreaterThanOrEqual(10_000);
    expect(step).not.toMatch(new RegExp(`netns=${m![1]} res=1`));

    // A UTS namespace made and freed on the same boot: no leak.
    const after = row('after-hang');
    expect(after.verdict, failureText(after)).toBe('pass');

    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('**LEAK**');
    expect(md).toContain('namespace leak: net');

    // The stored run, judged again from its files: the same verdicts, no boot.
    const j = await kph(['judge', out, '--scenarios-dir', join(fixtures, 'scenarios')], 120_000);
    expect(j.code, j.all.slice(-2000)).toBe(1);
    expect(j.stdout).toMatch(/0 verdict\(s\) changed/);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    const again = summaryOf(out).runs.find((x) => x.scenario === 'pin-net-trigger')!;
    expect([again.verdict, again.signature]).toEqual(['leak', 'namespace leak: net']);
  });
});

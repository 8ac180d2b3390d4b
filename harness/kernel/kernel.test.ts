import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BaseTree, Series } from '../core/types.js';
import { kvmProbeKernel, type Kernel } from './kernel.js';

const base: BaseTree = { spec: 'debian:6.12', version: '6.12.117', dir: '/cache/bases/debian-x', contentId: 'x' };
const series: Series = { name: 'ns-serial', revision: 'v5', id: 'ns-serial@v5', contentHash: 'h', patches: [], meta: { title: 't', origin: '', config: [], records: {}, provides: [] }, source: null };
const kernel = { base, series, bzImage: '/k/ns-serial/bzImage' } as Kernel;

describe('kvmProbeKernel', () => {
  it("boots the run's baseline kernel, else the cached one, else the series' own and says what that risks", () => {
    const empty = mkdtempSync(join(tmpdir(), 'kph-probe-kernel-'));
    expect(kvmProbeKernel(empty, kernel, '/run/baseline/bzImage')).toEqual({ kernel: '/run/baseline/bzImage', kernelLabel: "baseline's kernel", name: "baseline's kernel" });
    expect(kvmProbeKernel(empty, kernel)).toEqual({ kernel: '/k/ns-serial/bzImage', kernelLabel: "ns-serial@v5's kernel: no baseline kernel is built yet, and a hang of its own would look the same", name: "ns-serial@v5's kernel" });
    const build = join(empty, 'work/debian-x/baseline/build');
    mkdirSync(join(build, 'arch/x86/boot'), { recursive: true });
    writeFileSync(join(build, 'arch/x86/boot/bzImage'), 'k');
    writeFileSync(join(build, '.kph-build-stamp'), 'key');
    expect(kvmProbeKernel(empty, kernel)).toEqual({ kernel: join(build, 'arch/x86/boot/bzImage'), kernelLabel: "baseline's kernel", name: "baseline's kernel" });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDroppedOptions, mergeFragments, parseKconfig, renderFragment } from './kconfig.js';

const baseFragment = readFileSync(join(import.meta.dirname, 'base.config'), 'utf8');

describe('parseKconfig', () => {
  it('reads set, numeric, string and unset options', () => {
    const m = parseKconfig('CONFIG_AUDIT=y\nCONFIG_NR_CPUS=8\nCONFIG_CMDLINE="a b"\n# CONFIG_MODULES is not set\n# a comment\n');
    expect([...m]).toEqual([
      ['CONFIG_AUDIT', 'y'],
      ['CONFIG_NR_CPUS', '8'],
      ['CONFIG_CMDLINE', '"a b"'],
      ['CONFIG_MODULES', 'n'],
    ]);
  });
});

describe('mergeFragments', () => {
  it('lets later fragments win and reports the conflict with both origins', () => {
    const r = mergeFragments([
      { origin: 'harness base', text: baseFragment },
      { origin: 'series x', text: 'CONFIG_NR_CPUS=2\nCONFIG_PROVE_LOCKING=y' },
    ]);
    expect(r.options.find((o) => o.option === 'CONFIG_NR_CPUS')).toEqual({ option: 'CONFIG_NR_CPUS', value: '2', origin: 'series x' });
    expect(r.conflicts).toEqual([{ option: 'CONFIG_NR_CPUS', values: [{ value: '8', origin: 'harness base' }, { value: '2', origin: 'series x' }] }]);
    expect(renderFragment(r.options)).toContain('CONFIG_PROVE_LOCKING=y\n');
  });
  it('rejects a line that is not an option', () => {
    expect(() => mergeFragments([{ origin: 'series y', text: 'CONFIG_AUDIT=y\nAUDIT=y' }])).toThrow(/series y: line 2 is not a Kconfig option/);
  });
});

describe('findDroppedOptions', () => {
  it('names options olddefconfig dropped or changed, with their origin', () => {
    const requested = mergeFragments([{ origin: 'series kasan', text: 'CONFIG_KASAN=y\nCONFIG_AUDIT=y\n# CONFIG_MODULES is not set\nCONFIG_NR_CPUS=8' }]).options;
    const final = parseKconfig('CONFIG_AUDIT=y\nCONFIG_NR_CPUS=64\n# CONFIG_KASAN is not set\n');
    expect(findDroppedOptions(requested, final)).toEqual([
      { option: 'CONFIG_KASAN', wanted: 'y', got: 'n', origin: 'series kasan' },
      { option: 'CONFIG_NR_CPUS', wanted: '8', got: '64', origin: 'series kasan' },
    ]);
  });
});

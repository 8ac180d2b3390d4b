// On real checkpatch.pl output: Linux 6.12.117's scripts/checkpatch.pl --strict --show-types
// --color=never, run on the bundled series (and on one patch of the breaks-at-2 fixture with
// its Signed-off-by removed and its style broken, for the ERROR lines).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCheckpatchItem, parseCheckpatch } from './checkpatch.js';

const fx = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');

describe('parseCheckpatch', () => {
  it('counts and lists the CHECKs and the commit-log WARNING of ns-serial@v5 patch 3', () => {
    const r = parseCheckpatch(fx('checkpatch-ns-serial-v5-0003.txt'))!;
    expect(r).toMatchObject({ errors: 0, warnings: 1, checks: 3, lines: 154 });
    expect(r.items).toHaveLength(4);
    expect(r.items[0]).toEqual({ level: 'WARNING', type: 'COMMIT_LOG_LONG_LINE', message: 'Prefer a maximum 75 chars per line (possible unwrapped commit description?)', where: '#17' });
    expect(r.items.slice(1).map((i) => i.where)).toEqual(['include/linux/audit.h:185', 'kernel/audit.h:266', 'kernel/audit.h:273']);
    expect(r.items.slice(1).every((i) => i.level === 'CHECK' && i.type === 'AVOID_EXTERNS')).toBe(true);
  });

  it('the findings listed agree with the totals line on every captured output', () => {
    for (const f of ['checkpatch-ns-serial-v5-0002.txt', 'checkpatch-ns-serial-v5-0003.txt', 'checkpatch-audit-ns-rfc-v2-0005.txt', 'checkpatch-errors.txt', 'checkpatch-ns-serial-v5-0006.txt']) {
      const r = parseCheckpatch(fx(f))!;
      const by = (l: string) => r.items.filter((i) => i.level === l).length;
      expect([by('ERROR'), by('WARNING'), by('CHECK')], f).toEqual([r.errors, r.warnings, r.checks]);
    }
  });

  it('reads ERRORs, one without a location (a missing Signed-off-by)', () => {
    const r = parseCheckpatch(fx('checkpatch-errors.txt'))!;
    expect(r).toMatchObject({ errors: 4, warnings: 0, checks: 1, lines: 8 });
    expect(r.items.map((i) => `${i.level}:${i.type}`)).toEqual(['ERROR:SPACING', 'ERROR:TRAILING_STATEMENTS', 'ERROR:TRAILING_WHITESPACE', 'CHECK:PARENTHESIS_ALIGNMENT', 'ERROR:MISSING_SIGN_OFF']);
    expect(r.items[4]).toEqual({ level: 'ERROR', type: 'MISSING_SIGN_OFF', message: 'Missing Signed-off-by: line(s)' });
    expect(formatCheckpatchItem(r.items[0]!)).toBe("ERROR:SPACING kernel/nsproxy.c:245: space required before the open parenthesis '('");
  });

  it('a clean patch: zero everywhere, no findings', () => {
    expect(parseCheckpatch(fx('checkpatch-ns-serial-v5-0006.txt'))).toEqual({ errors: 0, warnings: 0, checks: 0, lines: 21, items: [] });
  });

  it('the same finding twice on two lines is two findings (audit-ns@rfc-v2 patch 5)', () => {
    const r = parseCheckpatch(fx('checkpatch-audit-ns-rfc-v2-0005.txt'))!;
    expect(r.items.filter((i) => i.type === 'SYMBOLIC_PERMS').map((i) => i.where)).toEqual(['fs/proc/base.c:3420', 'fs/proc/base.c:3772']);
  });

  it('output without a totals line (perl missing, the script died) is null, not "clean"', () => {
    expect(parseCheckpatch('Can\'t locate Term/ANSIColor.pm in @INC\n')).toBeNull();
    expect(parseCheckpatch('')).toBeNull();
  });
});

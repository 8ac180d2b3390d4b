import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headerPaths, parsePatchOutput, splitMbox, touchedFiles, unsafePatchPaths } from './patch.js';
import { UsageError } from '../core/errors.js';
import { resolveSeries } from '../patch/series.js';

const fx = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', ...p), 'utf8');

describe('parsePatchOutput (GNU patch 2.7.6 output)', () => {
  it('names the file and the failing hunk', () => {
    const o = parsePatchOutput(fx('patch', 'hunk-failed-nsproxy.txt'), 1);
    expect(o.ok).toBe(false);
    expect(o.file).toBe('kernel/nsproxy.c');
    expect(o.failedHunks).toEqual([{ hunk: 1, line: 224 }]);
  });
  it('reports a file the base does not have', () => {
    const o = parsePatchOutput(fx('patch', 'missing-file.txt'), 1);
    expect(o.ok).toBe(false);
    expect(o.missingFiles).toEqual(['kernel/nsproxy.c']);
  });
  it('treats an already applied patch as a failure', () => {
    const o = parsePatchOutput(fx('patch', 'reversed.txt'), 1);
    expect(o).toMatchObject({ ok: false, reversed: true, file: 'kernel/nsproxy.c' });
  });
  it('passes a hunk applied at an offset but records the offset', () => {
    const o = parsePatchOutput(fx('patch', 'applied-with-offset.txt'), 0);
    expect(o.ok).toBe(true);
    expect(o.offsets).toEqual(['kernel/nsproxy.c: Hunk #1 succeeded at 153 (offset 14 lines).']);
  });
});

describe('touchedFiles', () => {
  it('lists the files of a format-patch file', () => {
    expect(touchedFiles(fx('series', 'does-not-apply', '0001-nsproxy-stale-context.patch'))).toEqual(['kernel/nsproxy.c']);
  });
  it('lists new and deleted files and both names of a rename', () => {
    const text = [
      'diff --git a/include/linux/new.h b/include/linux/new.h',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/include/linux/new.h',
      'diff --git a/old.c b/old.c',
      'deleted file mode 100644',
      '--- a/old.c',
      '+++ /dev/null',
      'diff --git a/a.c b/b.c',
      'similarity index 100%',
      'rename from a.c',
      'rename to b.c',
    ].join('\n');
    expect(touchedFiles(text)).toEqual(['a.c', 'b.c', 'include/linux/new.h', 'old.c']);
  });
});

describe('splitMbox', () => {
  const patch = fx('series', 'does-not-apply', '0001-nsproxy-stale-context.patch');
  it('splits git format-patch --stdout output and skips the cover letter', () => {
    const cover = 'From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\nFrom: a <a@b>\nSubject: [PATCH 0/2] cover\n\nno diff here\n';
    const second = patch.replace('Subject: [PATCH]', 'Subject: [PATCH 2/2]');
    const parts = splitMbox(cover + patch + second, 'series.mbox');
    expect(parts.map((p) => p.name)).toEqual([
      'series.mbox#1 ([PATCH] nsproxy: a hunk written against a 2016 kernel)',
      'series.mbox#2 ([PATCH 2/2] nsproxy: a hunk written against a 2016 kernel)',
    ]);
    expect(parts[0]!.text).toContain('+\t/* connector events would go here */');
  });
  it('reads b4 am output (From git@z ... 1970) and unquotes >From lines', () => {
    const b4 = patch.replace(/^From 0+ Mon Sep 17 00:00:00 2001/, 'From git@z Thu Jan  1 00:00:00 1970').replace('Test fixture:', '>From the past: test fixture:');
    const [p] = splitMbox(b4, 'x.mbx');
    expect(p!.text).toContain('\nFrom the past: test fixture:');
  });
  it('returns nothing for a file without a diff', () => {
    expect(splitMbox('hello\n', 'x')).toEqual([]);
  });
});

describe('headerPaths and unsafePatchPaths', () => {
  const evil = (path: string) =>
    ['From: x <x@y>', 'Subject: [PATCH] evil', '', '---', `diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, '@@ -1 +1 @@', '-old', '+new', '-- ', '2.39.5', ''].join('\n');
  it('reads only file headers: a removed line "-- x" inside a hunk is not a header', () => {
    const text = ['diff --git a/k.c b/k.c', '--- a/k.c', '+++ b/k.c', '@@ -1,3 +1,2 @@', ' keep', '--- ../../etc/passwd', '+++ /etc/shadow', '\\ No newline at end of file', ''].join('\n');
    // "@@ -1,3 +1,2": " keep" (both), "--- ..." (old), "+++ /etc/shadow" (new): all hunk body.
    expect(headerPaths(text)).toEqual(['a/k.c', 'b/k.c', 'a/k.c', 'b/k.c']);
    expect(unsafePatchPaths(text)).toEqual([]);
    expect(touchedFiles(text)).toEqual(['k.c']);
  });
  it('finds absolute paths and ".." components in any header', () => {
    expect(unsafePatchPaths(evil('../../etc/passwd'))).toEqual(['a/../../etc/passwd', 'b/../../etc/passwd']);
    expect(unsafePatchPaths(evil('kernel/../../x.c'))).toEqual(['a/kernel/../../x.c', 'b/kernel/../../x.c']);
    expect(unsafePatchPaths(['--- /etc/passwd', '+++ /etc/passwd', '@@ -1 +1 @@', '-a', '+b', ''].join('\n'))).toEqual(['/etc/passwd']);
    expect(unsafePatchPaths(['diff --git a/x b/y', 'rename from x', 'rename to ../y', ''].join('\n'))).toEqual(['../y']);
    expect(unsafePatchPaths(evil('kernel/fork.c'))).toEqual([]);
    expect(unsafePatchPaths(evil('kernel/..fork.c'))).toEqual([]);
  });
  it('resolveSeries refuses such a series before anything is applied, naming the patch and the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kph-evil-'));
    writeFileSync(join(dir, '0001-good.patch'), evil('kernel/fork.c'));
    writeFileSync(join(dir, '0002-evil.patch'), evil('../outside.c'));
    let err: unknown;
    try {
      resolveSeries(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message.split("\n")[0]).toBe(`Patch 0002-evil.patch of ${dir} touches "a/../outside.c", "b/../outside.c": outside the kernel tree (absolute paths and ".." are refused).`);
  });
});

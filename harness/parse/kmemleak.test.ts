// The kmemleak report parser on text in the exact format of Linux 6.12's print_unreferenced()
// (mm/kmemleak.c of the 6.12.117 base tree: "unreferenced object 0x%08lx (size %zu):",
// "  comm \"%s\", pid %d, jiffies %lu", hex_dump_object()'s "  hex dump (first %zu bytes):" with
// seq_hex_dump rows under the "    " prefix, "  backtrace (crc %x):", then "    %pS" per frame).
// Addresses, pids, jiffies, crcs, offsets and the leaking functions are made up; the layout is
// the kernel's, character for character. Not captured from a guest: no kmemleak kernel has
// been booted yet (harness/test/e2e-debug/kmemleak.e2e.test.ts does that).
import { describe, expect, it } from 'vitest';
import { groupLeaks, leakExcerpt, leakSignature, parseKmemleak } from './kmemleak.js';

/** Two objects leaked by one function, one by another, as /sys/kernel/debug/kmemleak lists them (6.12). */
const REPORT_6_12 = [
  'unreferenced object 0xff1100000a8e4c40 (size 64):',
  '  comm "unshare", pid 231, jiffies 4294894608',
  '  hex dump (first 32 bytes):',
  '    6b 70 68 2d 6c 65 61 6b 00 00 00 00 00 00 00 00  kph-leak........',
  '    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................',
  '  backtrace (crc 9e21a0c1):',
  '    kmemleak_alloc+0x4e/0x90',
  '    __kmalloc_cache_noprof+0x2ad/0x370',
  '    kph_leak_netns+0x1b/0x40',
  '    create_new_namespaces+0x1d8/0x2d0',
  '    unshare_nsproxy_namespaces+0x60/0xa0',
  '    ksys_unshare+0x1a5/0x3e0',
  '    __x64_sys_unshare+0x12/0x20',
  '    do_syscall_64+0x82/0x170',
  '    entry_SYSCALL_64_after_hwframe+0x76/0x7e',
  'unreferenced object 0xff1100000a8e5a80 (size 64):',
  '  comm "unshare", pid 240, jiffies 4294895712',
  '  hex dump (first 32 bytes):',
  '    6b 70 68 2d 6c 65 61 6b 00 00 00 00 00 00 00 00  kph-leak........',
  '    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................',
  '  backtrace (crc 9e21a0c1):',
  '    kmemleak_alloc+0x4e/0x90',
  '    __kmalloc_cache_noprof+0x2ad/0x370',
  '    kph_leak_netns+0x1b/0x40',
  '    create_new_namespaces+0x1d8/0x2d0',
  '    unshare_nsproxy_namespaces+0x60/0xa0',
  '    ksys_unshare+0x1a5/0x3e0',
  '    __x64_sys_unshare+0x12/0x20',
  '    do_syscall_64+0x82/0x170',
  '    entry_SYSCALL_64_after_hwframe+0x76/0x7e',
  'unreferenced object 0xff11000004d3f000 (size 8):',
  '  comm "kworker/u8:1", pid 45, jiffies 4294893001',
  '  hex dump (first 8 bytes):',
  '    00 00 00 00 00 00 00 00                          ........',
  '  backtrace (crc 0):',
  '    kmemleak_alloc+0x4e/0x90',
  '    __kmalloc_noprof+0x2f1/0x3c0',
  '    kmalloc_trace_noprof+0x1/0x2',
  '    slab_post_alloc_hook+0x1/0x2',
  '    kmem_cache_alloc_noprof+0x1/0x2',
  '    ops_init+0x6e/0x190 [some_module]',
  '    setup_net+0xc3/0x2f0',
  '',
].join('\n');

describe('parseKmemleak on the 6.12 format (print_unreferenced)', () => {
  it('reads every block: address, size, comm, pid, jiffies, hex dump, crc and frames', () => {
    const objs = parseKmemleak(REPORT_6_12);
    expect(objs).toHaveLength(3);
    expect(objs[0]).toMatchObject({ address: '0xff1100000a8e4c40', size: 64, comm: 'unshare', pid: 231, jiffies: 4294894608, crc: '9e21a0c1' });
    expect(objs[0]!.hexDump).toEqual(['6b 70 68 2d 6c 65 61 6b 00 00 00 00 00 00 00 00  kph-leak........', '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................']);
    expect(objs[0]!.frames.slice(0, 3)).toEqual(['kmemleak_alloc+0x4e/0x90', '__kmalloc_cache_noprof+0x2ad/0x370', 'kph_leak_netns+0x1b/0x40']);
    expect(objs[0]!.frames).toHaveLength(9);
    expect(objs[0]!.lines).toHaveLength(15);
    expect(objs[2]).toMatchObject({ size: 8, comm: 'kworker/u8:1', pid: 45, crc: '0' });
    expect(objs[2]!.frames[5]).toBe('ops_init+0x6e/0x190 [some_module]');
  });

  it('an empty report (nothing leaked, or nothing old enough yet) has no objects', () => {
    expect(parseKmemleak('')).toEqual([]);
    expect(parseKmemleak('\n')).toEqual([]);
  });

  it('reads the older layout too: (age ...), backtrace: without crc, [<address>] before each frame', () => {
    const old = [
      'unreferenced object 0xffff89862ca702e8 (size 32):',
      '  comm "modprobe", pid 2088, jiffies 4294680594 (age 375.486s)',
      '  hex dump (first 32 bytes):',
      '    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk',
      '    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b a5  kkkkkkkkkkkkkkk.',
      '  backtrace:',
      '    [<00000000e0a73ec7>] 0xffffffffc01d2036',
      '    [<000000000c5d2a46>] do_one_initcall+0x41/0x1df',
      '    [<0000000046db7e0a>] do_init_module+0x55/0x200',
    ].join('\n');
    const [o] = parseKmemleak(old);
    expect(o).toMatchObject({ size: 32, comm: 'modprobe', pid: 2088, jiffies: 4294680594, frames: ['0xffffffffc01d2036', 'do_one_initcall+0x41/0x1df', 'do_init_module+0x55/0x200'] });
    expect(o!.crc).toBeUndefined();
  });

  it('a per-CPU object says its cpu in the hex dump header', () => {
    const [o] = parseKmemleak(['unreferenced object 0x0000607fe0a01234 (size 16):', '  comm "swapper/0", pid 1, jiffies 4294667296', '  hex dump (first 16 bytes on cpu 1):', '    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................', '  backtrace (crc 0):', '    pcpu_alloc_noprof+0x1/0x2', '    percpu_thing_init+0x1/0x2'].join('\n'));
    expect(o!.hexDump).toHaveLength(1);
    expect(o!.frames).toEqual(['pcpu_alloc_noprof+0x1/0x2', 'percpu_thing_init+0x1/0x2']);
  });
});

describe('leak signatures', () => {
  it('drop the allocator (kmemleak_alloc, __kmalloc*, kmalloc_trace*, slab_post_alloc_hook, kmem_cache_alloc*) and keep no address or offset', () => {
    const [a, b, c] = parseKmemleak(REPORT_6_12);
    expect(leakSignature(a!)).toBe('kmemleak: kph_leak_netns < create_new_namespaces < unshare_nsproxy_namespaces');
    // Another object, address, pid and time: the same leak.
    expect(leakSignature(b!)).toBe(leakSignature(a!));
    expect(leakSignature(c!)).toBe('kmemleak: ops_init < setup_net');
  });

  it('drop kmemleak\'s own frames too, should a trace start above kmemleak_alloc', () => {
    const [o] = parseKmemleak(['unreferenced object 0xff11000001234500 (size 64):', '  comm "unshare", pid 93, jiffies 4294937296', '  backtrace (crc 1):', '    set_track_prepare+0x1/0x2', '    __alloc_object+0x1/0x2', '    __create_object+0x1/0x2', '    kmemleak_alloc+0x1/0x2', '    __kmalloc_cache_noprof+0x1/0x2', '    kph_leak_netns+0x1b/0x40', '    create_new_namespaces+0x1d8/0x2d0'].join('\n'));
    expect(leakSignature(o!)).toBe('kmemleak: kph_leak_netns < create_new_namespaces');
  });

  it('group the report by signature with the count, the first object\'s size, comm and backtrace', () => {
    const groups = groupLeaks(parseKmemleak(REPORT_6_12));
    expect(groups.map((g) => [g.signature, g.count, g.size, g.comm])).toEqual([
      ['kmemleak: kph_leak_netns < create_new_namespaces < unshare_nsproxy_namespaces', 2, 64, 'unshare'],
      ['kmemleak: ops_init < setup_net', 1, 8, 'kworker/u8:1'],
    ]);
    expect(groups[0]!.backtrace[2]).toBe('kph_leak_netns+0x1b/0x40');
    expect(leakExcerpt(groups[0]!).slice(0, 2)).toEqual(['unreferenced object (size 64): comm "unshare", 2 objects with this backtrace', '  backtrace:']);
    expect(leakExcerpt(groups[0]!).join('\n')).not.toMatch(/0xff11/);
  });
});

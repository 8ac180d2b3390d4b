// One signature per kernel bug: a splat's kind and its top frames, with the generic frames that
// every report of its kind shares dropped, and nothing that changes between boots (time stamps,
// PIDs, registers, addresses, offsets, line numbers, compiler suffixes such as .isra.0). The same
// bug on another boot, scenario, series or machine gets the same signature; the report groups
// rows by it and `kph diff` lists signatures that are new and gone. Pure.
//
// The approach and the frames to skip follow syzkaller's crash titles (google/syzkaller,
// pkg/report/linux.go: `linuxStackParams.skipPatterns` — dump_stack, __warn, report_bug,
// fixup_bug, panic, the sanitizers' own frames, locking and allocator helpers —, the RIP frame
// first for oopses and WARNINGs (`warningStackFmt`, `linuxRipFrame`), questionable "? " frames
// only when nothing better is there, and for hung tasks the scheduler and wait frames
// (`linuxHangTaskFrameExtractor`)). kph's list is shorter and anchored: a frame is dropped only
// when its whole name is generic, so a series' own function is never mistaken for one.
import { kernelText, type Splat } from './console.js';

/** How many frames (after the generic ones) a signature keeps. */
export const SIGNATURE_FRAMES = 3;

/** Frames of the reporting machinery, traps and syscall entry: in every report, never the bug. */
const GENERIC: RegExp[] = [
  /^(__)?dump_stack(_lvl)?$/, /^show_stack$/, /^show_trace_log_lvl$/, /^dump_backtrace$/, /^show_regs$/, /^__show_regs$/,
  /^__warn(_printk)?$/, /^warn_slowpath/, /^report_bug$/, /^fixup_bug$/, /^handle_bug$/, /^do_error_trap$/, /^do_trap$/, /^do_int3/,
  /^exc_/, /^asm_exc_/, /^die(_body)?$/, /^oops_(begin|end)$/, /^__die/, /^(v)?panic$/, /^nmi_panic$/, /^check_panic_on_warn$/,
  /^print_report$/, /^print_address_description/, /^kasan_/, /^__kasan_/, /^__asan_/, /^kfence_/, /^__kfence_/, /^ubsan_/, /^__ubsan_/,
  /^kmsan_/, /^__msan_/, /^kmemleak_/, /^__kmemleak_/, /^lockdep_/, /^__lockdep_/, /^print_circular_bug/, /^check_noncircular$/,
  /^check_prev_add$/, /^validate_chain$/, /^__lock_acquire$/, /^lock_acquire$/, /^lock_release$/,
  /^entry_SYSCALL_64/, /^do_syscall_64$/, /^x64_sys_call$/, /^syscall_exit_to_user_mode/, /^ret_from_fork(_asm)?$/,
  /^asm_sysvec_/, /^sysvec_/, /^irq_exit/, /^__irq_exit/, /^__sysvec_/, /^asm_common_interrupt$/, /^common_interrupt$/,
  /^stack_trace_save/, /^arch_stack_walk$/, /^stack_depot_save/,
];

/** A hung task's stack starts in the scheduler and the wait it sleeps in: the caller is the bug. */
const HUNG_TASK_GENERIC: RegExp[] = [
  /^__schedule$/, /^schedule(_timeout.*|_preempt_disabled|_hrtimeout.*|_idle)?$/, /^io_schedule(_timeout)?$/, /^context_switch$/, /^__switch_to(_asm)?$/,
  /^(__)?wait_for_completion/, /^(__)?wait_for_common/, /^do_wait_for_common$/, /^(__)?mutex_lock/, /^__mutex_lock/, /^mutex_lock_nested$/,
  /^(__)?down(_read|_write|_interruptible|_killable|_timeout)?(_slowpath|_common)?$/, /^rwsem_down_/, /^__rwsem_/, /^rt_mutex_/, /^__rt_mutex_/,
  /^(__)?wait_on_bit/, /^out_of_line_wait_on_bit/, /^bit_wait/, /^(__)?wait_event/, /^prepare_to_wait/, /^finish_wait$/, /^kthread$/,
  /^synchronize_rcu/, /^__synchronize_srcu/, /^percpu_down_/, /^schedule_timeout$/,
];

/**
 * Lockdep's and might_sleep()'s stacks start in the lock (or the sleep) being taken and in
 * lockdep's checks: the caller that takes it is the bug. The RCU read-lock helpers are here
 * too: a tinyconfig kernel has no frame unwinder, every frame is a guess, and the return
 * addresses of rcu_read_unlock() and rcu_lock_acquire() left on the stack show up among them
 * (the lock-inversion fixture's real report under lockdep).
 */
const LOCK_GENERIC: RegExp[] = [
  /^__mutex_lock(_common|_slowpath)?$/, /^mutex_lock(_nested|_interruptible|_interruptible_nested|_killable|_killable_nested|_io|_io_nested)?$/,
  /^_raw_(spin|read|write)_(try)?lock(_irq|_irqsave|_bh|_nested|_irqsave_nested)?$/, /^(do_)?raw_spin_lock/, /^(__)?down_(read|write)(_nested|_killable|_interruptible|_trylock|_common)?$/,
  /^__might_resched$/, /^__might_sleep$/, /^__might_fault$/, /^might_fault$/, /^__schedule_bug$/, /^(__)?rcu_read_(un)?lock/, /^rcu_lock_(acquire|release)/,
  /^check_(prevs_add|deadlock|irq_usage|usage|flags)$/, /^mark_lock/, /^mark_usage$/, /^print_(usage_bug|bad_irq_dependency|deadlock_bug|unlock_imbalance_bug|irq_inversion_bug|lock_contention_bug)/,
  /^(__)?lock_(acquire|release|contended|acquired)/, /^lock_is_held/, /^debug_lockdep_rcu_enabled$/,
];

/** A leak's backtrace starts in the allocator: the caller that allocated is the bug. */
const LEAK_GENERIC: RegExp[] = [
  /^(__)?k[mzvc]?(malloc|alloc|zalloc|calloc|realloc)(_node|_noprof|_node_noprof|_track_caller.*|_trace.*|_cache.*|_large.*)*$/,
  /^(__)?kmem_cache_alloc/, /^slab_/, /^__slab_/, /^___slab_/, /^(__)?alloc_pages/, /^__alloc_frozen/, /^(__)?vmalloc/, /^__vmalloc/,
  /^k(v)?(memdup|strdup|strndup|asprintf|vasprintf)/, /^(__)?kmalloc_node/, /^pcpu_alloc/, /^alloc_percpu/,
  // kmemleak's own frames above kmemleak_alloc, should its trace keep them (set_track_prepare skips a fixed count).
  /^(__)?create_object/, /^__alloc_object$/, /^set_track_prepare$/,
];

/** A kernel symbol with offset and size: `name+0x4a/0x33d`, optionally `[<addr>]` before it, `? ` for a guess. */
const FRAME = /^\s*(\? )?(?:\[<[0-9a-f]+>\]\s*)?([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
const RIP = /^(?:RIP|IP|pc ?): ?(?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\]\s*)?([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
/** Where a stack starts: the oops/WARN/hung-task Call Trace, kmemleak's backtrace, KASAN's. */
const STACK_START = /^(Call Trace:|Call trace:|Backtrace:|\s*backtrace(?: \(crc [0-9a-f]+\))?:)/;
/** Lines inside a stack that are no frame and do not end it. */
const STACK_MARKER = /^\s*<\/?(TASK|IRQ|NMI|SOFTIRQ|EOI)>\s*$|^\s*$/;
/** The function a title names: `WARNING: ... at file:line func+0x..`, `KASAN: use-after-free in func+0x..`. */
const TITLE_FUNC = /(?: at \S+:\d+| in) ([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;

/** `kph_hang.isra.0` → `kph_hang`: compiler clones differ between builds of one function. */
export function normalizeFrame(name: string): string {
  return name.replace(/\.(isra|constprop|part|cold|llvm|lto_priv)(\.\d+)*.*$/, '');
}

/** The sanitizer or detector a title names, more specific than the console pattern's kind. */
function signatureKind(s: Pick<Splat, 'kind' | 'title'>): string {
  const t = s.title;
  const m = /\b(KASAN|KFENCE|KMSAN|KCSAN): ([a-z-]+(?: (?:read|write))?)/.exec(t);
  if (m) return `${m[1]!.toLowerCase()} ${m[2]}`;
  if (/\bUBSAN: ([a-z-]+)/.test(t)) return `ubsan ${/\bUBSAN: ([a-z-]+)/.exec(t)![1]}`;
  if (s.kind === 'lockdep' || /possible (circular|recursive) locking|inconsistent lock state|lock inversion/.test(t)) return 'lockdep';
  if (s.kind === 'rcu-lockdep' || s.kind === 'atomic-sleep') return s.kind;
  if (/unreferenced object/.test(t)) return 'kmemleak';
  if (/NULL pointer dereference/.test(t)) return 'null-deref';
  if (/unable to handle page fault|paging request/.test(t)) return 'page-fault';
  return s.kind;
}

interface Frame {
  name: string;
  questionable: boolean;
}

/** The frames of the report's first stack, and the RIP frame before it. */
function framesOf(lines: string[]): { rip: string | null; stack: Frame[] } {
  let rip: string | null = null;
  const stack: Frame[] = [];
  let inStack = false;
  for (const raw of lines) {
    const line = kernelText(raw);
    if (!inStack) {
      const r = RIP.exec(line);
      if (r && rip === null) rip = r[1]!;
      if (STACK_START.test(line)) inStack = true;
      continue;
    }
    const f = FRAME.exec(line);
    if (f) stack.push({ name: f[2]!, questionable: Boolean(f[1]) });
    else if (STACK_MARKER.test(line)) continue;
    else if (stack.length) break; // the first stack ended (registers, the next report, the panic)
  }
  return { rip, stack };
}

export interface SplatSignature {
  kind: string;
  frames: string[];
  /** `kind: frame < caller < caller's caller` */
  text: string;
}

/** The splat's signature: what groups two reports of one bug and tells two bugs apart. */
export function describeSplat(splat: Pick<Splat, 'kind' | 'title' | 'excerpt'>): SplatSignature {
  const kind = signatureKind(splat);
  const generic =
    splat.kind === 'hung-task' ? [...GENERIC, ...HUNG_TASK_GENERIC]
    : kind === 'kmemleak' ? [...GENERIC, ...LEAK_GENERIC]
    : kind === 'lockdep' || kind === 'rcu-lockdep' || kind === 'atomic-sleep' ? [...GENERIC, ...LOCK_GENERIC]
    : GENERIC;
  const isGeneric = (n: string) => generic.some((re) => re.test(n));
  const { rip, stack } = framesOf(splat.excerpt);
  // Reliable frames when the unwinder gave any. A guess ("? ") is a return address left on the
  // stack, there or not by what ran on it before (a WARNING in setns showed `? handle_irq_event`
  // on one boot and not on the next, under the same kernel): the guesses are used only when
  // nothing else names a function (no reliable frame, no RIP, no function in the title), as on
  // a kernel without frame pointers or ORC.
  const reliable = stack.filter((f) => !f.questionable);
  const titled = TITLE_FUNC.exec(splat.title)?.[1];
  const top = [titled, rip].filter((x): x is string => Boolean(x)).map(normalizeFrame);
  const chosen = (reliable.length ? reliable : top.some((n) => !isGeneric(n)) ? [] : stack).map((f) => normalizeFrame(f.name));
  const frames: string[] = [];
  for (const name of [...top, ...chosen]) {
    if (isGeneric(name) || frames.includes(name)) continue;
    frames.push(name);
    if (frames.length === SIGNATURE_FRAMES) break;
  }
  // No frame survived (a panic with no trace, a truncated console): the title without anything
  // that varies between boots is what is left.
  const text = frames.length ? `${kind}: ${frames.join(' < ')}` : `${kind}: ${stableTitle(splat.title)}`;
  return { kind, frames, text };
}

/** The signature as a string, the form summary.json carries on the row. */
export function splatSignature(splat: Pick<Splat, 'kind' | 'title' | 'excerpt'>): string {
  return describeSplat(splat).text;
}

/** A title without numbers, addresses, task names with PIDs, or file:line positions. */
export function stableTitle(title: string): string {
  return title
    .replace(/\b(CPU|PID|pid|UID): ?\d+/g, '$1')
    .replace(/\S+:\d+ blocked/g, 'task blocked')
    .replace(/ at \S+:\d+!?/g, '')
    .replace(/0x[0-9a-f]+|\b[0-9a-f]{8,}\b/g, 'X')
    .replace(/\b\d+\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

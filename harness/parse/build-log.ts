// Pick the lines a kernel developer wants from a failed `make`: compiler and linker errors
// and make's own "***" lines. Pure.
//
//   kernel/nsproxy.c:142:9: error: implicit declaration of function 'proc_ns_connector'
//   ld: kernel/fork.o: in function `copy_process': undefined reference to `audit_log_ns_init'
//   make[3]: *** [scripts/Makefile.build:229: kernel/nsproxy.o] Error 1

const ERROR_PATTERNS = [
  /^\S+:\d+:\d+: (?:fatal )?error: /,
  /^\S+:\d+: (?:fatal )?error: /,
  /undefined reference to/,
  /^(?:ld|x86_64-linux-gnu-ld)(?:\.\w+)?: /,
  /^make(?:\[\d+\])?: \*\*\* /,
  /^\S+\.config:\d+:/,
];

/** The error lines of a build log, with the source line and caret that follow compiler errors. */
export function extractBuildErrors(log: string, max = 30): string[] {
  const lines = log.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length && out.length < max; i++) {
    const line = lines[i]!;
    if (!ERROR_PATTERNS.some((p) => p.test(line))) continue;
    out.push(line);
    // gcc prints the offending source line and a caret line after the message.
    if (/: (?:fatal )?error: /.test(line)) {
      for (let k = 1; k <= 2 && lines[i + k] !== undefined && /^\s+\d* *\|/.test(lines[i + k]!); k++) out.push(lines[i + k]!);
    }
  }
  return out;
}

/** Count objects compiled so far from kbuild's quiet output ("  CC      kernel/fork.o"). */
export function countBuildSteps(chunk: string): number {
  let n = 0;
  for (const line of chunk.split('\n')) if (/^\s+(CC|AS|LD|AR)\s/.test(line)) n++;
  return n;
}

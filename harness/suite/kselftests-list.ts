// The base tree's own kernel selftests kph runs with `--suite kselftests`: the ones about what
// the bundled series touch (namespaces: nsfs, pid namespaces, clone3, the namespace side of
// pidfd), each built statically on the host from the series' tree against its installed uapi
// headers (harness/suite/kselftests.ts). Left out, and why, in the README (*Peer test suites*).

export interface KselftestBinary {
  /** The binary's name (the row is `kselftests/<name>`); unique across the list. */
  name: string;
  /** Its C file, relative to the kernel tree. */
  src: string;
  /** What the selftest's own Makefile adds to `gcc -static -O2 -Wall -isystem <headers>`. */
  cflags: string[];
}

const S = 'tools/testing/selftests';

export const KSELFTESTS: readonly KselftestBinary[] = [
  // nsfs: NS_GET_USERNS / NS_GET_PARENT on a namespace's owner, NS_GET_PARENT on a pid namespace.
  { name: 'owner', src: `${S}/nsfs/owner.c`, cflags: ['-Werror'] },
  { name: 'pidns', src: `${S}/nsfs/pidns.c`, cflags: ['-Werror'] },
  // pid_namespace: a pid namespace whose init died must fail fork with ENOMEM.
  { name: 'regression_enomem', src: `${S}/pid_namespace/regression_enomem.c`, cflags: ['-g'] },
  // clone3: its flags (CLONE_NEWPID, CLONE_NEWUSER... in clone3), CLONE_CLEAR_SIGHAND, set_tid in nested pid namespaces.
  { name: 'clone3', src: `${S}/clone3/clone3.c`, cflags: ['-g', '-std=gnu99'] },
  { name: 'clone3_clear_sighand', src: `${S}/clone3/clone3_clear_sighand.c`, cflags: ['-g', '-std=gnu99'] },
  { name: 'clone3_set_tid', src: `${S}/clone3/clone3_set_tid.c`, cflags: ['-g', '-std=gnu99'] },
  // pidfd, the namespace parts: pidfds across pid namespaces (send_signal into a new pid
  // namespace, recycled pids), NSpid in a pidfd's fdinfo, setns() through a pidfd.
  { name: 'pidfd_test', src: `${S}/pidfd/pidfd_test.c`, cflags: ['-g', '-pthread'] },
  { name: 'pidfd_fdinfo_test', src: `${S}/pidfd/pidfd_fdinfo_test.c`, cflags: ['-g', '-pthread'] },
  { name: 'pidfd_open_test', src: `${S}/pidfd/pidfd_open_test.c`, cflags: ['-g', '-pthread'] },
  { name: 'pidfd_setns_test', src: `${S}/pidfd/pidfd_setns_test.c`, cflags: ['-g', '-pthread'] },
];

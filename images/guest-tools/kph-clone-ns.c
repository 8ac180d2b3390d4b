// SPDX-License-Identifier: MIT
/*
 * kph-clone-ns: clone() a child into new namespaces and print the namespace links of both.
 *
 *   kph-clone-ns [-f FLAGS]
 *
 * FLAGS defaults to CLONE_NEWUSER|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWNET.
 * Prints `KPH name=value` lines for the scenario expectations:
 *   KPH parent=P, KPH child=C (as the parent's pid namespace sees it),
 *   KPH parent_<type>=<readlink /proc/P/ns/<type>> before the clone,
 *   KPH child_<type>=<readlink /proc/C/ns/<type>> while the child waits,
 *   KPH child_status=<wait status>
 *   KPH parent_auditnsid_before=, KPH child_auditnsid=, KPH parent_auditnsid_after= (the
 *     content of /proc/<pid>/auditnsid before the clone, of the child while it waits, and of
 *     the parent after; "none" on kernels without the file)
 * for <type> in mnt uts ipc net pid pid_for_children cgroup time time_for_children user.
 * The child blocks on a pipe until the parent has read its links, then exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const types[] = {"mnt", "uts", "ipc", "net", "pid", "pid_for_children", "cgroup", "time", "time_for_children", "user"};

static void print_links(const char *who, pid_t pid)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char path[96], link[128];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, types[i]);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n < 0) {
			fprintf(stderr, "readlink %s: %s\n", path, strerror(errno));
			n = 0;
		}
		link[n] = 0;
		printf("KPH %s_%s=%s\n", who, types[i], link);
	}
}

static void print_auditnsid(const char *name, pid_t pid)
{
	char path[64], buf[32] = "none";
	snprintf(path, sizeof(path), "/proc/%d/auditnsid", (int)pid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "none");
		buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	printf("KPH %s=%s\n", name, buf);
}

int main(int argc, char **argv)
{
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET;
	int opt;
	while ((opt = getopt(argc, argv, "f:")) != -1) {
		if (opt == 'f')
			flags = strtoul(optarg, NULL, 0);
		else {
			fprintf(stderr, "usage: %s [-f CLONE_FLAGS]\n", argv[0]);
			return 2;
		}
	}
	int go[2];
	if (pipe(go) < 0) {
		perror("pipe");
		return 1;
	}
	printf("KPH parent=%d\nKPH clone_flags=0x%lx\n", (int)getpid(), flags);
	print_links("parent", getpid());
	print_auditnsid("parent_auditnsid_before", getpid());
	fflush(stdout);
	/* fork-like raw clone (no new stack): the child continues here with a copy of ours. */
	long c = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (c < 0) {
		perror("clone");
		return 1;
	}
	if (c == 0) {
		char b;
		close(go[1]);
		while (read(go[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	printf("KPH child=%ld\n", c);
	print_links("child", (pid_t)c);
	print_auditnsid("child_auditnsid", (pid_t)c);
	print_auditnsid("parent_auditnsid_after", getpid());
	fflush(stdout);
	close(go[1]);
	int st = 0;
	if (waitpid((pid_t)c, &st, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	printf("KPH child_status=%d\n", st);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

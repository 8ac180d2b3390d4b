// SPDX-License-Identifier: MIT
/*
 * kph-setns-each: join another process's namespaces one setns() per type, and once with a
 * pidfd and several flags.
 *
 *   kph-setns-each -p PID [-f PIDFD_FLAGS]
 *
 * Prints `KPH name=value` lines for the scenario expectations:
 *   KPH target_<type>=<readlink /proc/PID/ns/<type>> for every type,
 *   KPH pidfd_caller=C, KPH pidfd_flags=0x..., KPH pidfd_rc=0|errno: a forked child C calls
 *     setns(pidfd_open(PID), PIDFD_FLAGS) once (default uts|ipc|net) and prints
 *     KPH pidfd_<type>=<its links after> before exiting;
 *   KPH setns_caller=P (this process), then for each type in the order cgroup ipc mnt net pid
 *     time uts user: KPH rc_<type>=0|errno after setns(open(/proc/PID/ns/<type>), CLONE_NEW<T>)
 *     (user last: joining it first would leave the caller without capabilities over the
 *     initial namespaces the other targets may be owned by);
 *   KPH self_<type>=<readlink /proc/self/ns/<type>> after all calls.
 * Exits 0 when every call succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static const char *const links[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"};

static const struct { const char *name; int flag; } order[] = {
	{"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"mnt", CLONE_NEWNS}, {"net", CLONE_NEWNET},
	{"pid", CLONE_NEWPID},       {"time", CLONE_NEWTIME}, {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},
};

static void print_links(const char *who, const char *pid)
{
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char path[96], link[128];
		snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, links[i]);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			n = 0;
		link[n] = 0;
		printf("KPH %s_%s=%s\n", who, links[i], link);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *target = NULL;
	int pidfd_flags = CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
	int opt, failed = 0;
	while ((opt = getopt(argc, argv, "p:f:")) != -1) {
		if (opt == 'p')
			target = optarg;
		else if (opt == 'f')
			pidfd_flags = (int)strtol(optarg, NULL, 0);
		else
			target = NULL, optind = argc + 1;
	}
	if (!target || optind > argc) {
		fprintf(stderr, "usage: %s -p PID [-f PIDFD_FLAGS]\n", argv[0]);
		return 2;
	}
	print_links("target", target);

	pid_t c = fork();
	if (c < 0) {
		perror("fork");
		return 1;
	}
	if (c == 0) {
		printf("KPH pidfd_caller=%d\nKPH pidfd_flags=0x%x\n", (int)getpid(), pidfd_flags);
		int pfd = (int)syscall(SYS_pidfd_open, atoi(target), 0);
		int rc = pfd < 0 ? errno : (setns(pfd, pidfd_flags) < 0 ? errno : 0);
		printf("KPH pidfd_rc=%d\n", rc);
		print_links("pidfd", "self");
		_exit(rc ? 1 : 0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		failed = 1;

	printf("KPH setns_caller=%d\n", (int)getpid());
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char path[96];
		snprintf(path, sizeof(path), "/proc/%s/ns/%s", target, order[i].name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		int rc = fd < 0 ? errno : (setns(fd, order[i].flag) < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
		printf("KPH rc_%s=%d\n", order[i].name, rc);
		if (rc) {
			fprintf(stderr, "setns %s: %s\n", path, strerror(rc));
			failed = 1;
		}
	}
	print_links("self", "self");
	return failed;
}

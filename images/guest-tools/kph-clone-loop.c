// SPDX-License-Identifier: MIT
/*
 * kph-clone-loop: N times clone(FLAGS|SIGCHLD) a child that exits at once, and wait for it.
 *
 *   kph-clone-loop [-n N] [-f FLAGS]     (FLAGS default CLONE_NEWUTS)
 *
 * Prints one JSON line:
 *   {"pid":123,"flags":"0x4000000","calls":1000,"elapsed_ns":...,"per_sec":...}
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = 1000;
	unsigned long flags = CLONE_NEWUTS;
	int opt;
	while ((opt = getopt(argc, argv, "n:f:")) != -1) {
		if (opt == 'n')
			n = strtol(optarg, NULL, 10);
		else if (opt == 'f')
			flags = strtoul(optarg, NULL, 0);
		else {
			fprintf(stderr, "usage: %s [-n N] [-f CLONE_FLAGS]\n", argv[0]);
			return 2;
		}
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		long c = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
		if (c < 0) {
			fprintf(stderr, "clone call %ld: %m\n", i);
			return 1;
		}
		if (c == 0)
			_exit(0);
		int st;
		if (waitpid((pid_t)c, &st, 0) < 0) {
			perror("waitpid");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unsigned long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000ULL + t1.tv_nsec - t0.tv_nsec;
	printf("{\"pid\":%d,\"flags\":\"0x%lx\",\"calls\":%ld,\"elapsed_ns\":%llu,\"per_sec\":%.0f}\n", getpid(), flags, n, ns, ns ? n * 1e9 / ns : 0.0);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * kph-unshare-loop: make N unshare() calls of one namespace type in one process.
 *
 *   kph-unshare-loop [-n N] [-t uts|ipc|net|mnt|cgroup]
 *
 * Each call makes a new namespace and drops the previous one. Prints one JSON line:
 *   {"pid":123,"type":"uts","calls":1000,"first":4026531838,"last":4026532210,"elapsed_ns":...,"per_sec":...}
 * first/last are the inode numbers of /proc/self/ns/<type> (st_ino, as readlink shows them)
 * before the first and after the last call.
 */
#define _GNU_SOURCE
#include <time.h>
#include "kph-ns-loop.h"

int main(int argc, char **argv)
{
	long n;
	const char *type;
	int flag = kph_ns_loop_args(argc, argv, "uts", &n, &type);
	unsigned long long first = kph_ns_inode(type);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		if (unshare(flag) < 0) {
			fprintf(stderr, "unshare call %ld: %m\n", i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unsigned long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000ULL + t1.tv_nsec - t0.tv_nsec;
	printf("{\"pid\":%d,\"type\":\"%s\",\"calls\":%ld,\"first\":%llu,\"last\":%llu,\"elapsed_ns\":%llu,\"per_sec\":%.0f}\n", getpid(), type, n, first,
	       kph_ns_inode(type), ns, ns ? n * 1e9 / ns : 0.0);
	return 0;
}

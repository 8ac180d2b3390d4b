// SPDX-License-Identifier: MIT
/*
 * kph-setns-loop: make N setns() calls alternating between two namespaces of one type.
 *
 *   kph-setns-loop [-n N] [-t net|uts|ipc|mnt|cgroup]
 *
 * Opens the current namespace (A), unshare()s a new one (B, where the task now is), then calls
 * setns(A), setns(B), setns(A), ... N times. Prints one JSON line:
 *   {"pid":123,"type":"net","a":4026531840,"b":4026532200,"calls":1000,"elapsed_ns":...,"per_sec":...}
 * The inode numbers are those of /proc/self/ns/<type> (st_ino), as readlink shows them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <time.h>
#include "kph-ns-loop.h"

static int open_ns(const char *type)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	long n;
	const char *type;
	int flag = kph_ns_loop_args(argc, argv, "net", &n, &type);

	int fa = open_ns(type);
	unsigned long long a = kph_ns_inode(type);
	if (unshare(flag) < 0) {
		perror("unshare");
		return 1;
	}
	int fb = open_ns(type);
	unsigned long long b = kph_ns_inode(type);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		if (setns(i % 2 == 0 ? fa : fb, flag) < 0) {
			fprintf(stderr, "setns call %ld: %m\n", i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unsigned long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000ULL + t1.tv_nsec - t0.tv_nsec;
	unsigned long long end = kph_ns_inode(type);
	printf("{\"pid\":%d,\"type\":\"%s\",\"a\":%llu,\"b\":%llu,\"calls\":%ld,\"end\":%llu,\"elapsed_ns\":%llu,\"per_sec\":%.0f}\n", getpid(), type, a, b, n,
	       end, ns, ns ? n * 1e9 / ns : 0.0);
	return 0;
}

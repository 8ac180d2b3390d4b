// SPDX-License-Identifier: MIT
/*
 * kph-setns-loop: make N setns() calls alternating between two namespaces of one type.
 *
 *   kph-setns-loop [-n N] [-t net|uts|ipc|mnt|cgroup|time]
 *
 * Opens the current namespace (A), unshare()s a new one (B, where the task now is), then calls
 * setns(A), setns(B), setns(A), ... N times. Prints one JSON line:
 *   {"pid":123,"type":"net","a":4026531840,"b":4026532200,"calls":1000,"elapsed_ns":...,"per_sec":...}
 * The inode numbers are those of /proc/self/ns/<type> (st_ino), as readlink shows them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct { const char *name; int flag; } types[] = {
	{"net", CLONE_NEWNET}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC},
	{"mnt", CLONE_NEWNS},  {"cgroup", CLONE_NEWCGROUP},
};

static unsigned long long inode_of(const char *type)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
	if (stat(path, &st) < 0) {
		perror(path);
		exit(1);
	}
	return (unsigned long long)st.st_ino;
}

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
	long n = 1000;
	const char *type = "net";
	int opt;
	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n')
			n = strtol(optarg, NULL, 10);
		else if (opt == 't')
			type = optarg;
		else {
			fprintf(stderr, "usage: %s [-n N] [-t net|uts|ipc|mnt|cgroup]\n", argv[0]);
			return 2;
		}
	}
	int flag = 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].name, type))
			flag = types[i].flag;
	if (!flag || n < 0) {
		fprintf(stderr, "unknown type %s or bad count\n", type);
		return 2;
	}
	int fa = open_ns(type);
	unsigned long long a = inode_of(type);
	if (unshare(flag) < 0) {
		perror("unshare");
		return 1;
	}
	int fb = open_ns(type);
	unsigned long long b = inode_of(type);
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
	unsigned long long end = inode_of(type);
	printf("{\"pid\":%d,\"type\":\"%s\",\"a\":%llu,\"b\":%llu,\"calls\":%ld,\"end\":%llu,\"elapsed_ns\":%llu,\"per_sec\":%.0f}\n", getpid(), type, a, b, n,
	       end, ns, ns ? n * 1e9 / ns : 0.0);
	return 0;
}

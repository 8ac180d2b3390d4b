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
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct { const char *name; int flag; } types[] = {
	{"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET},
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

int main(int argc, char **argv)
{
	long n = 1000;
	const char *type = "uts";
	int opt;
	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n')
			n = strtol(optarg, NULL, 10);
		else if (opt == 't')
			type = optarg;
		else {
			fprintf(stderr, "usage: %s [-n N] [-t uts|ipc|net|mnt|cgroup]\n", argv[0]);
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
	unsigned long long first = inode_of(type);
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
	       inode_of(type), ns, ns ? n * 1e9 / ns : 0.0);
	return 0;
}

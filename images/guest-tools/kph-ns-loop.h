// SPDX-License-Identifier: MIT
/*
 * What kph-unshare-loop and kph-setns-loop share: the namespace types they take with -t, the
 * inode of /proc/self/ns/<type>, and their command line ([-n N] [-t TYPE]).
 */
#ifndef KPH_NS_LOOP_H
#define KPH_NS_LOOP_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The types a task can unshare() into and setns() back and forth between. Not "time":
 * unshare(CLONE_NEWTIME) moves only the caller's future children, and "pid" likewise.
 */
static const struct { const char *name; int flag; } kph_ns_types[] = {
	{"net", CLONE_NEWNET}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC},
	{"mnt", CLONE_NEWNS},  {"cgroup", CLONE_NEWCGROUP},
};

/* st_ino of /proc/self/ns/<type>, as readlink shows it; exits on failure. */
static unsigned long long kph_ns_inode(const char *type)
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

/*
 * Parse [-n N] [-t TYPE] (defaults: 1000 and def_type) into *n and *type; returns the type's
 * CLONE_NEW* flag. Bad input: a usage line on stderr and exit 2.
 */
static int kph_ns_loop_args(int argc, char **argv, const char *def_type, long *n, const char **type)
{
	int opt, flag = 0;

	*n = 1000;
	*type = def_type;
	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n') {
			*n = strtol(optarg, NULL, 10);
		} else if (opt == 't') {
			*type = optarg;
		} else {
			fprintf(stderr, "usage: %s [-n N] [-t net|uts|ipc|mnt|cgroup]\n", argv[0]);
			exit(2);
		}
	}
	for (size_t i = 0; i < sizeof(kph_ns_types) / sizeof(kph_ns_types[0]); i++)
		if (!strcmp(kph_ns_types[i].name, *type))
			flag = kph_ns_types[i].flag;
	if (!flag || *n < 0) {
		fprintf(stderr, "unknown type %s or bad count\n", *type);
		exit(2);
	}
	return flag;
}

#endif

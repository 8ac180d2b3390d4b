// SPDX-License-Identifier: MIT
/*
 * kph-ns-churn: create and destroy N network namespaces, one after the other, and print for
 * each the proc inode number and, where the kernel has it, the serial (/proc/self/ns/net_snum).
 *
 *   kph-ns-churn [-n N]
 *
 * Each round forks a child that unshare(CLONE_NEWNET)s, reads both, and exits, so the
 * namespace dies before the next one is made. One line per round: "inode serial" (serial
 * "-" when there is no net_snum file). Proc inode numbers come from the lowest free IDA
 * slot and repeat; serials must not.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = 1000;
	int opt;
	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt == 'n')
			n = strtol(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: %s [-n N]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < n; i++) {
		int pfd[2];
		if (pipe(pfd) < 0)
			return perror("pipe"), 1;
		pid_t p = fork();
		if (p < 0)
			return perror("fork"), 1;
		if (p == 0) {
			char line[64] = "-";
			struct stat st;
			if (unshare(CLONE_NEWNET) < 0)
				_exit(10);
			if (stat("/proc/self/ns/net", &st) < 0)
				_exit(11);
			FILE *f = fopen("/proc/self/ns/net_snum", "r");
			if (f) {
				if (!fgets(line, sizeof(line), f))
					strcpy(line, "?");
				fclose(f);
				line[strcspn(line, "\n")] = 0;
			}
			dprintf(pfd[1], "%llu %s\n", (unsigned long long)st.st_ino, line);
			_exit(0);
		}
		close(pfd[1]);
		char buf[128];
		ssize_t k = read(pfd[0], buf, sizeof(buf) - 1);
		close(pfd[0]);
		int status;
		waitpid(p, &status, 0);
		if (k <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "round %ld: child failed (status %d)\n", i, status);
			return 1;
		}
		buf[k] = 0;
		fputs(buf, stdout);
	}
	return 0;
}

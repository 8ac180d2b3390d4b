// SPDX-License-Identifier: MIT
/*
 * kph-clone-thread: a thread made with CLONE_THREAD|CLONE_NEWNET, then a child made with
 * CLONE_VFORK|CLONE_NEWUTS, and what each sees of its auditnsid and namespaces.
 *
 *   kph-clone-thread
 *
 * Prints `KPH name=value` lines (auditnsid values "none" on kernels without
 * /proc/<pid>/task/<tid>/auditnsid):
 *   KPH tgid=, KPH main_auditnsid_before=, KPH main_net=<readlink> (the main thread),
 *   KPH thread_tid=, KPH thread_auditnsid=, KPH thread_net= (read by the new thread itself),
 *   KPH main_auditnsid_after=, KPH vfork_child=, KPH vfork_auditnsid=, KPH vfork_uts=
 *   (read by the child before it exits), KPH main_auditnsid_end=.
 * The thread uses raw system calls only (it shares the main thread's TLS, so no errno/stdio).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char thread_id[32] = "none", thread_net[64] = "";
static volatile int thread_tid_word; /* CLONE_CHILD_CLEARTID clears it and wakes us */
static volatile int thread_done;

static void read_into(const char *path, char *buf, size_t len, int is_link)
{
	long n;
	if (is_link) {
		n = syscall(SYS_readlink, path, buf, len - 1);
	} else {
		long fd = syscall(SYS_open, path, O_RDONLY);
		n = fd < 0 ? -1 : syscall(SYS_read, fd, buf, len - 1);
		if (fd >= 0)
			syscall(SYS_close, fd);
	}
	if (n < 0)
		return;
	buf[n] = 0;
	for (long i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = 0;
}

static int thread_fn(void *arg)
{
	(void)arg;
	read_into("/proc/thread-self/auditnsid", thread_id, sizeof(thread_id), 0);
	read_into("/proc/thread-self/ns/net", thread_net, sizeof(thread_net), 1);
	__atomic_store_n(&thread_done, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_exit, 0);
	return 0;
}

static void print_id(const char *name, const char *path)
{
	char buf[32] = "none";
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "none");
		buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	printf("KPH %s=%s\n", name, buf);
}

int main(void)
{
	char path[96], link[64] = "";
	pid_t tgid = getpid();
	printf("KPH tgid=%d\n", (int)tgid);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/auditnsid", (int)tgid, (int)tgid);
	print_id("main_auditnsid_before", path);
	ssize_t n = readlink("/proc/thread-self/ns/net", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("KPH main_net=%s\n", link);
	fflush(stdout);

	size_t stack_size = 256 * 1024;
	char *stack = malloc(stack_size);
	if (!stack)
		return 1;
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_NEWNET | CLONE_PARENT_SETTID |
		    CLONE_CHILD_CLEARTID;
	int tid = clone(thread_fn, stack + stack_size, flags, NULL, &thread_tid_word, NULL, &thread_tid_word);
	if (tid < 0) {
		perror("clone thread");
		return 1;
	}
	while (thread_tid_word != 0)
		syscall(SYS_futex, &thread_tid_word, FUTEX_WAIT, thread_tid_word, NULL, NULL, 0);
	printf("KPH thread_tid=%d\nKPH thread_done=%d\nKPH thread_auditnsid=%s\nKPH thread_net=%s\n", tid, thread_done, thread_id, thread_net);
	print_id("main_auditnsid_after", path);
	fflush(stdout);

	int pfd[2];
	if (pipe(pfd) < 0)
		return 1;
	long c = syscall(SYS_clone, CLONE_VFORK | CLONE_NEWUTS | SIGCHLD, NULL, NULL, NULL, NULL);
	if (c < 0) {
		perror("clone vfork");
		return 1;
	}
	if (c == 0) {
		char id[32] = "none", uts[64] = "", out[128];
		read_into("/proc/self/auditnsid", id, sizeof(id), 0);
		read_into("/proc/self/ns/uts", uts, sizeof(uts), 1);
		int len = snprintf(out, sizeof(out), "%s %s\n", id, uts);
		if (write(pfd[1], out, len) < 0)
			_exit(1);
		_exit(0);
	}
	char got[128] = "";
	close(pfd[1]);
	n = read(pfd[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = 0;
	char id[32] = "none", uts[64] = "";
	sscanf(got, "%31s %63s", id, uts);
	int st = 0;
	waitpid((pid_t)c, &st, 0);
	printf("KPH vfork_child=%ld\nKPH vfork_auditnsid=%s\nKPH vfork_uts=%s\nKPH vfork_status=%d\n", c, id, uts, st);
	print_id("main_auditnsid_end", path);
	return thread_done && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

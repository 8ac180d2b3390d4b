// SPDX-License-Identifier: MIT
/*
 * kph-init: pid 1 of the harness guest. Mounts the pseudo file systems, runs /etc/kph/rc
 * (network, auditd, sshd) and then reaps every orphan for ever, so no zombie keeps a pid
 * namespace alive after its last task exited. No systemd: boot-to-SSH is what we wait on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		fprintf(stderr, "kph-init: mount %s on %s: %m\n", type, dst);
}

int main(void)
{
	mnt("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mnt("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=666");
	mnt("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mnt("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mnt("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mnt("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);

	pid_t rc = fork();
	if (rc == 0) {
		setsid();
		execl("/bin/sh", "sh", "/etc/kph/rc", (char *)NULL);
		_exit(127);
	}
	for (;;) {
		int status;
		pid_t p = wait(&status);
		if (p == rc && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
			fprintf(stderr, "kph-init: /etc/kph/rc failed (status %d)\n", status);
		if (p < 0 && errno == ECHILD)
			pause();
	}
}

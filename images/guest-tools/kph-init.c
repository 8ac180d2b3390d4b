// SPDX-License-Identifier: MIT
/*
 * kph-init: pid 1 of the harness guest. Mounts the pseudo file systems, sets the host name,
 * installs the per-boot SSH key the harness put on the kernel command line (kph.key=, base64
 * of the authorized_keys line), brings up lo and eth0 (QEMU user networking: 10.0.2.15/24, via
 * 10.0.2.2), starts sshd, then auditd, sets audit's backlog and failure mode, and then reaps
 * every orphan for ever, so no zombie keeps a pid namespace alive after its last task exited.
 * It prints the lines the harness waits for on the console (harness/vm/boot-phases.ts):
 * "kph: sshd started", on which the harness starts its SSH handshake, and "kph: guest ready".
 * No systemd, no shell: boot-to-SSH is what we wait on, and under TCG every program the boot
 * starts costs about 0.1 s, so what needs no program is done here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <unistd.h>

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		fprintf(stderr, "kph-init: mount %s on %s: %m\n", type, dst);
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 from in (up to a space, '=' or the end) into out; returns the length or -1. */
static int b64decode(const char *in, char *out, int cap)
{
	int n = 0, bits = 0;
	unsigned int acc = 0;

	for (; *in && *in != ' ' && *in != '\n' && *in != '='; in++) {
		int v = b64val((unsigned char)*in);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	return n;
}

/* /root/.ssh/authorized_keys from kph.key= on the command line; main says when there is none. */
static void install_key(void)
{
	static char cmdline[4096], key[2048];
	const char *p;
	int fd, n, len;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n <= 0)
		return;
	cmdline[n] = '\0';
	for (p = cmdline; (p = strstr(p, "kph.key=")); p++)
		if (p == cmdline || p[-1] == ' ')
			break;
	if (!p)
		return;
	len = b64decode(p + strlen("kph.key="), key, sizeof(key));
	if (len <= 0) {
		fprintf(stderr, "kph-init: kph.key= is not base64\n");
		return;
	}
	mkdir("/root/.ssh", 0700);
	fd = open("/root/.ssh/authorized_keys", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, key, len) != len)
		fprintf(stderr, "kph-init: writing /root/.ssh/authorized_keys: %m\n");
	if (fd >= 0)
		close(fd);
}

static void set_addr(struct sockaddr *sa, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin->sin_addr);
}

static int ifreq_ioctl(int fd, unsigned long req, const char *dev, const char *ip)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
	if (req == SIOCSIFFLAGS) {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
			return -1;
		ifr.ifr_flags |= IFF_UP;
	} else {
		set_addr(&ifr.ifr_addr, ip);
	}
	return ioctl(fd, req, &ifr);
}

/*
 * The network `ip` set up before, without a program (about 0.3 s under TCG): lo and eth0 up,
 * eth0 10.0.2.15/24, the default route via QEMU's 10.0.2.2. The guest reaches nothing through
 * it (restrict=on); the host reaches sshd through the forwarded port.
 */
static void bring_up_network(void)
{
	struct rtentry rt;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "kph-init: network: socket: %m\n");
		return;
	}
	if (ifreq_ioctl(fd, SIOCSIFFLAGS, "lo", NULL) < 0)
		fprintf(stderr, "kph-init: network: lo up: %m\n");
	if (ifreq_ioctl(fd, SIOCSIFADDR, "eth0", "10.0.2.15") < 0 ||
	    ifreq_ioctl(fd, SIOCSIFNETMASK, "eth0", "255.255.255.0") < 0 ||
	    ifreq_ioctl(fd, SIOCSIFFLAGS, "eth0", NULL) < 0)
		fprintf(stderr, "kph-init: network: eth0: %m\n");
	memset(&rt, 0, sizeof(rt));
	set_addr(&rt.rt_dst, "0.0.0.0");
	set_addr(&rt.rt_genmask, "0.0.0.0");
	set_addr(&rt.rt_gateway, "10.0.2.2");
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = "eth0";
	if (ioctl(fd, SIOCADDRT, &rt) < 0)
		fprintf(stderr, "kph-init: network: default route: %m\n");
	close(fd);
}


/* Runs argv to its end (sshd and auditd fork into the background and return); 0 when it exited 0. */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "kph-init: %s: %m\n", argv[0]);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * The audit settings a scenario relies on, in one AUDIT_SET message (no auditctl, about 0.15 s
 * under TCG): a backlog of 8192 (also audit_backlog_limit= on the command line, for the records
 * before this), waiting up to 60000 jiffies for room instead of dropping, failure mode 1 (printk).
 * The kernel starts with no rules, and scenarios add and remove their own.
 */
static int set_audit(void)
{
	struct {
		struct nlmsghdr nh;
		struct audit_status s;
	} req;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	ssize_t n;

	if (fd < 0)
		return -1;
	/* pid 1 must not wait for ever on an answer. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = AUDIT_SET;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.s.mask = AUDIT_STATUS_FAILURE | AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME;
	req.s.failure = AUDIT_FAIL_PRINTK;
	req.s.backlog_limit = 8192;
	req.s.backlog_wait_time = 60000;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		close(fd);
		return -1;
	}
	n = recv(fd, &ack, sizeof(ack), 0);
	close(fd);
	if (n < 0)
		return -1;
	if (n < (ssize_t)sizeof(ack) || ack.nh.nlmsg_type != NLMSG_ERROR) {
		errno = EPROTO;
		return -1;
	}
	errno = -ack.err.error;
	return ack.err.error ? -1 : 0;
}

int main(void)
{
	char *sshd[] = { "/usr/sbin/sshd", "-r", "-E", "/var/log/sshd.log", NULL };
	/* /sbin: where the package puts auditd, with or without a merged /usr. */
	char *auditd[] = { "/sbin/auditd", NULL };
	struct stat st;
	int fd;

	mnt("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mnt("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mnt("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=666");
	mnt("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mnt("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mnt("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mnt("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (sethostname("kph-guest", 9) < 0)
		fprintf(stderr, "kph-init: sethostname: %m\n");
	install_key();
	bring_up_network();
	/* sshd's privilege separation directory, and auditd's log directory. */
	mkdir("/run/sshd", 0755);
	mkdir("/var/log/audit", 0700);
	fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (stat("/root/.ssh/authorized_keys", &st) < 0 || st.st_size == 0)
		printf("kph: no SSH key on the kernel command line (kph.key=)\n");
	/*
	 * sshd first: it returns once it has forked into the background (it listens a moment later),
	 * and the harness starts its SSH handshake on the line printed next while auditd starts here;
	 * it runs nothing in the guest before "guest ready". -r: no re-exec of sshd for every
	 * connection (a second program load under TCG).
	 */
	if (run(sshd) == 0)
		printf("kph: sshd started\n");
	else
		printf("kph: sshd did not start\n");
	if (run(auditd) == 0) {
		if (set_audit() < 0)
			printf("kph: setting audit's backlog and failure mode failed: %m\n");
	} else {
		printf("kph: auditd did not start\n");
	}
	printf("kph: guest ready\n");
	/*
	 * No children at all (sshd and auditd gone): look again a second later, for the orphans that
	 * come after (pause() would never return: pid 1 has no SIGCHLD handler).
	 */
	for (;;) {
		if (wait(NULL) < 0 && errno == ECHILD)
			sleep(1);
	}
}

// SPDX-License-Identifier: MIT
/*
 * kph-auditns STEP...
 *
 * Drive audit namespaces (audit-ns RFC v2 forward-port) over NETLINK_AUDIT.
 * Each STEP is NAME=CMD[:ARG[:ARG]] and prints `KPH NAME=<answer>` (ack, ok,
 * a value, or the errno name such as EINVAL, EPERM, EEXIST, ENOENT);
 * some print more lines `KPH NAME_<what>=<value>`.  One netlink socket is
 * shared by all steps of a run (so a registered auditd receives on it).
 *
 *   create-ns            AUDIT_CREATE_NS (1031); on failure the run stops
 *                        (exit 2) and no later step or exec runs
 *   get                  AUDIT_GET: NAME=ok, NAME_pid, NAME_backlog_limit,
 *                        NAME_lost, NAME_backlog
 *   set-pid              AUDIT_SET pid = own pid (register as auditd)
 *   set-limit:N          AUDIT_SET backlog_limit = N
 *   user-msg:TEXT        AUDIT_USER (1005, as auditctl -m) with an ack
 *   user-loop:N          N acked user messages: NAME=<acked>,
 *                        NAME_errors, NAME_ns_per_msg (mean wall time)
 *   recv:MS:MAX          receive records (as an auditd) until MAX or MS of
 *                        silence: NAME=<count>, NAME_<i>=<type> <text>
 *                        (the first 5), NAME_match=<count containing
 *                        "kph-auditns">
 *   add-rule / del-rule  exit,always -S sethostname (arch b64)
 *   list-rules           AUDIT_LIST_RULES: NAME=ok, NAME_count
 *   loginuid:V           write V to /proc/self/loginuid
 *   read:PATH            NAME=<first line> or errno name
 *   write:PATH:VALUE     NAME=ok or errno name
 *   sethostname:NAME     sethostname(2)
 *   touch:PATH / wait:PATH:MS   create a file / wait for one to exist
 *   exec:CMD ARGS...     (not NAME=) exec the rest of the command line
 *
 * Build: gcc -static -O2 -Wall -o kph-auditns kph-auditns.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#ifndef NETLINK_AUDIT
#define NETLINK_AUDIT 9
#endif
#define K_AUDIT_GET 1000
#define K_AUDIT_SET 1001
#define K_AUDIT_LIST_RULES 1013
#define K_AUDIT_ADD_RULE 1011
#define K_AUDIT_DEL_RULE 1012
#define K_AUDIT_USER_MSG 1005	/* AUDIT_USER, as auditctl -m */
/* Not in any uapi header but the series': the request number it chose. */
#define K_AUDIT_CREATE_NS 1031

#define K_STATUS_PID 0x0004
#define K_STATUS_BACKLOG_LIMIT 0x0010

#define K_FILTER_EXIT 0x04
#define K_ALWAYS 2
#define K_ARCH 11
#define K_EQUAL 0x40000000
#define K_ARCH_X86_64 0xc000003eU
#define K_MAX_FIELDS 64
#define K_BITMASK_SIZE 64

struct k_status {
	uint32_t mask, enabled, failure, pid, rate_limit, backlog_limit, lost,
		backlog, feature_bitmap, backlog_wait_time,
		backlog_wait_time_actual;
};

struct k_rule {
	uint32_t flags, action, field_count;
	uint32_t mask[K_BITMASK_SIZE];
	uint32_t fields[K_MAX_FIELDS];
	uint32_t values[K_MAX_FIELDS];
	uint32_t fieldflags[K_MAX_FIELDS];
	uint32_t buflen;
};

static int fd = -1;
static uint32_t seq;

static const char *ename(int e)
{
	switch (e) {
	case 0: return "ack";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EACCES: return "EACCES";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	default: {
		static char b[32];
		snprintf(b, sizeof(b), "E%d", e);
		return b;
	}
	}
}

static void say(const char *name, const char *suffix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#include <stdarg.h>
static void say(const char *name, const char *suffix, const char *fmt, ...)
{
	va_list ap;

	printf("KPH %s%s%s=", name, suffix ? "_" : "", suffix ? suffix : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int sock(void)
{
	struct timeval tv = { .tv_sec = 5 };
	int rcvbuf = 4 << 20;

	if (fd >= 0)
		return 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* as auditd does: room for a burst (the kernel does not wait for a
	 * namespace's auditd, a full socket loses records); root only */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	return 0;
}

static int send_req(uint16_t type, const void *data, size_t len, uint16_t flags)
{
	char buf[NLMSG_SPACE(sizeof(struct k_rule) + 1024)];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int e = sock();

	if (e)
		return e;
	if (len > sizeof(buf) - NLMSG_HDRLEN)
		return EINVAL;
	memset(buf, 0, NLMSG_SPACE(len));
	nlh->nlmsg_len = NLMSG_LENGTH(len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seq;
	if (len)
		memcpy(NLMSG_DATA(nlh), data, len);
	if (sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return errno;
	return 0;
}

/*
 * Wait for the answer to request `seq`: an NLMSG_ERROR (ack or error) or,
 * if want != 0, a message of that type (copied to out).  Returns the
 * positive errno (0 = ack / got it), or -1 for "got the wanted message".
 */
static int wait_answer(uint16_t want, void *out, size_t outlen)
{
	char buf[16384];

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);
				return e->error < 0 ? -e->error : e->error;
			}
			if (want && nlh->nlmsg_type == want) {
				size_t n = nlh->nlmsg_len - NLMSG_HDRLEN;
				memset(out, 0, outlen);
				memcpy(out, NLMSG_DATA(nlh), n < outlen ? n : outlen);
				return -1;
			}
		}
	}
}

static int request(uint16_t type, const void *data, size_t len)
{
	int e = send_req(type, data, len, NLM_F_ACK);

	return e ? e : wait_answer(0, NULL, 0);
}

static int user_msg(const char *text)
{
	return request(K_AUDIT_USER_MSG, text, strlen(text) + 1);
}

static void rule(const char *name, uint16_t type)
{
	struct k_rule r;

	memset(&r, 0, sizeof(r));
	r.flags = K_FILTER_EXIT;
	r.action = K_ALWAYS;
	r.field_count = 1;
	r.fields[0] = K_ARCH;
	r.fieldflags[0] = K_EQUAL;
	r.values[0] = K_ARCH_X86_64;
	r.mask[170 / 32] |= 1U << (170 % 32);	/* sethostname */
	say(name, NULL, "%s", ename(request(type, &r, sizeof(r))));
}

static void list_rules(const char *name)
{
	char buf[16384];
	int count = 0, e = send_req(K_AUDIT_LIST_RULES, NULL, 0, NLM_F_ACK);

	while (!e) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				goto done;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *er = NLMSG_DATA(nlh);
				if (er->error) {
					e = -er->error;
					goto out;
				}
				continue;	/* the ack comes before the rules */
			}
			if (nlh->nlmsg_type == K_AUDIT_LIST_RULES)
				count++;
		}
	}
out:
	say(name, NULL, "%s", ename(e));
	return;
done:
	say(name, NULL, "ok");
	say(name, "count", "%d", count);
}

static void get(const char *name)
{
	struct k_status s;
	int e = send_req(K_AUDIT_GET, NULL, 0, 0);

	if (!e)
		e = wait_answer(K_AUDIT_GET, &s, sizeof(s));
	if (e != -1) {
		say(name, NULL, "%s", e ? ename(e) : "EPROTO");
		return;
	}
	say(name, NULL, "ok");
	say(name, "pid", "%u", s.pid);
	say(name, "backlog_limit", "%u", s.backlog_limit);
	say(name, "lost", "%u", s.lost);
	say(name, "backlog", "%u", s.backlog);
}

static void set(const char *name, uint32_t mask, uint32_t pid, uint32_t limit)
{
	struct k_status s;

	memset(&s, 0, sizeof(s));
	s.mask = mask;
	s.pid = pid;
	s.backlog_limit = limit;
	say(name, NULL, "%s", ename(request(K_AUDIT_SET, &s, sizeof(s))));
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || (unsigned char)*s < 0x20)
			*s = ' ';
}

static void recv_records(const char *name, long ms, long max)
{
	char buf[16384];
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	long count = 0, match = 0;

	if (sock()) {
		say(name, NULL, "%s", ename(errno));
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (count < max) {
		ssize_t len = recv(fd, buf, sizeof(buf) - 1, 0);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		char *text;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (len < (ssize_t)NLMSG_HDRLEN || nlh->nlmsg_type == NLMSG_ERROR ||
		    nlh->nlmsg_type == NLMSG_DONE)
			continue;
		/* kauditd's records: one per datagram, nlmsg_len is unreliable */
		buf[len] = '\0';
		text = buf + NLMSG_HDRLEN;
		sanitize(text);
		count++;
		if (strstr(text, "kph-auditns"))
			match++;
		if (count <= 5) {
			char idx[24];

			snprintf(idx, sizeof(idx), "%ld", count);
			say(name, idx, "%u %.300s", nlh->nlmsg_type, text);
		}
	}
	say(name, NULL, "%ld", count);
	say(name, "match", "%ld", match);
}

static void user_loop(const char *name, long n)
{
	struct timespec a, b;
	long i, acked = 0, errors = 0;
	char text[64];
	int first = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		int e;

		snprintf(text, sizeof(text), "kph-auditns loop %ld", i);
		e = user_msg(text);
		if (e) {
			errors++;
			if (!first)
				first = e;
		} else {
			acked++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	say(name, NULL, "%ld", acked);
	say(name, "errors", "%ld", errors);
	if (first)
		say(name, "first_error", "%s", ename(first));
	say(name, "ns_per_msg", "%lld",
	    n ? ((long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec)) / n : 0);
}

static int write_file(const char *path, const char *value)
{
	int f = open(path, O_WRONLY);
	ssize_t w;

	if (f < 0)
		return errno;
	w = write(f, value, strlen(value));
	if (w < 0) {
		int e = errno;
		close(f);
		return e;
	}
	close(f);
	return 0;
}

static void read_file(const char *name, const char *path)
{
	char buf[256];
	int f = open(path, O_RDONLY);
	ssize_t r;

	if (f < 0) {
		say(name, NULL, "%s", ename(errno));
		return;
	}
	r = read(f, buf, sizeof(buf) - 1);
	if (r < 0) {
		say(name, NULL, "%s", ename(errno));
		close(f);
		return;
	}
	close(f);
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	say(name, NULL, "%s", buf);
}

static const char *arg(char **parts, int n, int i)
{
	return i < n ? parts[i] : "";
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s NAME=CMD[:ARG...]... [exec:CMD ARGS...]\n", argv[0]);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		char *step = argv[i], *eq, *cmd, *parts[4] = { NULL, NULL, NULL, NULL };
		int n = 0;

		if (!strncmp(step, "exec:", 5)) {
			argv[i] = step + 5;
			fflush(stdout);
			execvp(argv[i], argv + i);
			fprintf(stderr, "kph-auditns: exec %s: %s\n", argv[i], strerror(errno));
			return 127;
		}
		eq = strchr(step, '=');
		if (!eq) {
			fprintf(stderr, "kph-auditns: bad step '%s'\n", step);
			return 1;
		}
		*eq = '\0';
		cmd = eq + 1;
		/* split CMD:ARG:ARG, the last part keeps any further colons */
		parts[n++] = cmd;
		while (n < 3 && (cmd = strchr(cmd, ':'))) {
			*cmd++ = '\0';
			parts[n++] = cmd;
		}

		if (!strcmp(parts[0], "create-ns")) {
			int e = request(K_AUDIT_CREATE_NS, NULL, 0);

			say(step, NULL, "%s", ename(e));
			if (e)
				return 2;
		} else if (!strcmp(parts[0], "get")) {
			get(step);
		} else if (!strcmp(parts[0], "set-pid")) {
			set(step, K_STATUS_PID, (uint32_t)getpid(), 0);
		} else if (!strcmp(parts[0], "set-limit")) {
			set(step, K_STATUS_BACKLOG_LIMIT, 0, (uint32_t)strtoul(arg(parts, n, 1), NULL, 10));
		} else if (!strcmp(parts[0], "user-msg")) {
			say(step, NULL, "%s", ename(user_msg(arg(parts, n, 1))));
		} else if (!strcmp(parts[0], "user-loop")) {
			user_loop(step, strtol(arg(parts, n, 1), NULL, 10));
		} else if (!strcmp(parts[0], "recv")) {
			recv_records(step, strtol(arg(parts, n, 1), NULL, 10), strtol(arg(parts, n, 2), NULL, 10));
		} else if (!strcmp(parts[0], "add-rule")) {
			rule(step, K_AUDIT_ADD_RULE);
		} else if (!strcmp(parts[0], "del-rule")) {
			rule(step, K_AUDIT_DEL_RULE);
		} else if (!strcmp(parts[0], "list-rules")) {
			list_rules(step);
		} else if (!strcmp(parts[0], "loginuid")) {
			int e = write_file("/proc/self/loginuid", arg(parts, n, 1));

			say(step, NULL, "%s", e ? ename(e) : "ok");
		} else if (!strcmp(parts[0], "read")) {
			read_file(step, arg(parts, n, 1));
		} else if (!strcmp(parts[0], "write")) {
			int e = write_file(arg(parts, n, 1), arg(parts, n, 2));

			say(step, NULL, "%s", e ? ename(e) : "ok");
		} else if (!strcmp(parts[0], "sethostname")) {
			const char *h = arg(parts, n, 1);

			say(step, NULL, "%s", sethostname(h, strlen(h)) ? ename(errno) : "ok");
		} else if (!strcmp(parts[0], "touch")) {
			int f = open(arg(parts, n, 1), O_WRONLY | O_CREAT, 0644);

			say(step, NULL, "%s", f < 0 ? ename(errno) : "ok");
			if (f >= 0)
				close(f);
		} else if (!strcmp(parts[0], "wait")) {
			long ms = strtol(arg(parts, n, 2), NULL, 10), waited = 0;
			struct stat st;

			while (stat(arg(parts, n, 1), &st) && waited < ms) {
				usleep(20000);
				waited += 20;
			}
			say(step, NULL, "%s", waited < ms ? "ok" : "timeout");
		} else {
			fprintf(stderr, "kph-auditns: unknown command '%s'\n", parts[0]);
			return 1;
		}
	}
	return 0;
}

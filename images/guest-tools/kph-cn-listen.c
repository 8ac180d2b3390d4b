// SPDX-License-Identifier: MIT
/*
 * kph-cn-listen: proc-connector listener for the kernel-patch-harness guest.
 *
 * Subscribes with PROC_CN_MCAST_LISTEN (optionally filtered with struct proc_input) and prints
 * every message as one JSON line on stdout, e.g.
 *   {"kind":"fork","what":1,"cpu":0,"seq":12,"ts":"123","len":40,"parent_pid":1,...}
 * Unknown event types are printed raw (hex payload), never dropped. Namespace events are
 * decoded in both layouts the bundled series use (rfc-v1 fixed nm_proc_event, rfc-v2
 * variable-length ns_proc_event) and the line says which layout it saw.
 *
 * Counts ENOBUFS (the socket overran) and per-CPU sequence gaps. On SIGTERM/SIGINT it drains
 * what is already queued on the socket (every event the kernel sent before the signal), prints
 * {"summary":true,...,"drained":N} and exits.
 *
 * Readiness: {"ready":true,"acked":true,"err":0} once the kernel acked the subscription with
 * no error; {"ready":false,"acked":false,"waited_ms":2000} when no ack came in 2 s (no connector
 * or no proc events in this kernel: the capture cannot be trusted); {"ready":false,"acked":true,
 * "err":N} when the kernel refused it. A late ack still prints the ready line. A filtered
 * subscription's own ack is filtered away by the kernel (cn_filter drops PROC_EVENT_NONE), so
 * the ack is read on a second, unsubscribed socket bound to the group, closed once acked.
 *
 *   kph-cn-listen [--filter MASK] [--features] [--rcvbuf BYTES]
 *   kph-cn-listen --query      only ask for the feature bits on a socket of its own, print the
 *                              {"features":...} line and exit (no listening)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_RCVBUFFORCE
#define SO_RCVBUFFORCE 33
#endif

#define EV_NS 0x00000400u /* PROC_EVENT_NM (rfc-v1) / PROC_EVENT_NS (rfc-v2) */
#define CN_GET_FEATURES 3 /* rfc-v2's PROC_CN_GET_FEATURES */
#define HDR 16            /* what, cpu, timestamp_ns: offsetof(struct proc_event, event_data) */
#define MAXCPU 256

static volatile sig_atomic_t stop;
static unsigned long long n_events, n_enobufs, n_gaps;
static long long last_seq[MAXCPU];
static int filtered;

static int aux = -1, said, acked, features, echo_seen, query_sent;

static void on_signal(int sig) { (void)sig; stop = 1; }

static long long ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000LL + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static uint32_t u32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static const char *ns_type(uint32_t t)
{
	switch (t) {
	case 0x00020000: return "mnt";
	case 0x04000000: return "uts";
	case 0x08000000: return "ipc";
	case 0x10000000: return "user";
	case 0x20000000: return "pid";
	case 0x40000000: return "net";
	case 0x02000000: return "cgroup";
	case 0x00000080: return "time";
	default: return "unknown";
	}
}

static const char *reason_v1(uint32_t r) { return r == 1 ? "clone" : r == 2 ? "set" : "unknown"; }
static const char *reason_v2(uint32_t r) { return r == 1 ? "clone" : r == 2 ? "setns" : r == 3 ? "unshare" : "unknown"; }

static void hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/*
 * Every message the kernel multicasts takes the next number of its CPU's counter (send_msg()
 * in drivers/connector/cn_proc.c stamps both), acks of subscriptions included: track them
 * all, or an ack read between two events looks like a lost event.
 */
static void track_seq(const struct cn_msg *msg)
{
	if (filtered || msg->len < HDR)
		return;
	uint32_t cpu = u32(msg->data + 4);
	if (cpu >= MAXCPU)
		return;
	long long prev = last_seq[cpu];
	if (prev >= 0 && (long long)msg->seq != prev + 1 && msg->seq > prev)
		n_gaps += msg->seq - prev - 1;
	last_seq[cpu] = msg->seq;
}

static void print_event(const struct cn_msg *msg)
{
	const unsigned char *d = msg->data;
	size_t len = msg->len;
	if (len < HDR) {
		printf("{\"kind\":\"short\",\"len\":%zu,\"raw\":\"", len);
		hex(d, len);
		printf("\"}\n");
		return;
	}
	uint32_t what = u32(d), cpu = u32(d + 4);
	const unsigned char *e = d + HDR;
	size_t elen = len - HDR;
	n_events++;
	printf("{\"what\":%u,\"cpu\":%u,\"seq\":%u,\"ack\":%u,\"ts\":\"%llu\",\"len\":%zu,", what, cpu, msg->seq, msg->ack,
	       (unsigned long long)u64(d + 8), len);
#define NEED(n) if (elen < (n)) goto raw
	switch (what) {
	case PROC_EVENT_NONE:
		NEED(4);
		printf("\"kind\":\"none\",\"err\":%u", u32(e));
		if (elen >= 8) printf(",\"features\":%u", u32(e + 4));
		break;
	case PROC_EVENT_FORK:
		NEED(16);
		printf("\"kind\":\"fork\",\"parent_pid\":%d,\"parent_tgid\":%d,\"child_pid\":%d,\"child_tgid\":%d", (int)u32(e), (int)u32(e + 4),
		       (int)u32(e + 8), (int)u32(e + 12));
		break;
	case PROC_EVENT_EXEC:
		NEED(8);
		printf("\"kind\":\"exec\",\"pid\":%d,\"tgid\":%d", (int)u32(e), (int)u32(e + 4));
		break;
	case PROC_EVENT_UID:
	case PROC_EVENT_GID:
		NEED(16);
		printf("\"kind\":\"%s\",\"pid\":%d,\"tgid\":%d,\"real\":%u,\"effective\":%u", what == PROC_EVENT_UID ? "uid" : "gid", (int)u32(e),
		       (int)u32(e + 4), u32(e + 8), u32(e + 12));
		break;
	case PROC_EVENT_SID:
		NEED(8);
		printf("\"kind\":\"sid\",\"pid\":%d,\"tgid\":%d", (int)u32(e), (int)u32(e + 4));
		break;
	case PROC_EVENT_PTRACE:
		NEED(16);
		printf("\"kind\":\"ptrace\",\"pid\":%d,\"tgid\":%d,\"tracer_pid\":%d,\"tracer_tgid\":%d", (int)u32(e), (int)u32(e + 4),
		       (int)u32(e + 8), (int)u32(e + 12));
		break;
	case PROC_EVENT_COMM: {
		NEED(24);
		char comm[17] = {0};
		memcpy(comm, e + 8, 16);
		printf("\"kind\":\"comm\",\"pid\":%d,\"tgid\":%d,\"comm\":\"", (int)u32(e), (int)u32(e + 4));
		for (char *c = comm; *c; c++)
			printf(*c == '"' || *c == '\\' ? "\\%c" : (*c < 0x20 ? "?" : "%c"), *c);
		printf("\"");
		break;
	}
	case PROC_EVENT_COREDUMP:
		NEED(16);
		printf("\"kind\":\"coredump\",\"pid\":%d,\"tgid\":%d,\"parent_pid\":%d,\"parent_tgid\":%d", (int)u32(e), (int)u32(e + 4),
		       (int)u32(e + 8), (int)u32(e + 12));
		break;
	case PROC_EVENT_EXIT:
		NEED(24);
		printf("\"kind\":\"exit\",\"pid\":%d,\"tgid\":%d,\"exit_code\":%u,\"exit_signal\":%u,\"parent_pid\":%d,\"parent_tgid\":%d",
		       (int)u32(e), (int)u32(e + 4), u32(e + 8), u32(e + 12), (int)u32(e + 16), (int)u32(e + 20));
		break;
	case EV_NS: {
		/*
		 * rfc-v1: {pid, tgid, u32 type, u32 reason, u64 old_inum, u64 inum}: 32 bytes, in a
		 *         union that grew every event to HDR + 32.
		 * rfc-v2: {pid, tgid, u32 reason, u32 count, items[count] {u32 type, u32 flags,
		 *         u64 old_inum, u64 inum}}: exactly HDR + 16 + 24 * count bytes.
		 */
		NEED(16);
		uint32_t count = u32(e + 12);
		if (elen == 16 + 24 * (size_t)count && count >= 1 && count <= 16) {
			printf("\"kind\":\"ns\",\"layout\":\"v2\",\"pid\":%d,\"tgid\":%d,\"reason\":\"%s\",\"reason_code\":%u,\"count\":%u,\"items\":[",
			       (int)u32(e), (int)u32(e + 4), reason_v2(u32(e + 8)), u32(e + 8), count);
			for (uint32_t i = 0; i < count; i++) {
				const unsigned char *it = e + 16 + 24 * i;
				printf("%s{\"type\":\"%s\",\"type_flag\":%u,\"flags\":%u,\"old_inum\":%llu,\"inum\":%llu}", i ? "," : "",
				       ns_type(u32(it)), u32(it), u32(it + 4), (unsigned long long)u64(it + 8), (unsigned long long)u64(it + 16));
			}
			printf("]");
		} else if (elen >= 32) {
			printf("\"kind\":\"ns\",\"layout\":\"v1\",\"pid\":%d,\"tgid\":%d,\"type\":\"%s\",\"type_flag\":%u,\"reason\":\"%s\",\"reason_code\":%u,"
			       "\"old_inum\":%llu,\"inum\":%llu",
			       (int)u32(e), (int)u32(e + 4), ns_type(u32(e + 8)), u32(e + 8), reason_v1(u32(e + 12)), u32(e + 12),
			       (unsigned long long)u64(e + 16), (unsigned long long)u64(e + 24));
		} else {
			goto raw;
		}
		break;
	}
	default:
	raw:
		printf("\"kind\":\"unknown\",\"raw\":\"");
		hex(e, elen);
		printf("\"");
	}
	printf("}\n");
	fflush(stdout);
}

static void query_features(void);

/*
 * One recv()'s worth of netlink messages. The subscription's ack (PROC_EVENT_NONE with our
 * ack number + 1) says whether the kernel took it; on the auxiliary socket (filtered
 * subscriptions) nothing but the ack matters, and its other messages are not ours to count.
 */
static void handle(const char *buf, ssize_t n, int on_aux)
{
	for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n); nlh = NLMSG_NEXT(nlh, n)) {
		if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_ERROR)
			continue;
		const struct cn_msg *msg = NLMSG_DATA(nlh);
		int is_ack = !acked && msg->ack == 42 && msg->len >= HDR + 4 && u32(msg->data) == PROC_EVENT_NONE;
		if (on_aux) {
			if (!is_ack)
				continue;
		} else {
			track_seq(msg);
			/*
			 * A filtered subscription was acked on the auxiliary socket; a kernel that does not
			 * filter (6.12 turns an unknown mask into PROC_EVENT_ALL) also delivers that ack
			 * here. It is our own ack, not an event: count it, do not print it. (Before a
			 * features query only: its answer carries the same ack number.)
			 */
			if (acked && !echo_seen && !query_sent && msg->ack == 42 && msg->len >= HDR + 4 && u32(msg->data) == PROC_EVENT_NONE) {
				echo_seen = 1;
				continue;
			}
		}
		if (is_ack) {
			uint32_t err = u32(msg->data + HDR);
			acked = 1;
			printf("{\"ready\":%s,\"acked\":true,\"err\":%u%s}\n", err ? "false" : "true", err, said ? ",\"late\":true" : "");
			fflush(stdout);
			if (!said) {
				said = 1;
				if (features)
					query_features();
			}
			continue;
		}
		print_event(msg);
	}
}

static int send_op(int sk, uint32_t op, uint32_t mask, int with_mask)
{
	char buf[NLMSG_SPACE(sizeof(struct cn_msg) + 8)] __attribute__((aligned(8)));
	memset(buf, 0, sizeof(buf));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct cn_msg *msg = NLMSG_DATA(nlh);
	size_t plen = with_mask ? 8 : 4;
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*msg) + plen);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_pid = getpid();
	msg->id.idx = CN_IDX_PROC;
	msg->id.val = CN_VAL_PROC;
	msg->seq = 1;
	msg->ack = 41;
	msg->len = plen;
	memcpy(msg->data, &op, 4);
	if (with_mask)
		memcpy(msg->data + 4, &mask, 4);
	return send(sk, nlh, nlh->nlmsg_len, 0) < 0 ? -1 : 0;
}

static int open_socket(int rcvbuf)
{
	int sk = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (sk < 0)
		return -1;
	if (rcvbuf > 0 && setsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(sk, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
	if (bind(sk, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return sk;
}

/* Ask for rfc-v2's feature bits on a socket of its own. Baseline and rfc-v1 answer EINVAL, or
 * nothing when nobody listens (acks are multicast): both mean "unsupported". */
static void query_features(void)
{
	query_sent = 1;
	int sk = open_socket(0);
	if (sk < 0 || send_op(sk, CN_GET_FEATURES, 0, 0) < 0) {
		printf("{\"features\":\"error\",\"errno\":%d}\n", errno);
		return;
	}
	char buf[8192] __attribute__((aligned(8)));
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = {.fd = sk, .events = POLLIN};
		if (poll(&p, 1, 1000) <= 0)
			break;
		ssize_t n = recv(sk, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n); nlh = NLMSG_NEXT(nlh, n)) {
			struct cn_msg *msg = NLMSG_DATA(nlh);
			if (msg->len < HDR + 4 || u32(msg->data) != PROC_EVENT_NONE || msg->ack != 42)
				continue;
			uint32_t err = u32(msg->data + HDR);
			uint32_t feat = msg->len >= HDR + 8 ? u32(msg->data + HDR + 4) : 0;
			if (err == 0 && feat)
				printf("{\"features\":\"supported\",\"mask\":%u}\n", feat);
			else
				printf("{\"features\":\"unsupported\",\"err\":%u}\n", err);
			fflush(stdout);
			close(sk);
			return;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 2)
			break;
	}
	printf("{\"features\":\"unsupported\",\"err\":null}\n");
	fflush(stdout);
	close(sk);
}

int main(int argc, char **argv)
{
	uint32_t mask = 0;
	int query = 0, rcvbuf = 16 << 20;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--filter") && i + 1 < argc)
			mask = strtoul(argv[++i], NULL, 0), filtered = 1;
		else if (!strcmp(argv[i], "--features"))
			features = 1;
		else if (!strcmp(argv[i], "--query"))
			query = 1;
		else if (!strcmp(argv[i], "--rcvbuf") && i + 1 < argc)
			rcvbuf = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--filter MASK] [--features] [--rcvbuf BYTES] | --query\n", argv[0]);
			return 2;
		}
	}
	if (query) {
		query_features();
		return 0;
	}
	for (int i = 0; i < MAXCPU; i++)
		last_seq[i] = -1;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int sk = open_socket(rcvbuf);
	/* Bound before the subscription is sent, so it cannot miss the ack. */
	aux = filtered ? open_socket(0) : -1;
	if (sk < 0 || (filtered && aux < 0)) {
		printf("{\"error\":\"socket\",\"errno\":%d}\n", errno);
		return 1;
	}
	if (send_op(sk, PROC_CN_MCAST_LISTEN, mask, filtered) < 0) {
		printf("{\"error\":\"listen\",\"errno\":%d}\n", errno);
		return 1;
	}
	char buf[1 << 16] __attribute__((aligned(8)));
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		struct pollfd p[2] = {{.fd = sk, .events = POLLIN}, {.fd = aux, .events = POLLIN}};
		int r = poll(p, aux >= 0 ? 2 : 1, said ? 200 : 2000 - ms_since(&t0) > 0 ? 2000 - ms_since(&t0) : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			if (!said) { /* no ack: connector or proc events missing in this kernel */
				printf("{\"ready\":false,\"acked\":false,\"waited_ms\":%lld}\n", ms_since(&t0));
				fflush(stdout);
				said = 1;
				if (features)
					query_features();
			}
			continue;
		}
		if (aux >= 0 && (p[1].revents & POLLIN)) {
			ssize_t n = recv(aux, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0)
				handle(buf, n, 1);
			if (acked) {
				close(aux);
				aux = -1;
			}
		}
		if (!(p[0].revents & (POLLIN | POLLERR)))
			continue;
		ssize_t n = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				n_enobufs++;
				printf("{\"kind\":\"enobufs\"}\n");
				fflush(stdout);
			} else if (errno != EINTR && errno != EAGAIN) {
				printf("{\"error\":\"recv\",\"errno\":%d}\n", errno);
				break;
			}
			continue;
		}
		handle(buf, n, 0);
	}
	/* Drain: every event the kernel sent before the signal is already queued on the socket. */
	unsigned long long drained = 0;
	for (;;) {
		ssize_t n = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				n_enobufs++;
				printf("{\"kind\":\"enobufs\"}\n");
				continue;
			}
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		unsigned long long before = n_events;
		handle(buf, n, 0);
		drained += n_events - before;
	}
	printf("{\"summary\":true,\"events\":%llu,\"enobufs\":%llu,\"seq_gaps\":%llu,\"drained\":%llu}\n", n_events, n_enobufs, n_gaps, drained);
	fflush(stdout);
	return 0;
}

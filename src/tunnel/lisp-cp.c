#include "lisp-cp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lisp-cfg.h"
#include "lisp-msg.h"
#include "lisp-xtr.h"
#include "log.h"
#include "map-server.h"
#include "util.h"

#define MSG_MAX 9000
#define RECV_PER_WAKE 64

static int fds[2] = { -1, -1 };
static unsigned int users;
static unsigned int generation;
static struct lisp_xtr **xtrs;
static size_t n_xtrs;
static struct map_server *server;
static struct lisp_cp_counters stats;

static int
bind_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(LISP_CONTROL_PORT) };
	struct sockaddr_in sa4 = { .sin_family = AF_INET, .sin_port = htons(LISP_CONTROL_PORT) };

	if (fd < 0)
		return -errno;
	if ((family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    bind(fd, family == AF_INET ? (struct sockaddr *)&sa4 : (struct sockaddr *)&sa6,
		 family == AF_INET ? sizeof sa4 : sizeof sa6) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static void
close_sockets(void)
{
	generation++;
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int
lisp_cp_get(void)
{
	if (users++)
		return 0;
	generation++;
	fds[0] = bind_socket(AF_INET);
	fds[1] = bind_socket(AF_INET6);
	if (fds[0] < 0 || fds[1] < 0) {
		int e = fds[0] < 0 ? fds[0] : fds[1];

		fds[0] = MAX(fds[0], -1);
		fds[1] = MAX(fds[1], -1);
		close_sockets();
		users = 0;
		return e;
	}
	return 0;
}

void
lisp_cp_put(void)
{
	if (users && !--users)
		close_sockets();
}

void
lisp_cp_fds(int out[2])
{
	out[0] = fds[0];
	out[1] = fds[1];
}

unsigned int
lisp_cp_generation(void)
{
	return generation;
}

void
lisp_cp_add_xtr(struct lisp_xtr *x)
{
	xtrs = xrealloc(xtrs, (n_xtrs + 1) * sizeof *xtrs);
	xtrs[n_xtrs++] = x;
}

void
lisp_cp_remove_xtr(struct lisp_xtr *x)
{
	for (size_t i = 0; i < n_xtrs; i++) {
		if (xtrs[i] == x) {
			xtrs[i] = xtrs[--n_xtrs];
			return;
		}
	}
}

void
lisp_cp_set_map_server(struct map_server *ms)
{
	server = ms;
}

/* A Map-Request: the xTR it is for answers it (ETR) or acts on it (SMR). */
static bool
to_xtrs(const struct lisp_map_request *req, uint16_t sport, int64_t now)
{
	for (size_t i = 0; i < n_xtrs; i++)
		if (lisp_xtr_request(xtrs[i], req, sport, now))
			return true;
	return false;
}

/* An ECM: its Map-Request goes to the map-server, or to the ETR it was forwarded to. */
static bool
handle_ecm(const uint8_t *msg, size_t len, int64_t now)
{
	struct lisp_map_request req;
	struct lisp_ecm ecm;
	const char *why;

	if (!lisp_ecm_decode(msg, len, &ecm, &why) ||
	    !lisp_map_request_decode(ecm.msg, ecm.msg_len, &req, &why)) {
		log_dbg(MAPCACHE, "control: ECM refused: %s", why);
		stats.malformed++;
		return true;
	}
	if (server && server->n_sites && !ecm.to_etr) {
		map_server_resolve(server, &req, &ecm, msg, len, now);
		return true;
	}
	return to_xtrs(&req, ecm.sport, now);
}

static bool
handle_request(const uint8_t *msg, size_t len, uint16_t sport, int64_t now)
{
	struct lisp_map_request req;
	const char *why;

	if (!lisp_map_request_decode(msg, len, &req, &why)) {
		stats.malformed++;
		return true;
	}
	return to_xtrs(&req, sport, now);
}

static bool
handle_reply(const uint8_t *msg, size_t len, int64_t now)
{
	struct lisp_map_reply rep;
	const char *why;

	if (!lisp_map_reply_decode(msg, len, &rep, &why)) {
		stats.malformed++;
		return true;
	}
	for (size_t i = 0; i < n_xtrs; i++)
		if (lisp_xtr_reply(xtrs[i], &rep, now))
			return true;
	return false;
}

static bool
handle_notify(const uint8_t *msg, size_t len, int64_t now)
{
	struct lisp_map_register n;
	const char *why;

	if (!lisp_map_register_decode(msg, len, &n, &why)) {
		stats.malformed++;
		return true;
	}
	for (size_t i = 0; i < n_xtrs; i++)
		if (lisp_xtr_notify(xtrs[i], &n, msg, len, now))
			return true;
	return false;
}

static void
handle(const uint8_t *msg, size_t len, const struct in6_addr *src, uint16_t sport, int64_t now)
{
	bool taken = false;

	stats.received++;
	switch (lisp_msg_type(msg, len)) {
	case LISP_MAP_REGISTER:
	case LISP_MAP_NOTIFY_ACK:
		if ((taken = server != NULL))
			map_server_input(server, msg, len, src, sport, now);
		break;
	case LISP_ECM:
		taken = handle_ecm(msg, len, now);
		break;
	case LISP_MAP_REQUEST:
		taken = handle_request(msg, len, sport, now);
		break;
	case LISP_MAP_REPLY:
		taken = handle_reply(msg, len, now);
		break;
	case LISP_MAP_NOTIFY:
		taken = handle_notify(msg, len, now);
		break;
	default:
		stats.malformed++;
		taken = true;
		break;
	}
	if (!taken)
		stats.unclaimed++;
}

void
lisp_cp_input(int fd, int64_t now)
{
	static uint8_t buf[MSG_MAX];

	for (int i = 0; i < RECV_PER_WAKE; i++) {
		struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
		socklen_t sl = sizeof ss;
		struct in6_addr src;
		uint16_t sport;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&ss, &sl);

		if (n < 0)
			return;
		if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
			continue;
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

			lisp_v4_mapped(&src, s4->sin_addr.s_addr);
			sport = ntohs(s4->sin_port);
		} else {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

			src = s6->sin6_addr;
			sport = ntohs(s6->sin6_port);
		}
		handle(buf, (size_t)n, &src, sport, now);
	}
}

void
lisp_cp_send(const struct in6_addr *dst, uint16_t port, const void *msg, size_t len)
{
	bool v4 = lisp_addr_is_v4(dst);
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				    .sin6_addr = *dst };
	struct sockaddr_in sa4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = fds[v4 ? 0 : 1];

	memcpy(&sa4.sin_addr, &dst->s6_addr[12], 4);
	if (fd < 0 || sendto(fd, msg, len, 0, v4 ? (struct sockaddr *)&sa4 :
			     (struct sockaddr *)&sa6, v4 ? sizeof sa4 : sizeof sa6) < 0)
		stats.send_errors++;
	else
		stats.sent++;
}

void
lisp_cp_run(int64_t now)
{
	for (size_t i = 0; i < n_xtrs; i++)
		lisp_xtr_run(xtrs[i], now);
	if (server)
		map_server_run(server, now);
}

const struct lisp_cp_counters *
lisp_cp_counters(void)
{
	return &stats;
}

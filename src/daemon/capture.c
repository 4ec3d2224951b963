#include "capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "commands.h"
#include "csum.h"
#include "ctl-proto.h"
#include "lisp-cfg.h"
#include "lisp-dp.h"
#include "lisp-port.h"
#include "log.h"
#include "loop.h"
#include "netdev.h"
#include "pkt.h"
#include "txn.h"
#include "util.h"

/* Outer IPv6 + UDP + LISP in front of the largest inner packet. */
#define OUTER_MAX (40 + 8 + LISP_HDR_SIZE + PKT_MAX_SIZE)

struct capture {
	struct netdev_tap tap;          /* What the datapath calls. */
	struct netdev *dev;             /* The port's netdev. */
	struct rpc_stream *stream;      /* lispctl's connection. */
	char port[IFNAMSIZ];
	bool outer;                     /* Lisp ports: the encapsulated datagrams, DLT_RAW. */
	uint64_t max;                   /* Packets to record; 0: no limit. */
	uint64_t n;                     /* Packets recorded. */
	uint64_t lost;                  /* Packets lispctl was too slow for. */
	int timer_fd;                   /* The time limit, or -1. */
	struct loop_source *timer;
	struct in6_addr route_dst;      /* The last outer destination whose source was asked... */
	struct in6_addr route_src;      /* ...and the source the kernel chose for it. */
};

static uint8_t outer_buf[OUTER_MAX];

static void
capture_free(struct capture *cap)
{
	if (cap->dev)
		cap->dev->tap = NULL;
	loop_remove(cap->timer);
	if (cap->timer_fd >= 0)
		close(cap->timer_fd);
	free(cap);
}

static void
capture_end(struct capture *cap, const char *reason)
{
	log_info(PORT, "port %s: capture ended (%s): %llu packets, %llu lost", cap->port, reason,
		 (unsigned long long)cap->n, (unsigned long long)cap->lost);
	rpc_stream_end(cap->stream, "end", json_pack("{s:I, s:I, s:s}", "packets",
						     (json_int_t)cap->n, "lost",
						     (json_int_t)cap->lost, "reason", reason));
	capture_free(cap);
}

/* lispctl went away first. */
static void
capture_gone(void *arg)
{
	capture_free(arg);
}

static void
record(struct capture *cap, const uint8_t *data, uint32_t size, bool tx)
{
	char *hex = xmalloc(2 * (size_t)size + 1);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	hex_encode(data, size, hex);
	if (rpc_stream_notify(cap->stream, "packet",
			      json_pack("{s:I, s:i, s:s, s:s}", "sec", (json_int_t)ts.tv_sec, "usec",
					(int)(ts.tv_nsec / 1000), "dir", tx ? "tx" : "rx", "data",
					hex)))
		cap->n++;
	else
		cap->lost++;
	free(hex);
	if (cap->max && cap->n == cap->max)
		capture_end(cap, "count");
}

/* The source address the kernel picks for 'dst' (what a connected UDP socket gets). */
static void
route_source(struct capture *cap, const struct in6_addr *dst, struct in6_addr *src)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(9), .sin6_addr = *dst };
	socklen_t len = sizeof sa;
	int fd;

	if (!memcmp(&cap->route_dst, dst, sizeof *dst)) {
		*src = cap->route_src;
		return;
	}
	memset(src, 0, sizeof *src);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof sa) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		*src = sa.sin6_addr;
	if (fd >= 0)
		close(fd);
	cap->route_dst = *dst;
	cap->route_src = *src;
}

/*
 * Puts the outer IP header the kernel will write in front of the UDP datagram already at
 * 'outer_buf + 40' ('udp_size' bytes), and fills in the UDP checksum when the port sends one
 * (IPv6 with csum). Returns where the packet starts and its size in '*size'.
 */
static const uint8_t *
outer_ip(const struct netdev_tap_outer *o, const struct lisp_cfg *cfg, const struct in6_addr *src,
	 uint32_t udp_size, uint32_t *size)
{
	uint8_t *udp = outer_buf + 40, *ip;

	if (!o->v6) {
		uint32_t total = MIN(udp_size + 20, 0xffff);
		uint16_t sum;

		ip = udp - 20;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[1] = (uint8_t)o->tos;
		ip[2] = (uint8_t)(total >> 8);
		ip[3] = (uint8_t)total;
		ip[6] = cfg->df ? 0x40 : 0;
		ip[8] = (uint8_t)o->ttl;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, &src->s6_addr[12], 4);
		memcpy(ip + 16, &o->dst->s6_addr[12], 4);
		sum = csum_fold(csum_partial(ip, 20, 0));
		memcpy(ip + 10, &sum, 2);
		*size = total;
		return ip;
	}
	ip = outer_buf;
	ip[0] = (uint8_t)(0x60 | o->tos >> 4);
	ip[1] = (uint8_t)(o->tos << 4);
	ip[2] = ip[3] = 0;
	ip[4] = (uint8_t)(udp_size >> 8);
	ip[5] = (uint8_t)udp_size;
	ip[6] = IPPROTO_UDP;
	ip[7] = (uint8_t)o->ttl;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, o->dst, 16);
	if (cfg->csum6) {
		/* RFC 8200 section 8.1: the pseudo-header is both addresses, length, next header. */
		uint8_t tail[4] = { 0, 0, 0, IPPROTO_UDP };
		uint32_t len = htonl(udp_size), sum = csum_partial(ip + 8, 32, 0);
		uint16_t c;

		sum = csum_partial(&len, 4, sum);
		sum = csum_partial(tail, 4, sum);
		udp[6] = udp[7] = 0;
		c = csum_fold(csum_partial(udp, udp_size, sum));
		memcpy(udp + 6, c ? &c : &(uint16_t){ 0xffff }, 2);
	}
	*size = 40 + udp_size;
	return ip;
}

/* An encapsulated datagram on its way to the kernel (--outer). */
static void
tap_outer(struct netdev_tap *tap, struct netdev *dev, const struct netdev_tap_outer *o)
{
	struct capture *cap = CONTAINER_OF(tap, struct capture, tap);
	uint32_t udp_size = MIN(o->size, OUTER_MAX - 40), size;
	struct in6_addr src = *o->src;
	const uint8_t *ip;

	if (!cap->outer)
		return;
	if (IN6_IS_ADDR_UNSPECIFIED(&src))
		route_source(cap, o->dst, &src);
	memcpy(outer_buf + 40, o->udp, udp_size);
	ip = outer_ip(o, lisp_port_cfg(dev), &src, udp_size, &size);
	record(cap, ip, size, true);
}

/*
 * A decapsulated packet, shown with --outer: its outer headers are rebuilt from the tunnel
 * metadata it kept (addresses, instance ID, TTL). The UDP source port, outer TOS and the LISP
 * header's other fields are not kept: the UDP source port is shown as the destination port
 * and the header as the one we send.
 */
static void
rx_outer(struct capture *cap, const struct pkt *pkt)
{
	const struct lisp_cfg *cfg = lisp_port_cfg(cap->dev);
	uint32_t inner = pkt->size > 14 ? pkt->size - 14 : 0, size;
	uint8_t *udp = outer_buf + 40;
	struct in6_addr src, dst;
	struct netdev_tap_outer o;
	const uint8_t *ip;

	inner = MIN(inner, OUTER_MAX - 40 - 8 - LISP_HDR_SIZE);
	lisp_tunnel_addrs(&pkt->tun, &src, &dst);
	o = (struct netdev_tap_outer){ udp, 8 + LISP_HDR_SIZE + inner, !lisp_addr_is_v4(&src), &src,
				       &dst, pkt->tun.ttl, 0 };
	udp[0] = udp[2] = (uint8_t)(cfg->dst_port >> 8);
	udp[1] = udp[3] = (uint8_t)cfg->dst_port;
	udp[4] = (uint8_t)(o.size >> 8);
	udp[5] = (uint8_t)o.size;
	udp[6] = udp[7] = 0;
	lisp_hdr_write(udp + 8, (uint32_t)pkt->tun.id);
	memcpy(udp + 8 + LISP_HDR_SIZE, pkt->data + 14, inner);
	ip = outer_ip(&o, cfg, &src, o.size, &size);
	record(cap, ip, size, false);
}

static void
tap_packet(struct netdev_tap *tap, struct netdev *dev UNUSED, const struct pkt *pkt, bool tx)
{
	struct capture *cap = CONTAINER_OF(tap, struct capture, tap);

	if (!cap->outer)
		record(cap, pkt->data, pkt->size, tx);
	else if (!tx)
		rx_outer(cap, pkt);
}

static void
tap_closed(struct netdev_tap *tap, struct netdev *dev UNUSED)
{
	struct capture *cap = CONTAINER_OF(tap, struct capture, tap);

	cap->dev = NULL;
	capture_end(cap, "port removed");
}

static void
timer_expired(void *arg, uint32_t events UNUSED)
{
	capture_end(arg, "time");
}

static int
arm_timer(struct capture *cap, double seconds)
{
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)seconds,
						.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) } };

	cap->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (cap->timer_fd < 0 || timerfd_settime(cap->timer_fd, 0, &its, NULL) < 0)
		return -errno;
	cap->timer = loop_add(cap->timer_fd, EPOLLIN, timer_expired, cap);
	return 0;
}

json_t *
capture_rpc(json_t *params, struct rpc_error *err)
{
	json_int_t count = 0;
	double seconds = 0;
	const char *name;
	struct capture *cap;
	struct port *port;
	int outer = 0, e;

	if (json_unpack(params, "{s:s, s?I, s?F, s?b !}", "port", &name, "count", &count, "seconds",
			&seconds, "outer", &outer) || count < 0 || seconds < 0 || seconds > 86400)
		return txn_fail(err, RPC_INVALID_PARAMS, "capture", NULL,
				"params must be {port, count >= 0, seconds 0..86400, outer}");
	if (!(port = commands_port_find(name)))
		return txn_fail(err, CTL_ERR_NO_PORT, "capture", name, "no such port");
	if (outer && port->ofport.netdev->class != &netdev_lisp_class)
		return txn_fail(err, CTL_ERR_INVALID, "capture", name,
				"--outer: not a lisp port (only tunnels have outer headers)");
	if (port->ofport.netdev->tap)
		return txn_fail(err, CTL_ERR_EXISTS, "capture", name, "already being captured");
	cap = xcalloc(1, sizeof *cap);
	cap->tap = (struct netdev_tap){ tap_packet, tap_outer, tap_closed };
	cap->timer_fd = -1;
	cap->outer = outer;
	cap->max = (uint64_t)count;
	str_copy(cap->port, name, sizeof cap->port);
	if (seconds > 0 && (e = arm_timer(cap, seconds)) < 0) {
		capture_free(cap);
		return txn_fail(err, CTL_ERR_IO, "capture", name, "timer: %s", strerror(-e));
	}
	if (!(cap->stream = rpc_stream_open(capture_gone, cap))) {
		capture_free(cap);
		return txn_fail(err, CTL_ERR_USAGE, "capture", name,
				"needs its own control connection");
	}
	cap->dev = port->ofport.netdev;
	cap->dev->tap = &cap->tap;
	log_info(PORT, "port %s: capture started%s", name, outer ? " (outer)" : "");
	return json_pack("{s:s, s:s}", "port", name, "linktype", outer ? "raw" : "ether");
}

#include "lisp-rx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "csum.h"
#include "lisp-dp.h"
#include "util.h"

#ifndef UDP_NO_CHECK6_RX
#define UDP_NO_CHECK6_RX 102
#endif

#define CMSG_SIZE 256

const uint8_t lisp_fake_mac[6] = { 0x02, 0, 0, 0, 0, 0 };

struct lisp_rx {
	struct lisp_rx *next;   /* In 'receivers'. */
	int refs;
	void *user;
	int fd;
	uint16_t port;
	struct mmsghdr msgs[PKT_BATCH];
	struct iovec iov[PKT_BATCH];
	struct sockaddr_in6 src[PKT_BATCH];
	uint8_t cmsg[PKT_BATCH][CMSG_SIZE];
};

/* The outer header fields decapsulation needs, from the control messages. */
struct outer {
	struct in6_addr dst;
	int tos, ttl;
};

static struct lisp_rx *receivers;
void (*lisp_rx_on_close)(struct lisp_rx *rx);

static int
setopt(int fd, int level, int opt)
{
	int on = 1;

	return setsockopt(fd, level, opt, &on, sizeof on);
}

static void
rx_close(struct lisp_rx *rx)
{
	if (rx->fd >= 0)
		close(rx->fd);
	free(rx);
}

static struct lisp_rx *
rx_open(uint16_t port, int *err)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct lisp_rx *rx = xcalloc(1, sizeof *rx);
	int off = 0;

	rx->port = port;
	rx->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rx->fd < 0 ||
	    setsockopt(rx->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0 ||
	    setopt(rx->fd, IPPROTO_IP, IP_PKTINFO) < 0 || setopt(rx->fd, IPPROTO_IP, IP_RECVTOS) < 0 ||
	    setopt(rx->fd, IPPROTO_IP, IP_RECVTTL) < 0 ||
	    setopt(rx->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO) < 0 ||
	    setopt(rx->fd, IPPROTO_IPV6, IPV6_RECVTCLASS) < 0 ||
	    setopt(rx->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT) < 0 ||
	    setopt(rx->fd, IPPROTO_UDP, UDP_NO_CHECK6_RX) < 0 ||
	    bind(rx->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		*err = -errno;
		rx_close(rx);
		return NULL;
	}
	return rx;
}

struct lisp_rx *
lisp_rx_get(uint16_t port, int *err)
{
	struct lisp_rx *rx;

	for (rx = receivers; rx; rx = rx->next) {
		if (rx->port == port) {
			rx->refs++;
			return rx;
		}
	}
	if (!(rx = rx_open(port, err)))
		return NULL;
	rx->refs = 1;
	rx->next = receivers;
	receivers = rx;
	return rx;
}

void
lisp_rx_put(struct lisp_rx *rx)
{
	struct lisp_rx **p = &receivers;

	if (--rx->refs)
		return;
	while (*p != rx)
		p = &(*p)->next;
	*p = rx->next;
	if (lisp_rx_on_close)
		lisp_rx_on_close(rx);
	rx_close(rx);
}

struct lisp_rx *
lisp_rx_next(struct lisp_rx *prev)
{
	return prev ? prev->next : receivers;
}

void **
lisp_rx_user(struct lisp_rx *rx)
{
	return &rx->user;
}

int
lisp_rx_fd(const struct lisp_rx *rx)
{
	return rx->fd;
}

uint16_t
lisp_rx_port(const struct lisp_rx *rx)
{
	return rx->port;
}

static void
read_cmsgs(struct msghdr *mh, struct outer *o)
{
	memset(o, 0, sizeof *o);
	o->ttl = 255;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		const void *data = CMSG_DATA(c);

		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			o->dst.s6_addr[10] = o->dst.s6_addr[11] = 0xff;
			memcpy(&o->dst.s6_addr[12],
			       &((const struct in_pktinfo *)data)->ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
			o->tos = *(const uint8_t *)data;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			memcpy(&o->ttl, data, sizeof o->ttl);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			o->dst = ((const struct in6_pktinfo *)data)->ipi6_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
			memcpy(&o->tos, data, sizeof o->tos);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(&o->ttl, data, sizeof o->ttl);
		}
	}
}

static void
ipv4_fix_csum(uint8_t *ip)
{
	uint16_t sum = 0;

	memcpy(ip + 10, &sum, 2);
	sum = csum_fold(csum_partial(ip, (size_t)(ip[0] & 0xf) * 4, 0));
	memcpy(ip + 10, &sum, 2);
}

/* RFC 6040, normal mode: CE in the outer header is copied in (refused if the inner is
 * Not-ECT). */
static bool
inner_ecn(uint8_t *ip, const struct outer *o)
{
	bool v4 = (ip[0] >> 4) == 4;
	int ecn = v4 ? ip[1] & 3 : (ip[1] >> 4) & 3;

	if ((o->tos & 3) != 3)
		return true;
	if (ecn == 0)
		return false;
	if (v4) {
		ip[1] |= 3;
		ipv4_fix_csum(ip);
	} else {
		ip[1] |= 0x30;
	}
	return true;
}

void
lisp_rx_lower_ttl(struct pkt *pkt)
{
	uint8_t *ip = pkt->data + 14;

	if ((ip[0] >> 4) == 4 && pkt->tun.ttl < ip[8]) {
		ip[8] = pkt->tun.ttl;
		ipv4_fix_csum(ip);
	} else if ((ip[0] >> 4) == 6 && pkt->tun.ttl < ip[7]) {
		ip[7] = pkt->tun.ttl;
	}
}

static void
set_tunnel(struct pkt_tunnel *t, const struct in6_addr *src, const struct in6_addr *dst,
	   uint32_t iid)
{
	memset(t, 0, sizeof *t);
	t->id = iid;
	if (IN6_IS_ADDR_V4MAPPED(src)) {
		memcpy(&t->ipv4_src, &src->s6_addr[12], 4);
		memcpy(&t->ipv4_dst, &dst->s6_addr[12], 4);
	} else {
		t->ipv6_src = *src;
		t->ipv6_dst = *dst;
	}
}

/* Turns the datagram in 'pkt' into the Ethernet frame the bridge sees; false with '*why'. */
static bool
decap(struct pkt *pkt, const struct sockaddr_in6 *src, const struct outer *o,
      enum drop_reason *why)
{
	struct lisp_hdr hdr;
	uint32_t inner;
	uint16_t type;
	uint8_t *eth;

	if (!lisp_hdr_parse(pkt->data, pkt->size, &hdr, &inner, &type, why))
		return false;
	pkt_pull(pkt, LISP_HDR_SIZE);
	pkt->size = inner; /* Drop any padding behind the inner packet. */
	if (!inner_ecn(pkt->data, o)) {
		*why = DROP_LISP_ECN;
		return false;
	}
	eth = pkt_push(pkt, 14);
	memcpy(eth, lisp_fake_mac, 6);
	memcpy(eth + 6, lisp_fake_mac, 6);
	eth[12] = (uint8_t)(type >> 8);
	eth[13] = (uint8_t)type;
	set_tunnel(&pkt->tun, &src->sin6_addr, &o->dst, hdr.flags & LISP_F_I ? hdr.iid : 0);
	pkt->tun.ttl = (uint8_t)o->ttl;
	return true;
}

int
lisp_rx_recv(struct lisp_rx *rx, struct pkt_batch *batch, uint64_t drops[N_DROP_REASONS])
{
	int room = PKT_BATCH - batch->count, n, k = batch->count;

	if (room <= 0)
		return 0;
	for (int i = 0; i < room; i++) {
		struct pkt *pkt = batch->pkts[batch->count + i];
		struct msghdr *mh = &rx->msgs[i].msg_hdr;

		pkt_reset(pkt);
		rx->iov[i] = (struct iovec){ pkt->data, PKT_MAX_SIZE - 14 };
		*mh = (struct msghdr){ .msg_name = &rx->src[i], .msg_namelen = sizeof rx->src[i],
				       .msg_iov = &rx->iov[i], .msg_iovlen = 1,
				       .msg_control = rx->cmsg[i], .msg_controllen = CMSG_SIZE };
	}
	n = recvmmsg(rx->fd, rx->msgs, (unsigned int)room, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		int j = batch->count + i;
		struct pkt *pkt = batch->pkts[j];
		enum drop_reason why;
		struct outer o;

		pkt->size = rx->msgs[i].msg_len;
		read_cmsgs(&rx->msgs[i].msg_hdr, &o);
		if (!decap(pkt, &rx->src[i], &o, &why)) {
			drops[why]++;
			continue;
		}
		/* Keep accepted packets together at the front of the batch. */
		batch->pkts[j] = batch->pkts[k];
		batch->pkts[k++] = pkt;
	}
	batch->count = k;
	return n;
}

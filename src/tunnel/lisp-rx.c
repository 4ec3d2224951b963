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
#include "lisp-cfg.h"
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
lisp_rx_find(uint16_t port)
{
	struct lisp_rx *rx;

	for (rx = receivers; rx && rx->port != port; rx = rx->next)
		continue;
	return rx;
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
read_cmsgs(struct msghdr *mh, struct lisp_outer *o)
{
	o->ttl = 255;
	o->tos = 0;
	memset(&o->dst, 0, sizeof o->dst);
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
inner_ecn(uint8_t *ip, const struct lisp_outer *o)
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

bool
lisp_rx_decap(struct pkt *pkt, const struct lisp_outer *o, enum drop_reason *why)
{
	struct lisp_hdr hdr;
	uint32_t inner;
	uint16_t type;
	uint8_t *eth;

	if (!lisp_hdr_parse(pkt->data, pkt->size, &hdr, &inner, &type, why))
		return false;
	pkt_pull(pkt, LISP_HDR_SIZE);
	pkt->size = inner; /* Drop any padding behind the inner packet. */
	/* Offload offsets count from the front, where an Ethernet header replaces LISP's. */
	if (pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		pkt->vnet.csum_start = (uint16_t)(pkt->vnet.csum_start + 14 - LISP_HDR_SIZE);
	if (pkt->vnet.hdr_len)
		pkt->vnet.hdr_len = (uint16_t)(pkt->vnet.hdr_len + 14 - LISP_HDR_SIZE);
	if (!inner_ecn(pkt->data, o)) {
		*why = DROP_LISP_ECN;
		return false;
	}
	eth = pkt_push(pkt, 14);
	memcpy(eth, lisp_fake_mac, 6);
	memcpy(eth + 6, lisp_fake_mac, 6);
	eth[12] = (uint8_t)(type >> 8);
	eth[13] = (uint8_t)type;
	set_tunnel(&pkt->tun, &o->src, &o->dst, hdr.flags & LISP_F_I ? hdr.iid : 0);
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
		struct lisp_outer o;

		pkt->size = rx->msgs[i].msg_len;
		o.src = rx->src[i].sin6_addr;
		read_cmsgs(&rx->msgs[i].msg_hdr, &o);
		if (!lisp_rx_decap(pkt, &o, &why)) {
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

/* Checks the UDP checksum like the kernel: zero means none (over IPv6 too, RFC 6935). */
static bool
udp_csum_ok(const struct pkt *pkt, const uint8_t *ip, const uint8_t *udp, uint32_t size)
{
	uint8_t pseudo[8] = { 0, 0, (uint8_t)(size >> 8), (uint8_t)size, 0, 0, 0, IPPROTO_UDP };
	uint32_t acc;

	if ((!udp[6] && !udp[7]) ||
	    (pkt->vnet.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)))
		return true;
	acc = (ip[0] >> 4) == 4 ? csum_partial(ip + 12, 8, 0) : csum_partial(ip + 8, 32, 0);
	acc = csum_partial(pseudo, 8, acc);
	return csum_fold(csum_partial(udp, size, acc)) == 0;
}

static bool
parse_ip(const uint8_t *ip, uint32_t room, struct lisp_outer *o, uint32_t *hdr, uint32_t *len)
{
	if ((ip[0] >> 4) == 4) {
		if (room < 28 || ip[0] != 0x45 || ip[9] != IPPROTO_UDP || (ip[6] & 0x3f) || ip[7] ||
		    csum_fold(csum_partial(ip, 20, 0)))
			return false;
		*hdr = 20;
		*len = (uint32_t)(ip[2] << 8 | ip[3]);
		lisp_v4_mapped(&o->src, 0);
		memcpy(&o->src.s6_addr[12], ip + 12, 4);
		lisp_v4_mapped(&o->dst, 0);
		memcpy(&o->dst.s6_addr[12], ip + 16, 4);
		o->tos = ip[1];
		o->ttl = ip[8];
		return *len >= 28 && *len <= room;
	}
	if ((ip[0] >> 4) != 6 || room < 48 || ip[6] != IPPROTO_UDP)
		return false;
	*hdr = 40;
	*len = 40u + (uint32_t)(ip[4] << 8 | ip[5]);
	memcpy(&o->src, ip + 8, 16);
	memcpy(&o->dst, ip + 24, 16);
	o->tos = (ip[0] & 0x0f) << 4 | ip[1] >> 4;
	o->ttl = ip[7];
	return *len >= 48 && *len <= room;
}

bool
lisp_rx_parse_frame(const struct pkt *pkt, struct lisp_outer *o, uint16_t *udp, uint32_t *payload)
{
	const uint8_t *ip = pkt->data + 14, *u;
	uint32_t hdr, len, ulen;

	bool gso = (pkt->vnet.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_UDP_L4;

	/* Only a GSO packet made on this host, or checked on the way in, is believed. */
	if (pkt->size < 14 + 28 ||
	    (pkt->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE &&
	     !(gso && (pkt->vnet.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM |
					  VIRTIO_NET_HDR_F_DATA_VALID)))) ||
	    !((pkt->data[12] == 0x08 && pkt->data[13] == 0x00) ||
	      (pkt->data[12] == 0x86 && pkt->data[13] == 0xdd)) ||
	    !parse_ip(ip, pkt->size - 14, o, &hdr, &len))
		return false;
	u = ip + hdr;
	ulen = (uint32_t)(u[4] << 8 | u[5]);
	if (ulen != len - hdr || !udp_csum_ok(pkt, ip, u, ulen))
		return false;
	*udp = (uint16_t)(u[2] << 8 | u[3]);
	*payload = 14 + hdr + 8;
	return true;
}

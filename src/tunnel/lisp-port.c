/*
 * The "lisp" port: a layer-3 port whose output is encapsulated in UDP + LISP (RFC 9300) and sent
 * to the remote RLOC through the kernel. The kernel builds the outer IP header and routes it by
 * the host's own routing table and neighbour cache, so a router between hypervisors, or a
 * neighbour not yet resolved, needs nothing from us; in README-lisp's setup the route leads out
 * of the bridge's internal port, so the outer packet re-enters the bridge there and its flows
 * (NORMAL) take it to the uplink. Receiving is lisp-rx.c's job.
 *
 * Packets are queued per address family and sent with one sendmmsg() per flush.
 *
 * The direct path: when the route to the remote RLOC leads out of this bridge's own internal
 * port and the kernel's neighbour table has the next hop's address (route.h), the port builds
 * the whole frame itself (Ethernet from the internal port to the next hop, IP, UDP, LISP) and
 * hands it back to the bridge as if the host had sent it there: one trip through the pipeline,
 * none through the kernel. Anything else (another interface, a neighbour not yet resolved or
 * not confirmed lately) goes through the kernel as above, which also keeps the neighbour fresh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hash.h"
#include "lisp-cfg.h"
#include "lisp-dp.h"
#include "lisp-port.h"
#include "lisp-rx.h"
#include "lisp-xtr.h"
#include "log.h"
#include "csum.h"
#include "route.h"
#include "netdev.h"
#include "pkt-gso.h"
#include "pkt.h"
#include "util.h"

/* Source ports: a hash of the inner flow in the range OVS used, for ECMP in the underlay. */
#define SPORT_BASE 32768
#define SPORT_RANGE (61000 - SPORT_BASE)
#define CMSG_SPACE_ALL (CMSG_SPACE(sizeof(int)) * 2 + CMSG_SPACE(sizeof(struct in6_pktinfo)))

struct tx_slot {
	struct pkt *pkt;                 /* UDP header onwards. */
	struct sockaddr_in6 dst6;
	struct sockaddr_in dst4;
	struct iovec iov;
	uint8_t cmsg[CMSG_SPACE_ALL];
};

struct txq {
	int fd;                          /* Raw UDP socket of one family. */
	struct tx_slot slots[PKT_BATCH];
	struct mmsghdr msgs[PKT_BATCH];
	unsigned int n;
};

/* Path MTU towards one remote RLOC, as the kernel knows it (route MTU and learned PMTU). */
struct mtu_entry {
	struct in6_addr dst;
	int mtu;                         /* Of the outer packet. */
	int64_t expires_ms;
};

#define MTU_CACHE_SIZE 16
#define MTU_CACHE_MS 5000

/* Route and neighbour towards one remote RLOC, asked of the kernel at most once a second. */
struct hop_entry {
	struct in6_addr dst;
	struct route_hop hop;
	bool ok;                         /* route_lookup() succeeded. */
	int64_t expires_ms;
};

#define HOP_CACHE_SIZE 16
#define HOP_CACHE_MS 1000
/* A hop not usable yet (no route or neighbour): the kernel path resolves it, then we look again
 * soon, not a whole HOP_CACHE_MS later. */
#define HOP_RETRY_MS 50

struct netdev_lisp {
	struct netdev up;
	struct mtu_entry mtus[MTU_CACHE_SIZE];  /* Small: one entry per remote in use. */
	struct hop_entry hops[HOP_CACHE_SIZE];
	struct pkt_batch inject;         /* Frames for the direct path (up.inject points here). */
	uint16_t ip_id;                  /* IPv4 identification of direct-path packets. */
	struct lisp_cfg cfg;
	struct lisp_rx *rx;              /* The receiver of its UDP port (shared). */
	struct txq q4, q6;
	struct pkt *scratch;             /* For GSO segments. */
	struct lisp_xtr *xtr;            /* Control plane and map-cache. */
	bool kernel_only;                /* Send through the kernel: no direct path. */
	struct lisp_tx_paths paths;
};

/* Where and how one packet goes. */
struct tx_meta {
	bool v6;
	struct in6_addr dst, src;        /* v4-mapped for IPv4; 'src' zero: kernel's choice. */
	uint32_t iid;
};

static struct netdev_lisp *
lisp_cast(struct netdev *dev)
{
	return CONTAINER_OF(dev, struct netdev_lisp, up);
}

static int
lisp_validate(const struct kv *options, size_t n, char *err, size_t err_size)
{
	struct lisp_cfg cfg;

	return lisp_cfg_parse(options, n, &cfg, err, err_size);
}

/* A raw socket only for sending: a filter that accepts nothing keeps its receive queue empty. */
static int
raw_socket(int family)
{
	static struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { 1, &drop_all };
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
setup_sockets(struct netdev_lisp *d)
{
	int pmtu = d->cfg.df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT, on = 1, off = 0, csum_off = 6;

	d->q4.fd = raw_socket(AF_INET);
	d->q6.fd = raw_socket(AF_INET6);
	if (d->q4.fd < 0 || d->q6.fd < 0 ||
	    setsockopt(d->q4.fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu) < 0 ||
	    setsockopt(d->q6.fd, IPPROTO_IPV6, IPV6_DONTFRAG, d->cfg.df ? &on : &off, sizeof on) < 0 ||
	    (d->cfg.csum6 &&
	     setsockopt(d->q6.fd, IPPROTO_IPV6, IPV6_CHECKSUM, &csum_off, sizeof csum_off) < 0))
		return -errno;
	return 0;
}

static void
lisp_close(struct netdev *dev, bool destroy UNUSED)
{
	struct netdev_lisp *d = lisp_cast(dev);

	for (int i = 0; i < PKT_BATCH; i++) {
		pkt_free(d->q4.slots[i].pkt);
		pkt_free(d->q6.slots[i].pkt);
		pkt_free(d->inject.pkts[i]);
	}
	lisp_xtr_destroy(d->xtr);
	if (d->rx)
		lisp_rx_put(d->rx);
	if (d->q4.fd >= 0)
		close(d->q4.fd);
	if (d->q6.fd >= 0)
		close(d->q6.fd);
	pkt_free(d->scratch);
	free(d);
}

static int
lisp_open(const char *name, const struct netdev_args *args, struct netdev **out)
{
	struct netdev_lisp *d = xcalloc(1, sizeof *d);
	char err[256];
	int e;

	d->up.class = &netdev_lisp_class;
	d->up.fd = -1;  /* Receiving is shared per UDP port: see lisp-rx.c. */
	d->q4.fd = d->q6.fd = -1;
	str_copy(d->up.name, name, sizeof d->up.name);
	for (int i = 0; i < PKT_BATCH; i++) {
		d->q4.slots[i].pkt = pkt_alloc();
		d->q6.slots[i].pkt = pkt_alloc();
		d->inject.pkts[i] = pkt_alloc();
	}
	d->up.inject = &d->inject;
	d->scratch = pkt_alloc();
	if (lisp_cfg_parse(args->options, args->n_options, &d->cfg, err, sizeof err) < 0) {
		e = -EINVAL;
		goto fail;
	}
	if ((e = setup_sockets(d)) || !(d->rx = lisp_rx_get(d->cfg.dst_port, &e)))
		goto fail;
	d->xtr = lisp_xtr_create(&d->up, &d->cfg);
	*out = &d->up;
	return 0;
fail:
	lisp_close(&d->up, false);
	return e;
}

const struct lisp_cfg *
lisp_port_cfg(const struct netdev *dev)
{
	return &CONTAINER_OF(dev, const struct netdev_lisp, up)->cfg;
}

struct lisp_xtr *
lisp_port_xtr(const struct netdev *dev)
{
	return CONTAINER_OF(dev, const struct netdev_lisp, up)->xtr;
}

const struct lisp_tx_paths *
lisp_port_tx_paths(const struct netdev *dev)
{
	return &CONTAINER_OF(dev, const struct netdev_lisp, up)->paths;
}

/* The instance ID the packet goes in (may be out of range: tx_meta_fill checks). */
static uint64_t
tx_iid(const struct netdev_lisp *d, const struct pkt *pkt)
{
	return d->cfg.out_key == LISP_FROM_FLOW ? pkt->tun.id : (uint64_t)d->cfg.out_key;
}

/* Whether the port or the packet's flow says where it goes (else the map-cache does). */
static bool
has_tunnel_dst(const struct netdev_lisp *d, const struct pkt *pkt)
{
	return d->cfg.remote.set || pkt->tun.ipv4_dst ||
	       !IN6_IS_ADDR_UNSPECIFIED(&pkt->tun.ipv6_dst);
}

/*
 * Decides destination, source and instance ID from the port and the packet's tunnel fields;
 * 'mapped' is the destination the map-cache gave when they have none.
 */
static bool
tx_meta_fill(const struct netdev_lisp *d, const struct pkt *pkt, const struct in6_addr *mapped,
	     struct tx_meta *m, enum drop_reason *why)
{
	const struct pkt_tunnel *t = &pkt->tun;
	uint64_t iid = tx_iid(d, pkt);

	memset(m, 0, sizeof *m);
	if (d->cfg.remote.set)
		m->dst = d->cfg.remote.addr;
	else if (t->ipv4_dst)
		lisp_v4_mapped(&m->dst, t->ipv4_dst);
	else if (!IN6_IS_ADDR_UNSPECIFIED(&t->ipv6_dst))
		m->dst = t->ipv6_dst;
	else if (mapped)
		m->dst = *mapped;
	else
		return (*why = DROP_NO_TUNNEL_DST), false;
	m->v6 = !lisp_addr_is_v4(&m->dst);
	if (d->cfg.local.set)
		m->src = d->cfg.local.addr;
	else if (d->cfg.local.flow && t->ipv4_src)
		lisp_v4_mapped(&m->src, t->ipv4_src);
	else if (d->cfg.local.flow)
		m->src = t->ipv6_src;
	if (!IN6_IS_ADDR_UNSPECIFIED(&m->src) && lisp_addr_is_v4(&m->src) == m->v6)
		return (*why = DROP_TUNNEL_FAMILY), false;
	if (iid > LISP_IID_MAX)
		return (*why = DROP_KEY_RANGE), false;
	m->iid = (uint32_t)iid;
	return true;
}

/* The inner flow's hash: addresses, protocol and ports, for the UDP source port. */
static uint16_t
inner_sport(const uint8_t *ip, uint32_t size)
{
	uint32_t h = 0, l4;
	uint8_t proto;

	if ((ip[0] >> 4) == 4) {
		h = hash_bytes(ip + 12, 8, 0);
		proto = ip[9];
		l4 = (uint32_t)(ip[0] & 0xf) * 4;
	} else {
		h = hash_bytes(ip + 8, 32, 0);
		proto = ip[6];
		l4 = 40;
	}
	h = hash_add(h, proto);
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) && size >= l4 + 4)
		h = hash_add(h, (uint32_t)ip[l4] << 24 | (uint32_t)ip[l4 + 1] << 16 |
				(uint32_t)ip[l4 + 2] << 8 | ip[l4 + 3]);
	return (uint16_t)(SPORT_BASE + hash_finish(h, 4) % SPORT_RANGE);
}

/* Appends one control message; '*len' counts the bytes used so far. */
static struct cmsghdr *
add_cmsg(struct msghdr *mh, struct cmsghdr *c, size_t *len, int level, int type, const void *data,
	 size_t size)
{
	struct cmsghdr *next = c ? CMSG_NXTHDR(mh, c) : CMSG_FIRSTHDR(mh);

	/* The buffer is sized for every message this file adds: no room is a bug, not input. */
	if (!next)
		abort();
	c = next;
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(size);
	memcpy(CMSG_DATA(c), data, size);
	*len += CMSG_SPACE(size);
	return c;
}

/* Outer TTL and TOS per the port's options; ECN always copied from the inner (RFC 6040). */
static void
outer_ttl_tos(const struct lisp_cfg *cfg, const uint8_t *ip, int *ttl, int *tos)
{
	bool v4 = (ip[0] >> 4) == 4;
	int inner_ttl = v4 ? ip[8] : ip[7];
	int inner_tos = v4 ? ip[1] : ((ip[0] & 0xf) << 4 | ip[1] >> 4);

	*ttl = cfg->ttl < 0 ? inner_ttl : cfg->ttl;
	*tos = ((cfg->tos < 0 ? inner_tos : cfg->tos) & 0xfc) | (inner_tos & 0x03);
}

static void
fill_msg(struct txq *q, const struct tx_meta *m, int ttl, int tos)
{
	struct tx_slot *s = &q->slots[q->n];
	struct msghdr *mh = &q->msgs[q->n].msg_hdr;
	struct cmsghdr *c = NULL;
	size_t len = 0;

	memset(mh, 0, sizeof *mh);
	s->iov = (struct iovec){ s->pkt->data, s->pkt->size };
	mh->msg_iov = &s->iov;
	mh->msg_iovlen = 1;
	mh->msg_control = s->cmsg;
	mh->msg_controllen = sizeof s->cmsg;
	if (m->v6) {
		s->dst6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_addr = m->dst };
		mh->msg_name = &s->dst6;
		mh->msg_namelen = sizeof s->dst6;
		c = add_cmsg(mh, c, &len, IPPROTO_IPV6, IPV6_HOPLIMIT, &ttl, sizeof ttl);
		c = add_cmsg(mh, c, &len, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
		if (!IN6_IS_ADDR_UNSPECIFIED(&m->src))
			add_cmsg(mh, c, &len, IPPROTO_IPV6, IPV6_PKTINFO,
				     &(struct in6_pktinfo){ .ipi6_addr = m->src },
				     sizeof(struct in6_pktinfo));
	} else {
		s->dst4 = (struct sockaddr_in){ .sin_family = AF_INET };
		memcpy(&s->dst4.sin_addr, &m->dst.s6_addr[12], 4);
		mh->msg_name = &s->dst4;
		mh->msg_namelen = sizeof s->dst4;
		c = add_cmsg(mh, c, &len, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
		c = add_cmsg(mh, c, &len, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
		if (!IN6_IS_ADDR_UNSPECIFIED(&m->src)) {
			struct in_pktinfo pi = { 0 };

			memcpy(&pi.ipi_spec_dst, &m->src.s6_addr[12], 4);
			add_cmsg(mh, c, &len, IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi);
		}
	}
	mh->msg_controllen = len;
	q->n++;
}

static void txq_flush(struct netdev_lisp *d, struct txq *q);

/* The next hop for the direct path to 'm->dst', or NULL if the kernel must send. */
static const struct route_hop *
direct_hop(struct netdev_lisp *d, const struct tx_meta *m)
{
	const struct netdev *local = d->up.bridge_local;
	struct hop_entry *e, *slot = &d->hops[0];
	int64_t now;

	if (!local || d->kernel_only || d->inject.count == PKT_BATCH)
		return NULL;
	now = time_msec_coarse();
	for (e = d->hops; e < d->hops + HOP_CACHE_SIZE; e++) {
		if (!memcmp(&e->dst, &m->dst, sizeof m->dst) && e->expires_ms > now)
			goto found;
		if (e->expires_ms < slot->expires_ms)
			slot = e;
	}
	e = slot;
	e->dst = m->dst;
	e->ok = route_lookup(&m->dst, &e->hop) == 0;
	e->expires_ms = now + (e->ok && e->hop.resolved ? HOP_CACHE_MS : HOP_RETRY_MS);
found:
	/* A stale neighbour goes through the kernel once, which makes it confirm the address. */
	if (!e->ok || !e->hop.resolved || e->hop.oif != local->ifindex)
		return NULL;
	if (e->hop.stale) {
		e->expires_ms = 0;
		return NULL;
	}
	return &e->hop;
}

/* Puts IP and Ethernet in front of the UDP datagram in 'out', for the direct path. */
static void
push_outer(struct netdev_lisp *d, struct pkt *out, const struct tx_meta *m,
	   const struct route_hop *hop, int ttl, int tos)
{
	const struct in6_addr *src = IN6_IS_ADDR_UNSPECIFIED(&m->src) ? &hop->src : &m->src;
	uint32_t udp_size = out->size;
	uint8_t *ip, *eth;

	/* PKT_HEADROOM leaves room for every header pushed here. */
	_Static_assert(PKT_HEADROOM >= 14 + 40 + 8 + LISP_HDR_SIZE, "headroom for outer headers");

	if (m->v6) {
		uint32_t flow = hash_bytes(out->data, 2, 0) & 0xfffff; /* By source port (RFC 6438). */

		ip = pkt_push(out, 40);
		if (!ip)
			return;
		ip[0] = (uint8_t)(0x60 | tos >> 4);
		ip[1] = (uint8_t)((tos & 0x0f) << 4 | flow >> 16);
		ip[2] = (uint8_t)(flow >> 8);
		ip[3] = (uint8_t)flow;
		ip[4] = (uint8_t)(udp_size >> 8);
		ip[5] = (uint8_t)udp_size;
		ip[6] = IPPROTO_UDP;
		ip[7] = (uint8_t)ttl;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, &m->dst, 16);
		if (d->cfg.csum6 && out->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE)
			pkt_l4_csum(ip, ip + 40, udp_size, IPPROTO_UDP);
	} else {
		uint16_t len = htons((uint16_t)(udp_size + 20)), id = htons(d->ip_id++), sum;

		ip = pkt_push(out, 20);
		if (!ip)
			return;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[1] = (uint8_t)tos;
		memcpy(ip + 2, &len, 2);
		memcpy(ip + 4, &id, 2);
		ip[6] = d->cfg.df ? 0x40 : 0;
		ip[8] = (uint8_t)ttl;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, &src->s6_addr[12], 4);
		memcpy(ip + 16, &m->dst.s6_addr[12], 4);
		sum = csum_fold(csum_partial(ip, 20, 0));
		memcpy(ip + 10, &sum, 2);
	}
	eth = pkt_push(out, 14);
	if (!eth)
		return;
	memcpy(eth, hop->mac, 6);
	memcpy(eth + 6, d->up.bridge_local->mac, 6);
	eth[12] = m->v6 ? 0x86 : 0x08;
	eth[13] = m->v6 ? 0xdd : 0x00;
}

/* Encapsulates one complete (non-GSO) Ethernet frame into the next slot of its queue. */
static void
queue_one(struct netdev_lisp *d, const struct pkt *pkt, const struct tx_meta *m)
{
	struct txq *q = m->v6 ? &d->q6 : &d->q4;
	const struct route_hop *hop = direct_hop(d, m);
	struct pkt *out = hop ? d->inject.pkts[d->inject.count] : q->slots[q->n].pkt;
	uint16_t ethertype, udp[4];
	uint32_t l3 = pkt_l3_offset(pkt, &ethertype);
	int ttl, tos;

	pkt_reset(out);
	memcpy(out->data, pkt->data + l3, pkt->size - l3);
	out->size = pkt->size - l3;
	if (pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		out->vnet = pkt->vnet;
		out->vnet.csum_start = (uint16_t)(out->vnet.csum_start - l3);
		pkt_offload_csum(out);
	}
	outer_ttl_tos(&d->cfg, out->data, &ttl, &tos);
	udp[0] = htons(inner_sport(out->data, out->size));
	udp[1] = htons(d->cfg.dst_port);
	udp[2] = htons((uint16_t)(out->size + 16));
	udp[3] = 0;
	lisp_hdr_write(pkt_push(out, LISP_HDR_SIZE), m->iid);
	memcpy(pkt_push(out, 8), udp, 8);
	netdev_tap_outer(&d->up, &(struct netdev_tap_outer){ out->data, out->size, m->v6,
							     hop && IN6_IS_ADDR_UNSPECIFIED(&m->src) ?
							     &hop->src : &m->src, &m->dst,
							     ttl, tos });
	if (hop) {
		d->up.stats.tx_packets++;
		d->up.stats.tx_bytes += out->size - 16;
		d->paths.direct++;
		push_outer(d, out, m, hop, ttl, tos);
		d->inject.count++;
		return;
	}
	fill_msg(q, m, ttl, tos);
	d->up.tx_pending = true;
	if (q->n == PKT_BATCH)
		txq_flush(d, q);
}

struct gso_ctx {
	struct netdev_lisp *d;
	const struct tx_meta *m;
};

/* GSO through the kernel: each segment a datagram of its own. */
static void
queue_segment(struct pkt *seg, void *aux)
{
	struct gso_ctx *ctx = aux;

	queue_one(ctx->d, seg, ctx->m);
}

/*
 * GSO on the direct path. Rather than a frame per segment, the segments, each behind its own
 * LISP header, are laid end to end as the payload of one UDP datagram in one frame, which the
 * kernel cuts into datagrams of exactly one segment each (UDP segmentation, virtio UDP_L4):
 * on the wire the same packets as the per-segment path, but a 64 KiB TCP packet costs the
 * switch one or two frames. The difference: UDP segmentation needs the outer UDP checksum,
 * which is then correct rather than zero (RFC 9300 section 5.3 allows either). A device that
 * cannot take the frame as it is gets it cut in software before its driver.
 */
struct gso_batch {
	struct netdev_lisp *d;
	const struct tx_meta *m;
	const struct route_hop *hop;
	struct pkt_gso_iter it;
	uint32_t seg_size;          /* UDP payload of a full segment. */
	uint32_t max_segs;          /* Segments per frame. */
	uint16_t sport;
	int ttl, tos;
};

/* Datagrams a kernel cuts one UDP GSO packet into at most (64 before Linux 6.9, then 128). */
#define UDP_GSO_MAX_SEGS 64

/* Puts UDP, IP and Ethernet in front of 'n_segs' segments in 'out', and queues it. */
static void
gso_frame_finish(const struct gso_batch *b, struct pkt *out, uint32_t n_segs)
{
	struct netdev_lisp *d = b->d;
	uint32_t ip_size = b->m->v6 ? 40 : 20;
	uint16_t udp[4] = { htons(b->sport), htons(d->cfg.dst_port),
			    htons((uint16_t)(out->size + 8)), 0 };

	memcpy(pkt_push(out, 8), udp, 8);
	if (n_segs > 1)
		out->vnet = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
						     .gso_type = VIRTIO_NET_HDR_GSO_UDP_L4,
						     .gso_size = (uint16_t)b->seg_size,
						     .csum_start = (uint16_t)(14 + ip_size),
						     .csum_offset = 6,
						     .hdr_len = (uint16_t)(14 + ip_size + 8) };
	push_outer(d, out, b->m, b->hop, b->ttl, b->tos);
	if (n_segs > 1) {
		udp[3] = pkt_pseudo_csum(out->data + 14, out->size - 14 - ip_size, IPPROTO_UDP);
		memcpy(out->data + 14 + ip_size + 6, &udp[3], 2);
		/* Each datagram the kernel cuts gets the next IPv4 identification. */
		d->ip_id = (uint16_t)(d->ip_id + n_segs - 1);
	}
	d->inject.count++;
}

/* Fills one frame with up to max_segs segments (at least one is left). */
static void
gso_frame_fill(struct gso_batch *b)
{
	struct netdev_lisp *d = b->d;
	struct pkt *out = d->inject.pkts[d->inject.count];
	uint32_t n = 0, size;

	pkt_reset(out);
	while (n < b->max_segs &&
	       (size = pkt_gso_next(&b->it, b->it.l3, out->data + out->size + LISP_HDR_SIZE))) {
		lisp_hdr_write(out->data + out->size, b->m->iid);
		out->size += LISP_HDR_SIZE + size;
		d->up.stats.tx_packets++;
		d->up.stats.tx_bytes += size;
		n++;
	}
	d->paths.direct += n;
	gso_frame_finish(b, out, n);
}

/*
 * Sets up 'b' for 'pkt'; false if the direct path cannot take it: no direct hop, too little
 * room in the injection batch, a capture running (it shows datagrams one by one), or segments
 * too large to share a frame. '*bad': not a TCP GSO packet at all.
 */
static bool
gso_batch_init(struct gso_batch *b, struct netdev_lisp *d, const struct pkt *pkt,
	       const struct tx_meta *m, bool *bad)
{
	uint32_t room = 65535 - 8 - (m->v6 ? 0 : 20), segs, frames;

	*b = (struct gso_batch){ .d = d, .m = m };
	if ((*bad = !pkt_gso_start(pkt, &b->it)))
		return false;
	b->seg_size = LISP_HDR_SIZE + b->it.hdr - b->it.l3 + b->it.mss;
	b->max_segs = MIN(room / b->seg_size, UDP_GSO_MAX_SEGS);
	segs = pkt_gso_count(&b->it);
	frames = b->max_segs ? (segs + b->max_segs - 1) / b->max_segs : 0;
	if (d->up.tap || b->max_segs < 2 || !(b->hop = direct_hop(d, m)) ||
	    d->inject.count + frames > PKT_BATCH)
		return false;
	outer_ttl_tos(&d->cfg, pkt->data + b->it.l3, &b->ttl, &b->tos);
	b->sport = inner_sport(pkt->data + b->it.l3, pkt->size - b->it.l3);
	return true;
}

static bool
send_gso(struct netdev_lisp *d, const struct pkt *pkt, const struct tx_meta *m)
{
	struct gso_ctx ctx = { d, m };
	struct gso_batch b;
	bool bad;

	if (!gso_batch_init(&b, d, pkt, m, &bad))
		return !bad && pkt_gso_segment(pkt, d->scratch, queue_segment, &ctx);
	while (pkt_gso_more(&b.it))
		gso_frame_fill(&b);
	return true;
}

static void
lisp_send(struct netdev *dev, const struct pkt *pkt)
{
	struct netdev_lisp *d = lisp_cast(dev);
	struct in6_addr mapped, *rloc = NULL;
	enum drop_reason why;
	struct tx_meta m;
	uint16_t ethertype;
	uint32_t l3 = pkt_l3_offset(pkt, &ethertype);

	if (!l3) {
		dev->drops[DROP_L3_NON_IP]++;
		return;
	}
	if (!has_tunnel_dst(d, pkt) && tx_iid(d, pkt) <= LISP_IID_MAX) {
		uint32_t hash = inner_sport(pkt->data + l3, pkt->size - l3);

		switch (lisp_xtr_resolve(d->xtr, pkt, l3, (uint32_t)tx_iid(d, pkt), hash, &mapped,
					 &why)) {
		case XTR_SEND:
			rloc = &mapped;
			break;
		case XTR_QUEUED:
			return;
		case XTR_DROP:
			dev->drops[why]++;
			return;
		}
	}
	if (!tx_meta_fill(d, pkt, rloc, &m, &why)) {
		dev->drops[why]++;
		return;
	}
	if (pkt->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		if (!send_gso(d, pkt, &m))
			dev->drops[DROP_GSO]++;
		return;
	}
	queue_one(d, pkt, &m);
}

static void
txq_flush(struct netdev_lisp *d, struct txq *q)
{
	unsigned int sent = 0;

	while (sent < q->n) {
		int r = sendmmsg(q->fd, &q->msgs[sent], q->n - sent, MSG_DONTWAIT);

		if (r > 0) {
			for (unsigned int i = sent; i < sent + (unsigned int)r; i++) {
				d->up.stats.tx_packets++;
				d->up.stats.tx_bytes += q->slots[i].pkt->size - 16;
			}
			d->paths.kernel += (uint64_t)r;
			sent += (unsigned int)r;
			continue;
		}
		/* The first unsent message failed: count it and go on with the rest. */
		if (errno == EMSGSIZE) {
			/* The path got smaller than we thought: ask the kernel again next time. */
			memset(d->mtus, 0, sizeof d->mtus);
			d->up.drops[DROP_MTU]++;
		}
		else
			d->up.drops[DROP_TUNNEL_TX]++;
		d->up.stats.tx_dropped++;
		sent++;
	}
	q->n = 0;
}

static void
lisp_flush(struct netdev *dev)
{
	struct netdev_lisp *d = lisp_cast(dev);

	dev->tx_pending = false;
	if (d->q4.n)
		txq_flush(d, &d->q4);
	if (d->q6.n)
		txq_flush(d, &d->q6);
}

void
lisp_port_send_now(struct netdev *dev, const struct pkt *pkt)
{
	struct netdev_lisp *d = lisp_cast(dev);

	/* Outside the bridge's turn nobody would pick up direct-path frames: the kernel sends. */
	d->kernel_only = true;
	lisp_send(dev, pkt);
	lisp_flush(dev);
	d->kernel_only = false;
}

/* Asks the kernel for the path MTU to 'dst': a UDP socket connected there knows it. */
static int
kernel_path_mtu(const struct in6_addr *dst, uint16_t port)
{
	bool v4 = lisp_addr_is_v4(dst);
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				    .sin6_addr = *dst };
	struct sockaddr_in sa4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 0;
	socklen_t len = sizeof mtu;

	memcpy(&sa4.sin_addr, &dst->s6_addr[12], 4);
	if (fd < 0)
		return 0;
	if (connect(fd, v4 ? (struct sockaddr *)&sa4 : (struct sockaddr *)&sa6,
		    v4 ? sizeof sa4 : sizeof sa6) < 0 ||
	    getsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_MTU : IPV6_MTU, &mtu, &len) < 0)
		mtu = 0;
	close(fd);
	return mtu;
}

static int
lisp_l3_mtu(struct netdev *dev, const struct pkt *pkt)
{
	struct netdev_lisp *d = lisp_cast(dev);
	int64_t now = time_msec();
	struct mtu_entry *e, *slot = &d->mtus[0];
	struct in6_addr mapped, *rloc = NULL;
	enum drop_reason why;
	struct tx_meta m;
	uint16_t ethertype;
	uint32_t l3 = pkt_l3_offset(pkt, &ethertype);

	if (l3 && !has_tunnel_dst(d, pkt) && tx_iid(d, pkt) <= LISP_IID_MAX &&
	    lisp_xtr_lookup(d->xtr, pkt, l3, (uint32_t)tx_iid(d, pkt),
			    inner_sport(pkt->data + l3, pkt->size - l3), &mapped))
		rloc = &mapped;
	if (!tx_meta_fill(d, pkt, rloc, &m, &why))
		return 0;
	for (e = d->mtus; e < d->mtus + MTU_CACHE_SIZE; e++) {
		if (!memcmp(&e->dst, &m.dst, sizeof m.dst) && e->expires_ms > now)
			goto found;
		if (e->expires_ms < slot->expires_ms)
			slot = e;
	}
	e = slot;
	e->dst = m.dst;
	e->mtu = kernel_path_mtu(&m.dst, d->cfg.dst_port);
	e->expires_ms = now + MTU_CACHE_MS;
found:
	/* What is left for the inner packet after outer IP, UDP and LISP headers. */
	return e->mtu ? e->mtu - (m.v6 ? 40 : 20) - 8 - LISP_HDR_SIZE : 0;
}

static int
lisp_recv(struct netdev *dev UNUSED, struct pkt_batch *batch UNUSED)
{
	return 0;
}

const struct netdev_class netdev_lisp_class = {
	.type = "lisp",
	.l3 = true,
	.validate = lisp_validate,
	.open = lisp_open,
	.close = lisp_close,
	.recv = lisp_recv,
	.send = lisp_send,
	.flush = lisp_flush,
	.l3_mtu = lisp_l3_mtu,
};

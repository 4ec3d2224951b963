/*
 * Packet buffer. A packet owns one allocation: headroom (for headers pushed in front, such as a
 * VLAN tag or a tunnel's outer headers), then the packet bytes. The datapath allocates a fixed
 * pool of them per batch at start and reuses them, so the hot path never calls malloc.
 *
 * 'vnet' carries the offload state exchanged with the kernel (virtio_net_hdr): a packet may
 * arrive with a checksum still to be computed (NEEDS_CSUM) or as one large TCP segment to be cut
 * (GSO). Ports pass it through unchanged when they can; anything that rewrites the packet in a
 * way that breaks that state must call pkt_offload_complete() first.
 */
#ifndef LS_PKT_H
#define LS_PKT_H

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* UDP segmentation (Linux 5.18 headers; older ones lack the name). */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* Room for outer Ethernet + VLAN + IPv6 + UDP + LISP (14 + 4 + 40 + 8 + 8), rounded up. */
#define PKT_HEADROOM 128
/* The largest packet the kernel hands over with GSO, plus its Ethernet and VLAN headers. */
#define PKT_MAX_SIZE (65535 + 18)
/* Packets moved per port per main-loop turn. */
#define PKT_BATCH 32

/*
 * Tunnel metadata: what a packet that came out of a tunnel arrived with, and what a packet going
 * into one is to be sent with (the flow's tun_id/tun_src/tun_dst). Addresses are IPv4
 * (ipv4_*, network order) or IPv6 (ipv6_*); all zero means unset.
 */
struct pkt_tunnel {
	uint64_t id;                 /* Instance ID (host order). */
	uint32_t ipv4_src, ipv4_dst;
	struct in6_addr ipv6_src, ipv6_dst;
	uint8_t ttl;                 /* Received: the outer TTL or hop limit. */
};

struct pkt {
	uint8_t *data;               /* First byte of the packet, inside 'buf'. */
	uint32_t size;               /* Bytes of packet from 'data'. */
	uint32_t in_port;            /* OpenFlow number of the port it entered by. */
	struct virtio_net_hdr vnet;  /* Checksum/GSO work still to do; zero if none. */
	struct pkt_tunnel tun;       /* Tunnel metadata; zero if none. */
	uint32_t capacity;           /* Bytes in 'buf'. */
	uint8_t buf[];               /* Headroom, then packet. */
};

struct pkt_batch {
	struct pkt *pkts[PKT_BATCH];
	int count;
};

struct pkt *pkt_alloc(void);
void pkt_free(struct pkt *pkt);

/* Empties 'pkt', leaving the standard headroom in front. */
static inline void
pkt_reset(struct pkt *pkt)
{
	pkt->data = pkt->buf + PKT_HEADROOM;
	pkt->size = 0;
	pkt->in_port = 0;
	memset(&pkt->vnet, 0, sizeof pkt->vnet);
	memset(&pkt->tun, 0, sizeof pkt->tun);
}

static inline uint32_t
pkt_headroom(const struct pkt *pkt)
{
	return (uint32_t)(pkt->data - pkt->buf);
}

static inline uint32_t
pkt_tailroom(const struct pkt *pkt)
{
	return pkt->capacity - pkt_headroom(pkt) - pkt->size;
}

/* Makes room for 'n' bytes in front and returns it; NULL if the headroom is too small. */
static inline uint8_t *
pkt_push(struct pkt *pkt, uint32_t n)
{
	if (pkt_headroom(pkt) < n)
		return NULL;
	pkt->data -= n;
	pkt->size += n;
	return pkt->data;
}

/* Removes 'n' bytes from the front; false if the packet is shorter. */
static inline bool
pkt_pull(struct pkt *pkt, uint32_t n)
{
	if (pkt->size < n)
		return false;
	pkt->data += n;
	pkt->size -= n;
	return true;
}

/* Inserts a VLAN tag ('tpid', 'tci', both host order) after the MAC addresses. */
bool pkt_vlan_push(struct pkt *pkt, uint16_t tpid, uint16_t tci);
/* Removes the outermost VLAN tag, if any; false if there was none. */
bool pkt_vlan_pop(struct pkt *pkt);

/*
 * Does in software what 'vnet' asks of the kernel: fills in a pending checksum. GSO packets are
 * left to the caller (segmentation lands with the first output that cannot take them).
 */
void pkt_offload_csum(struct pkt *pkt);

#endif

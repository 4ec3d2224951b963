/*
 * Software segmentation for packets that arrive as one large TCP segment (GSO, from a VM or the
 * host with TSO on) and must leave through a port that cannot take them as such: a tunnel, whose
 * outer headers the kernel will not segment for us. Each segment is a complete packet, with IP
 * lengths, IPv4 IDs, TCP sequence numbers, flags and checksums computed.
 */
#ifndef LS_PKT_GSO_H
#define LS_PKT_GSO_H

#include <stdbool.h>
#include "pkt.h"

/* Cutting one TCP GSO packet into segments, one at a time. */
struct pkt_gso_iter {
	const struct pkt *pkt;
	uint32_t l3, l4, hdr;      /* Offsets of the IP and TCP headers and of the payload. */
	uint32_t mss;              /* TCP payload per segment. */
	uint32_t seq;              /* Of the first segment (host order). */
	/* Payload offset of the next segment; past the end once all are out. A packet of headers
	 * only is one segment of headers only (off == pkt->size at first). */
	uint32_t off;
	uint32_t n;                /* Segments written so far. */
};

/* Starts cutting 'pkt'; false if it is not a TCP GSO packet over Ethernet/IPv4/IPv6 with sane
 * headers. */
bool pkt_gso_start(const struct pkt *pkt, struct pkt_gso_iter *it);
/* Whether segments are left to write. */
static inline bool
pkt_gso_more(const struct pkt_gso_iter *it)
{
	return it->off <= it->pkt->size;
}

/* How many segments the packet makes in all. */
static inline uint32_t
pkt_gso_count(const struct pkt_gso_iter *it)
{
	uint32_t payload = it->pkt->size - it->hdr;

	return payload ? (payload + it->mss - 1) / it->mss : 1;
}

/* How many packets 'pkt' is on the wire: its segments if it is a TCP GSO packet, else 1. */
uint32_t pkt_wire_count(const struct pkt *pkt);

/*
 * Writes the next segment, complete (lengths, IPv4 ID, sequence number, flags, checksums), from
 * byte 'from' of the frame on (0: with the link header; it->l3: the IP packet) to 'dst', which
 * has room for it->hdr - from + it->mss bytes. Returns its size, 0 once all are written.
 */
uint32_t pkt_gso_next(struct pkt_gso_iter *it, uint32_t from, uint8_t *dst);

/*
 * Calls 'emit(seg, aux)' for each segment of 'pkt', built in 'scratch' (reused between calls,
 * so 'emit' must consume it at once). Returns false, emitting nothing, if 'pkt' is not a TCP
 * GSO packet over Ethernet/IPv4/IPv6 with sane headers.
 */
bool pkt_gso_segment(const struct pkt *pkt, struct pkt *scratch,
		     void (*emit)(struct pkt *seg, void *aux), void *aux);

/*
 * The inverse of pkt_gso_segment, for the payload of a UDP GSO datagram ('size' bytes at 'data')
 * that the kernel would cut into chunks of 'chunk' bytes, each 'encap' bytes of tunnel header
 * and then one IP packet. If the chunks are the consecutive TCP segments of one connection
 * behind identical tunnel headers (as an encapsulating switch that segmented a GSO packet lays
 * them out), writes to 'out' that tunnel header followed by the one large TCP packet they were
 * cut from, with 'out->vnet' (offsets from 'out->data') asking for GSO and the TCP checksum.
 * Else returns false. The segments' own TCP checksums are not checked: the caller trusts the
 * datagram's (the kernel's offload state says it was made on this host or checked).
 */
bool pkt_gso_join(const uint8_t *data, uint32_t size, uint32_t chunk, uint32_t encap,
		  struct pkt *out);

/*
 * RFC 9300 section 7.1 (stateless MTU handling) for an IPv4 packet without DF: cuts 'pkt' (an
 * Ethernet frame whose IPv4 header is at 'l3') into IP fragments of at most 'mtu' bytes of IP,
 * each emitted as its own Ethernet frame. Returns false, emitting nothing, if it cannot.
 */
bool pkt_ipv4_fragment(const struct pkt *pkt, uint32_t l3, int mtu, struct pkt *scratch,
		       void (*emit)(struct pkt *frag, void *aux), void *aux);

/*
 * Builds in 'out' the ICMP "fragmentation needed" (IPv4) or ICMPv6 "packet too big" answer to
 * 'pkt' (an Ethernet frame with its IP header at 'l3'), telling its sender 'mtu': addressed from
 * the packet's destination back to its source, at layer 2 and 3. False if 'pkt' should get no
 * answer (not IP, or itself an ICMP error).
 */
bool pkt_icmp_too_big(const struct pkt *pkt, uint32_t l3, int mtu, struct pkt *out);

/*
 * The size of the largest IP packet 'pkt' (IP header at 'l3') becomes on the wire: itself, or
 * its biggest segment if it is a GSO packet. The vnet header comes from outside: it is believed
 * only where it fits the packet.
 */
uint32_t pkt_l3_wire_size(const struct pkt *pkt, uint32_t l3);

/* Offset of the IP header in an Ethernet frame (after any VLAN tags), 0 if not IP. */
uint32_t pkt_l3_offset(const struct pkt *pkt, uint16_t *ethertype);

/*
 * Fills the TCP, UDP or ICMPv6 checksum of the IPv4 or IPv6 packet at 'ip' whose L4 header starts at
 * 'l4' and is 'l4_size' bytes long with its payload.
 */
void pkt_l4_csum(uint8_t *ip, uint8_t *l4, uint32_t l4_size, uint8_t proto);

/* The running sum of the pseudo-header of the IPv4 or IPv6 packet at 'ip', for an L4 part of
 * 'l4_size' bytes of protocol 'proto'. */
uint32_t pkt_pseudo_sum(const uint8_t *ip, uint32_t l4_size, uint8_t proto);
/* The same folded, not complemented: what the checksum field holds while the checksum is left
 * to the kernel (VIRTIO_NET_HDR_F_NEEDS_CSUM), in network order. */
uint16_t pkt_pseudo_csum(const uint8_t *ip, uint32_t l4_size, uint8_t proto);

#endif

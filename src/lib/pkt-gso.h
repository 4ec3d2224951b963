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

/*
 * Calls 'emit(seg, aux)' for each segment of 'pkt', built in 'scratch' (reused between calls,
 * so 'emit' must consume it at once). Returns false, emitting nothing, if 'pkt' is not a TCP
 * GSO packet over Ethernet/IPv4/IPv6 with sane headers.
 */
bool pkt_gso_segment(const struct pkt *pkt, struct pkt *scratch,
		     void (*emit)(struct pkt *seg, void *aux), void *aux);

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

#endif

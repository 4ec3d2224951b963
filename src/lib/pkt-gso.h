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

/* Offset of the IP header in an Ethernet frame (after any VLAN tags), 0 if not IP. */
uint32_t pkt_l3_offset(const struct pkt *pkt, uint16_t *ethertype);

/*
 * Fills the TCP or UDP checksum of the IPv4 or IPv6 packet at 'ip' whose L4 header starts at
 * 'l4' and is 'l4_size' bytes long with its payload.
 */
void pkt_l4_csum(uint8_t *ip, uint8_t *l4, uint32_t l4_size, uint8_t proto);

#endif

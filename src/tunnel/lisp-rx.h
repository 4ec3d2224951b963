/*
 * Receiving LISP data packets. One UDP socket per UDP port that some lisp port listens on,
 * bound to all local addresses: the kernel has already checked the outer IP and UDP headers,
 * reassembled outer fragments and accepted zero IPv6 checksums (RFC 6935, UDP_NO_CHECK6_RX),
 * exactly as for any local UDP socket. Each datagram is checked (lisp_hdr_parse), decapsulated
 * per RFC 9300 and RFC 6040, given the fake Ethernet header 02:00:00:00:00:00 -> 02:00:00:00:00:00
 * with the inner IP version's ethertype, and tunnel metadata; the caller finds which lisp port
 * it belongs to and runs it through that port's bridge.
 */
#ifndef LS_LISP_RX_H
#define LS_LISP_RX_H

#include <stdint.h>

#include "drop.h"
#include "pkt.h"

struct lisp_rx;

/* What decapsulation needs of the outer headers (addresses v4-mapped for IPv4). */
struct lisp_outer {
	struct in6_addr src, dst;
	int tos, ttl;
};

/*
 * The receiver for UDP 'port', shared by every lisp port on it: the first get opens it, the last
 * put closes it. NULL with '*err' (-errno) if the socket cannot be bound.
 */
struct lisp_rx *lisp_rx_get(uint16_t port, int *err);
void lisp_rx_put(struct lisp_rx *rx);
int lisp_rx_fd(const struct lisp_rx *rx);
uint16_t lisp_rx_port(const struct lisp_rx *rx);

/* Iterates the open receivers (for the main loop to watch them). */
struct lisp_rx *lisp_rx_next(struct lisp_rx *prev);
/* A pointer the caller keeps with each receiver (its main-loop registration). */
void **lisp_rx_user(struct lisp_rx *rx);
/* Called just before a receiver closes, so the caller can let go of it. */
extern void (*lisp_rx_on_close)(struct lisp_rx *rx);

/*
 * Reads and decapsulates up to a batch into 'batch' (appending). Datagrams refused are counted
 * in 'drops' by reason. Returns the number of datagrams read (accepted or not): 0 when none wait.
 */
int lisp_rx_recv(struct lisp_rx *rx, struct pkt_batch *batch, uint64_t drops[N_DROP_REASONS]);

/*
 * Turns the UDP payload in 'pkt' (LISP header, inner packet) that came with outer headers 'o'
 * into the Ethernet frame the bridge sees, with its tunnel metadata; false with '*why' if the
 * datagram is refused. Used for datagrams from the receivers' sockets and for those the bridge
 * takes on their way to the host (see bridge.c).
 */
bool lisp_rx_decap(struct pkt *pkt, const struct lisp_outer *o, enum drop_reason *why);

/*
 * Whether Ethernet frame 'pkt' is a whole UDP datagram over IPv4 (no options, not a fragment)
 * or IPv6 (no extension headers) with valid lengths and checksums, as the kernel would accept
 * it, or a UDP GSO packet of such datagrams (pkt->vnet says so, and how to cut it). If so fills 'o' (addresses, TOS, TTL), '*udp' (the destination port) and '*payload' (the
 * offset of the UDP payload in the frame).
 */
bool lisp_rx_parse_frame(const struct pkt *pkt, struct lisp_outer *o, uint16_t *udp,
			 uint32_t *payload);

/* The open receiver for UDP 'port', or NULL. */
struct lisp_rx *lisp_rx_find(uint16_t port);

/*
 * RFC 9300 section 5.3: lowers the inner TTL of decapsulated 'pkt' to the outer one. Only for
 * ports that copy the inner TTL out on sending ("ttl=inherit"): with a fixed outer TTL (OVS's
 * default of 64) the outer TTL says nothing about the inner packet, and lowering it would break
 * IPv6 neighbour discovery, which needs hop limit 255 end to end.
 */
void lisp_rx_lower_ttl(struct pkt *pkt);

/* Ethernet address given to decapsulated packets (source and destination), as in OVS. */
extern const uint8_t lisp_fake_mac[6];

#endif

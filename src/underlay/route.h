/*
 * The underlay as the host's kernel sees it: for a remote RLOC, the interface and next hop its
 * route uses, the source address the kernel would pick, and the next hop's MAC address if the
 * kernel's neighbour table has it. Read over rtnetlink (libmnl), on demand; the kernel stays the
 * one source of truth for routes and neighbours, and resolving a neighbour stays its job.
 */
#ifndef LS_ROUTE_H
#define LS_ROUTE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct route_hop {
	int oif;                  /* Interface the route goes out of. */
	struct in6_addr src;      /* Source address for it (v4-mapped for IPv4). */
	struct in6_addr nexthop;  /* Gateway, or the destination itself when on-link. */
	uint8_t mac[6];           /* The next hop's link address... */
	bool resolved;            /* ...if the neighbour table has a usable one. */
	bool stale;               /* It has, but the kernel has not confirmed it lately. */
	int mtu;                  /* Route MTU if the route sets one, else 0. */
};

/*
 * Looks up the route and neighbour for 'dst' (v4-mapped for IPv4). 0 with 'hop' filled (check
 * 'resolved'), or -errno (no route: -ENETUNREACH).
 */
int route_lookup(const struct in6_addr *dst, struct route_hop *hop);

/*
 * Whether 'a' (v4-mapped for IPv4) is an address of this host, as the kernel's local routing
 * table says. Answers are remembered for a second, so this is cheap enough per packet.
 */
bool route_is_local(const struct in6_addr *a);

/* Closes the netlink socket (it is opened on first use). */
void route_close(void);

#endif

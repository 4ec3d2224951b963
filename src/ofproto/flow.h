/*
 * The flow key: every header field a flow can match, extracted once per packet. Matches are a
 * key plus a mask of the same layout ('struct match' in match.h), so the layout is plain data
 * without pointers or padding holes, and is compared and hashed as 64-bit words.
 *
 * Conventions follow OpenFlow as OVS users know it: multi-byte header fields are kept in network
 * byte order; 'nw_proto' holds the ARP opcode (low byte) for ARP; 'tp_src'/'tp_dst' hold the
 * ICMP type and code; 'nw_src'/'nw_dst' hold ARP's SPA/TPA.
 */
#ifndef LS_FLOW_H
#define LS_FLOW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* Reserved OpenFlow port numbers (OpenFlow 1.0 numbering, as ovs-ofctl prints them). */
enum {
	OFPP_MAX = 0xff00,
	OFPP_IN_PORT = 0xfff8,
	OFPP_TABLE = 0xfff9,
	OFPP_NORMAL = 0xfffa,
	OFPP_FLOOD = 0xfffb,
	OFPP_ALL = 0xfffc,
	OFPP_CONTROLLER = 0xfffd,
	OFPP_LOCAL = 0xfffe,
	OFPP_NONE = 0xffff,
};

/* 'vlan_tci' bit that says a tag is present (OVS's CFI convention). */
#define VLAN_CFI 0x1000
#define VLAN_VID_MASK 0x0fff
#define VLAN_PCP_SHIFT 13

/* 'nw_frag' bits. */
#define FLOW_NW_FRAG_ANY 0x01   /* Any fragment. */
#define FLOW_NW_FRAG_LATER 0x02 /* Not the first fragment. */

struct flow {
	/* Metadata. */
	uint64_t tun_id;                /* Tunnel key: LISP Instance ID (network order). */
	uint32_t tun_src, tun_dst;      /* Outer IPv4 addresses (network order). */
	struct in6_addr tun_ipv6_src;   /* Outer IPv6 addresses. */
	struct in6_addr tun_ipv6_dst;
	uint32_t in_port;               /* OpenFlow input port (host order). */

	/* Layer 2. */
	uint8_t dl_dst[6];
	uint8_t dl_src[6];
	uint16_t dl_type;               /* Ethertype after VLAN tags (network order). */
	uint16_t vlan_tci;              /* Outer tag's TCI | VLAN_CFI, 0 if untagged (network). */

	/* Layer 3. */
	uint32_t nw_src, nw_dst;        /* IPv4 addresses, or ARP SPA/TPA (network order). */
	struct in6_addr ipv6_src;
	struct in6_addr ipv6_dst;
	uint8_t arp_sha[6];
	uint8_t arp_tha[6];
	uint8_t nw_proto;               /* IP protocol, or ARP opcode's low byte. */
	uint8_t nw_tos;                 /* DSCP and ECN as in the IP header. */
	uint8_t nw_ttl;
	uint8_t nw_frag;                /* FLOW_NW_FRAG_*. */

	/* Layer 4. */
	uint16_t tp_src, tp_dst;        /* Ports, or ICMP type/code (network order). */
};

/* Every field sits at its natural alignment with no padding anywhere (test_flow checks), so all
 * 16 words are key: a flow is copied into every cache entry and masked word by word. */
_Static_assert(sizeof(struct flow) % 8 == 0, "struct flow must be a whole number of words");
#define FLOW_U64S (sizeof(struct flow) / 8)

struct pkt;

/*
 * Extracts the key of 'pkt', which entered by 'in_port', into 'flow' (all other fields zero).
 * Never fails: a header cut short leaves the fields beyond it zero, like OVS.
 */
void flow_extract(const struct pkt *pkt, struct flow *flow);

/* A hash of the whole key, for the exact-match cache. */
uint32_t flow_hash(const struct flow *flow, uint32_t basis);
bool flow_equal(const struct flow *a, const struct flow *b);

#endif

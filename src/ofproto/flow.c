#include "flow.h"

#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include "cursor.h"
#include "hash.h"
#include "pkt.h"

enum {
	ETH_TYPE_IP = 0x0800,
	ETH_TYPE_ARP = 0x0806,
	ETH_TYPE_VLAN = 0x8100,
	ETH_TYPE_QINQ = 0x88a8,
	ETH_TYPE_IPV6 = 0x86dd,
};

static void
extract_l4(struct cursor *c, struct flow *flow)
{
	const uint8_t *p;

	switch (flow->nw_proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		if ((p = cursor_peek(c, 4))) {
			memcpy(&flow->tp_src, p, 2);
			memcpy(&flow->tp_dst, p + 2, 2);
		}
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((p = cursor_peek(c, 2))) {
			flow->tp_src = htons(p[0]);
			flow->tp_dst = htons(p[1]);
		}
		break;
	}
}

static void
extract_ipv4(struct cursor *c, struct flow *flow)
{
	const uint8_t *ip = cursor_peek(c, 20);
	uint16_t frag;
	size_t ihl, tot_len;

	if (!ip || ip[0] >> 4 != 4 || (ihl = (size_t)(ip[0] & 0xf) * 4) < 20 || !cursor_skip(c, ihl))
		return;
	/* Bytes beyond the total length are link padding, not transport headers. */
	tot_len = (size_t)(ip[2] << 8 | ip[3]);
	if (tot_len >= ihl && tot_len - ihl < c->left)
		c->left = tot_len - ihl;
	memcpy(&flow->nw_src, ip + 12, 4);
	memcpy(&flow->nw_dst, ip + 16, 4);
	flow->nw_proto = ip[9];
	flow->nw_tos = ip[1];
	flow->nw_ttl = ip[8];
	frag = (uint16_t)((ip[6] << 8 | ip[7]) & 0x3fff);
	if (frag) {
		flow->nw_frag = FLOW_NW_FRAG_ANY;
		if (frag & 0x1fff) {
			flow->nw_frag |= FLOW_NW_FRAG_LATER;
			return;
		}
	}
	extract_l4(c, flow);
}

static bool
ipv6_ext_header(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_FRAGMENT;
}

static void
extract_ipv6(struct cursor *c, struct flow *flow)
{
	const uint8_t *ip = cursor_pull(c, 40);
	uint8_t nh;

	if (!ip || ip[0] >> 4 != 6)
		return;
	if ((size_t)(ip[4] << 8 | ip[5]) < c->left)
		c->left = (size_t)(ip[4] << 8 | ip[5]);
	memcpy(&flow->ipv6_src, ip + 8, 16);
	memcpy(&flow->ipv6_dst, ip + 24, 16);
	flow->nw_tos = (uint8_t)((ip[0] << 4) | (ip[1] >> 4));
	flow->nw_ttl = ip[7];
	nh = ip[6];
	/* Walk extension headers to the upper layer; a cut-short chain leaves L4 empty. */
	while (ipv6_ext_header(nh)) {
		const uint8_t *ext = cursor_peek(c, 8);

		if (!ext)
			return;
		if (nh == IPPROTO_FRAGMENT) {
			flow->nw_frag = FLOW_NW_FRAG_ANY;
			if ((ext[2] << 8 | ext[3]) & 0xfff8) {
				flow->nw_frag |= FLOW_NW_FRAG_LATER;
				flow->nw_proto = ext[0];
				return;
			}
			cursor_skip(c, 8);
		} else if (!cursor_skip(c, ((size_t)ext[1] + 1) * 8)) {
			return;
		}
		nh = ext[0];
	}
	flow->nw_proto = nh;
	extract_l4(c, flow);
}

static void
extract_arp(struct cursor *c, struct flow *flow)
{
	const uint8_t *arp = cursor_peek(c, 28);

	/* Only Ethernet/IPv4 ARP has the fields a flow can match. */
	if (!arp || memcmp(arp, "\x00\x01\x08\x00\x06\x04", 6))
		return;
	flow->nw_proto = arp[7];
	memcpy(flow->arp_sha, arp + 8, 6);
	memcpy(&flow->nw_src, arp + 14, 4);
	memcpy(flow->arp_tha, arp + 18, 6);
	memcpy(&flow->nw_dst, arp + 24, 4);
}

void
flow_extract(const struct pkt *pkt, struct flow *flow)
{
	struct cursor c = cursor_init(pkt->data, pkt->size);
	uint16_t type;

	memset(flow, 0, sizeof *flow);
	flow->in_port = pkt->in_port;
	flow->tun_id = htobe64(pkt->tun.id);
	flow->tun_src = pkt->tun.ipv4_src;
	flow->tun_dst = pkt->tun.ipv4_dst;
	flow->tun_ipv6_src = pkt->tun.ipv6_src;
	flow->tun_ipv6_dst = pkt->tun.ipv6_dst;
	if (!cursor_copy(&c, flow->dl_dst, 6) || !cursor_copy(&c, flow->dl_src, 6) ||
	    !cursor_u16be(&c, &type))
		return;
	if (type == ETH_TYPE_VLAN || type == ETH_TYPE_QINQ) {
		uint16_t tci;

		if (!cursor_u16be(&c, &tci) || !cursor_u16be(&c, &type))
			return;
		flow->vlan_tci = htons(tci | VLAN_CFI);
		/* Inner tags stay in the payload: only the outer one is matchable. */
	}
	flow->dl_type = htons(type);
	if (type == ETH_TYPE_IP)
		extract_ipv4(&c, flow);
	else if (type == ETH_TYPE_IPV6)
		extract_ipv6(&c, flow);
	else if (type == ETH_TYPE_ARP)
		extract_arp(&c, flow);
}

uint32_t
flow_hash(const struct flow *flow, uint32_t basis)
{
	const uint64_t *w = (const uint64_t *)flow;
	uint64_t h = basis;

	for (size_t i = 0; i < FLOW_U64S; i++)
		h = hash_mix64(h, w[i]);
	return hash_finish64(h, sizeof *flow);
}

bool
flow_equal(const struct flow *a, const struct flow *b)
{
	return !memcmp(a, b, sizeof *a);
}

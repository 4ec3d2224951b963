#include "commit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "flow.h"
#include "pkt-gso.h"
#include "pkt.h"
#include "util.h"

#define DIFF(field) memcmp(&old->field, &new->field, sizeof old->field)

static void
commit_vlan(struct pkt *pkt, const struct flow *old, const struct flow *new)
{
	bool had = old->vlan_tci & htons(VLAN_CFI), has = new->vlan_tci & htons(VLAN_CFI);
	uint16_t tci = ntohs(new->vlan_tci) & (uint16_t)~VLAN_CFI;

	if (had && !has) {
		pkt_vlan_pop(pkt);
	} else if (!had && has) {
		pkt_vlan_push(pkt, 0x8100, tci);
	} else if (has && old->vlan_tci != new->vlan_tci) {
		pkt->data[14] = (uint8_t)(tci >> 8);
		pkt->data[15] = (uint8_t)tci;
	}
}

static bool
l3_or_l4_differs(const struct flow *old, const struct flow *new)
{
	return DIFF(nw_src) || DIFF(nw_dst) || DIFF(nw_tos) || DIFF(nw_ttl) || DIFF(ipv6_src) ||
	       DIFF(ipv6_dst) || DIFF(tp_src) || DIFF(tp_dst);
}

/* Recomputes the TCP/UDP checksum after an address or port change (UDP zero stays zero). */
static void
fix_l4(uint8_t *ip, uint32_t ip_size, uint32_t l4, uint8_t proto, const struct flow *f)
{
	uint16_t zero = 0;

	if ((f->nw_frag & FLOW_NW_FRAG_ANY) || l4 >= ip_size ||
	    (proto != IPPROTO_TCP && proto != IPPROTO_UDP) ||
	    ip_size - l4 < (proto == IPPROTO_TCP ? 20u : 8u))
		return;
	if (proto == IPPROTO_UDP && (ip[0] >> 4) == 4 && !memcmp(ip + l4 + 6, &zero, 2))
		return;
	pkt_l4_csum(ip, ip + l4, ip_size - l4, proto);
}

static void
write_ports(uint8_t *l4p, uint32_t room, const struct flow *new)
{
	if (room >= 4 && (new->nw_proto == IPPROTO_TCP || new->nw_proto == IPPROTO_UDP ||
			  new->nw_proto == IPPROTO_SCTP)) {
		memcpy(l4p, &new->tp_src, 2);
		memcpy(l4p + 2, &new->tp_dst, 2);
	}
}

static void
commit_ipv4(uint8_t *ip, uint32_t size, const struct flow *old, const struct flow *new)
{
	uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4, len = (uint32_t)(ip[2] << 8 | ip[3]);
	uint16_t sum = 0;

	if (size < 20 || ihl < 20 || ihl > size)
		return;
	len = len >= ihl && len <= size ? len : size;
	memcpy(ip + 12, &new->nw_src, 4);
	memcpy(ip + 16, &new->nw_dst, 4);
	ip[1] = new->nw_tos;
	ip[8] = new->nw_ttl;
	memcpy(ip + 10, &sum, 2);
	sum = csum_fold(csum_partial(ip, ihl, 0));
	memcpy(ip + 10, &sum, 2);
	if (!(new->nw_frag & FLOW_NW_FRAG_LATER))
		write_ports(ip + ihl, len - ihl, new);
	if (DIFF(nw_src) || DIFF(nw_dst) || DIFF(tp_src) || DIFF(tp_dst))
		fix_l4(ip, len, ihl, ip[9], new);
}

static void
commit_ipv6(uint8_t *ip, uint32_t size, const struct flow *old, const struct flow *new)
{
	uint32_t len = 40u + (uint32_t)(ip[4] << 8 | ip[5]);
	/* Transport fields are rewritten only when no extension header sits in between. */
	bool direct = ip[6] == new->nw_proto;

	if (size < 40)
		return;
	len = MIN(len, size);
	memcpy(ip + 8, &new->ipv6_src, 16);
	memcpy(ip + 24, &new->ipv6_dst, 16);
	ip[0] = (uint8_t)(0x60 | new->nw_tos >> 4);
	ip[1] = (uint8_t)((ip[1] & 0x0f) | (new->nw_tos & 0x0f) << 4);
	ip[7] = new->nw_ttl;
	if (!direct)
		return;
	write_ports(ip + 40, len - 40, new);
	if (DIFF(ipv6_src) || DIFF(ipv6_dst) || DIFF(tp_src) || DIFF(tp_dst))
		fix_l4(ip, len, 40, ip[6], new);
}

static void
commit_arp(uint8_t *arp, uint32_t size, const struct flow *new)
{
	if (size < 28)
		return;
	arp[6] = 0;
	arp[7] = new->nw_proto;
	memcpy(arp + 8, new->arp_sha, 6);
	memcpy(arp + 14, &new->nw_src, 4);
	memcpy(arp + 18, new->arp_tha, 6);
	memcpy(arp + 24, &new->nw_dst, 4);
}

bool
pkt_commit(struct pkt *pkt, const struct flow *old, const struct flow *new)
{
	bool l34 = l3_or_l4_differs(old, new) || (new->dl_type == htons(0x0806) &&
						   (DIFF(nw_proto) || DIFF(arp_sha) || DIFF(arp_tha)));
	uint16_t type;
	uint32_t l3;

	if (l34 && pkt->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return false;
	if (pkt->size < 14)
		return true;
	memcpy(pkt->data, new->dl_dst, 6);
	memcpy(pkt->data + 6, new->dl_src, 6);
	if (DIFF(vlan_tci))
		commit_vlan(pkt, old, new);
	if (!l34)
		return true;
	/* Checksums are recomputed below over complete packets only. */
	pkt_offload_csum(pkt);
	l3 = pkt_l3_offset(pkt, &type);
	if (type == 0x0806 && !l3)
		l3 = pkt->size >= 18 && pkt->data[12] == 0x81 ? 18 : 14;
	if (!l3 || l3 >= pkt->size)
		return true;
	if (type == 0x0800)
		commit_ipv4(pkt->data + l3, pkt->size - l3, old, new);
	else if (type == 0x86dd)
		commit_ipv6(pkt->data + l3, pkt->size - l3, old, new);
	else if (type == 0x0806)
		commit_arp(pkt->data + l3, pkt->size - l3, new);
	return true;
}

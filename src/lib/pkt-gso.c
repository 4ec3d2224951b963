#include "pkt-gso.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "csum.h"
#include "util.h"

enum { TCP_FIN = 0x01, TCP_PSH = 0x08, TCP_CWR = 0x80 };

uint32_t
pkt_l3_offset(const struct pkt *pkt, uint16_t *ethertype)
{
	uint32_t off = 12;

	for (;;) {
		uint16_t type;

		if (pkt->size < off + 2)
			return 0;
		type = (uint16_t)(pkt->data[off] << 8 | pkt->data[off + 1]);
		if (type == 0x8100 || type == 0x88a8) {
			off += 4;
			continue;
		}
		*ethertype = type;
		return type == 0x0800 || type == 0x86dd ? off + 2 : 0;
	}
}

void
pkt_l4_csum(uint8_t *ip, uint8_t *l4, uint32_t l4_size, uint8_t proto)
{
	uint16_t off = proto == IPPROTO_TCP ? 16 : 6, zero = 0, sum;
	uint32_t acc;
	uint8_t pseudo[8] = { 0, 0, 0, 0, 0, 0, 0, proto };

	pseudo[0] = (uint8_t)(l4_size >> 24);
	pseudo[1] = (uint8_t)(l4_size >> 16);
	pseudo[2] = (uint8_t)(l4_size >> 8);
	pseudo[3] = (uint8_t)l4_size;
	memcpy(l4 + off, &zero, 2);
	acc = (ip[0] >> 4) == 4 ? csum_partial(ip + 12, 8, 0) : csum_partial(ip + 8, 32, 0);
	acc = csum_partial(pseudo, 8, acc);
	acc = csum_partial(l4, l4_size, acc);
	sum = csum_fold(acc);
	if (proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff;
	memcpy(l4 + off, &sum, 2);
}

static void
fix_ip(uint8_t *ip, uint32_t total, uint16_t id_add)
{
	if ((ip[0] >> 4) == 4) {
		uint16_t len = htons((uint16_t)total), id, sum = 0;

		memcpy(ip + 2, &len, 2);
		memcpy(&id, ip + 4, 2);
		id = htons((uint16_t)(ntohs(id) + id_add));
		memcpy(ip + 4, &id, 2);
		memcpy(ip + 10, &sum, 2);
		sum = csum_fold(csum_partial(ip, (size_t)(ip[0] & 0xf) * 4, 0));
		memcpy(ip + 10, &sum, 2);
	} else {
		uint16_t len = htons((uint16_t)(total - 40));

		memcpy(ip + 4, &len, 2);
	}
}

bool
pkt_gso_segment(const struct pkt *pkt, struct pkt *scratch,
		void (*emit)(struct pkt *seg, void *aux), void *aux)
{
	uint32_t l3, l4 = pkt->vnet.csum_start, hdr, mss = pkt->vnet.gso_size, seq, off;
	uint8_t type = pkt->vnet.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint16_t ethertype;
	uint8_t flags;

	l3 = pkt_l3_offset(pkt, &ethertype);
	if (!l3 || !mss || (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    l4 <= l3 || pkt->size < l4 + 20)
		return false;
	hdr = l4 + (uint32_t)(pkt->data[l4 + 12] >> 4) * 4;
	if (hdr < l4 + 20 || hdr > pkt->size)
		return false;
	memcpy(&seq, pkt->data + l4 + 4, 4);
	seq = ntohl(seq);
	flags = pkt->data[l4 + 13];
	for (off = hdr; off < pkt->size || off == hdr; off += mss) {
		uint32_t chunk = MIN(mss, pkt->size - off), n = (off - hdr) / mss, s;
		bool last = off + chunk >= pkt->size;
		uint8_t *tcp;

		pkt_reset(scratch);
		memcpy(scratch->data, pkt->data, hdr);
		memcpy(scratch->data + hdr, pkt->data + off, chunk);
		scratch->size = hdr + chunk;
		scratch->in_port = pkt->in_port;
		scratch->tun = pkt->tun;
		tcp = scratch->data + l4;
		s = htonl(seq + (off - hdr));
		memcpy(tcp + 4, &s, 4);
		tcp[13] = (uint8_t)(flags & ~(last ? 0 : TCP_FIN | TCP_PSH) & ~(n ? TCP_CWR : 0));
		fix_ip(scratch->data + l3, scratch->size - l3, (uint16_t)n);
		pkt_l4_csum(scratch->data + l3, tcp, scratch->size - l4, IPPROTO_TCP);
		emit(scratch, aux);
		if (last)
			break;
	}
	return true;
}

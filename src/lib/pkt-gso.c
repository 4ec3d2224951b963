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

uint32_t
pkt_l3_wire_size(const struct pkt *pkt, uint32_t l3)
{
	uint32_t l4 = pkt->vnet.csum_start;

	if (pkt->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE || l4 < l3 || pkt->size < l4 + 20)
		return pkt->size - l3;
	return l4 + (uint32_t)(pkt->data[l4 + 12] >> 4) * 4 - l3 + pkt->vnet.gso_size;
}

void
pkt_l4_csum(uint8_t *ip, uint8_t *l4, uint32_t l4_size, uint8_t proto)
{
	/* Where each protocol keeps its checksum. */
	uint16_t off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2, zero = 0, sum;
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

bool
pkt_ipv4_fragment(const struct pkt *pkt, uint32_t l3, int mtu, struct pkt *scratch,
		  void (*emit)(struct pkt *frag, void *aux), void *aux)
{
	const uint8_t *ip = pkt->data + l3;
	uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4, total, chunk, off;
	uint16_t frag = (uint16_t)(ip[6] << 8 | ip[7]);

	if (pkt->size < l3 + 20 || ihl < 20 || (frag & 0x4000) || (uint32_t)mtu < ihl + 8)
		return false;
	total = MIN((uint32_t)(ip[2] << 8 | ip[3]), pkt->size - l3);
	if (total <= ihl)
		return false;
	/* Fragment payloads are multiples of 8 bytes, except the last. */
	chunk = ((uint32_t)mtu - ihl) & ~7u;
	for (off = ihl; off < total; off += chunk) {
		uint32_t n = MIN(chunk, total - off);
		bool more = off + n < total || (frag & 0x2000);
		uint16_t fo = (uint16_t)((frag & 0x1fff) + (off - ihl) / 8) | (more ? 0x2000 : 0);
		uint8_t *out;

		pkt_reset(scratch);
		memcpy(scratch->data, pkt->data, l3 + ihl);
		memcpy(scratch->data + l3 + ihl, pkt->data + l3 + off, n);
		scratch->size = l3 + ihl + n;
		scratch->in_port = pkt->in_port;
		scratch->tun = pkt->tun;
		out = scratch->data + l3;
		out[6] = (uint8_t)(fo >> 8);
		out[7] = (uint8_t)fo;
		fix_ip(out, ihl + n, 0);
		emit(scratch, aux);
	}
	return true;
}

/* Whether the IP packet at 'ip' is itself an ICMP error (never answered with another). */
static bool
is_icmp_error(const uint8_t *ip, uint32_t size)
{
	if ((ip[0] >> 4) == 4) {
		uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;

		return ip[9] == IPPROTO_ICMP && size > ihl &&
		       (ip[ihl] == 3 || ip[ihl] == 11 || ip[ihl] == 12 || ip[ihl] == 5);
	}
	return ip[6] == IPPROTO_ICMPV6 && size > 40 && ip[40] < 128;
}

bool
pkt_icmp_too_big(const struct pkt *pkt, uint32_t l3, int mtu, struct pkt *out)
{
	const uint8_t *ip = pkt->data + l3;
	bool v4 = pkt->size >= l3 + 20 && (ip[0] >> 4) == 4;
	uint32_t hdr = v4 ? 20 : 40, icmp = 8, quote;
	uint8_t *o, *oip, *oicmp;
	uint16_t sum;

	if ((!v4 && (pkt->size < l3 + 40 || (ip[0] >> 4) != 6)) || is_icmp_error(ip, pkt->size - l3))
		return false;
	/* IPv4 quotes the header and 8 bytes (RFC 792); IPv6 as much as fits in 1280 (RFC 4443). */
	quote = v4 ? MIN(pkt->size - l3, (uint32_t)(ip[0] & 0xf) * 4 + 8) :
		     MIN(pkt->size - l3, 1280 - hdr - icmp);
	pkt_reset(out);
	o = out->data;
	memcpy(o, pkt->data + 6, 6);          /* Back to the sender's MAC... */
	memcpy(o + 6, pkt->data, 6);          /* ...from the one it sent to. */
	memcpy(o + 12, pkt->data + 12, l3 - 12);
	oip = o + l3;
	oicmp = oip + hdr;
	memset(oip, 0, hdr + icmp);
	memcpy(oicmp + icmp, ip, quote);
	out->size = l3 + hdr + icmp + quote;
	if (v4) {
		oip[0] = 0x45;
		oip[8] = 64;
		oip[9] = IPPROTO_ICMP;
		memcpy(oip + 12, ip + 16, 4);
		memcpy(oip + 16, ip + 12, 4);
		fix_ip(oip, hdr + icmp + quote, 0);
		oicmp[0] = 3;                 /* Destination unreachable: fragmentation needed. */
		oicmp[1] = 4;
		oicmp[6] = (uint8_t)(mtu >> 8);
		oicmp[7] = (uint8_t)mtu;
		sum = csum_fold(csum_partial(oicmp, icmp + quote, 0));
		memcpy(oicmp + 2, &sum, 2);
	} else {
		oip[0] = 0x60;
		oip[6] = IPPROTO_ICMPV6;
		oip[7] = 255;
		memcpy(oip + 8, ip + 24, 16);
		memcpy(oip + 24, ip + 8, 16);
		fix_ip(oip, hdr + icmp + quote, 0);
		oicmp[0] = 2;                 /* Packet too big. */
		oicmp[4] = (uint8_t)(mtu >> 24);
		oicmp[5] = (uint8_t)(mtu >> 16);
		oicmp[6] = (uint8_t)(mtu >> 8);
		oicmp[7] = (uint8_t)mtu;
		pkt_l4_csum(oip, oicmp, icmp + quote, IPPROTO_ICMPV6);
	}
	return true;
}

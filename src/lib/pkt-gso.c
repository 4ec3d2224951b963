#include "pkt-gso.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "csum.h"
#include "util.h"

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_CWR = 0x80 };

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

uint32_t
pkt_pseudo_sum(const uint8_t *ip, uint32_t l4_size, uint8_t proto)
{
	uint8_t tail[8] = { (uint8_t)(l4_size >> 24), (uint8_t)(l4_size >> 16),
			    (uint8_t)(l4_size >> 8), (uint8_t)l4_size, 0, 0, 0, proto };
	uint32_t acc = (ip[0] >> 4) == 4 ? csum_partial(ip + 12, 8, 0) : csum_partial(ip + 8, 32, 0);

	return csum_partial(tail, 8, acc);
}

uint16_t
pkt_pseudo_csum(const uint8_t *ip, uint32_t l4_size, uint8_t proto)
{
	return (uint16_t)~csum_fold(pkt_pseudo_sum(ip, l4_size, proto));
}

void
pkt_l4_csum(uint8_t *ip, uint8_t *l4, uint32_t l4_size, uint8_t proto)
{
	/* Where each protocol keeps its checksum. */
	uint16_t off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2, zero = 0, sum;

	memcpy(l4 + off, &zero, 2);
	sum = csum_fold(csum_partial(l4, l4_size, pkt_pseudo_sum(ip, l4_size, proto)));
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
pkt_gso_start(const struct pkt *pkt, struct pkt_gso_iter *it)
{
	uint8_t type = pkt->vnet.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint16_t ethertype;

	memset(it, 0, sizeof *it);
	it->pkt = pkt;
	it->l3 = pkt_l3_offset(pkt, &ethertype);
	it->l4 = pkt->vnet.csum_start;
	it->mss = pkt->vnet.gso_size;
	if (!it->l3 || !it->mss ||
	    (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    it->l4 <= it->l3 || pkt->size < it->l4 + 20)
		return false;
	it->hdr = it->l4 + (uint32_t)(pkt->data[it->l4 + 12] >> 4) * 4;
	if (it->hdr < it->l4 + 20 || it->hdr > pkt->size)
		return false;
	memcpy(&it->seq, pkt->data + it->l4 + 4, 4);
	it->seq = ntohl(it->seq);
	it->off = it->hdr;
	return true;
}

uint32_t
pkt_wire_count(const struct pkt *pkt)
{
	struct pkt_gso_iter it;

	return pkt->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE && pkt_gso_start(pkt, &it) ?
	       pkt_gso_count(&it) : 1;
}

uint32_t
pkt_gso_next(struct pkt_gso_iter *it, uint32_t from, uint8_t *dst)
{
	const struct pkt *pkt = it->pkt;
	uint32_t chunk, s, size;
	uint8_t flags = pkt->data[it->l4 + 13], *tcp = dst + it->l4 - from;
	bool last;

	if (!pkt_gso_more(it))
		return 0;
	chunk = MIN(it->mss, pkt->size - it->off);
	last = it->off + chunk >= pkt->size;
	memcpy(dst, pkt->data + from, it->hdr - from);
	memcpy(dst + it->hdr - from, pkt->data + it->off, chunk);
	size = it->hdr - from + chunk;
	s = htonl(it->seq + (it->off - it->hdr));
	memcpy(tcp + 4, &s, 4);
	tcp[13] = (uint8_t)(flags & ~(last ? 0 : TCP_FIN | TCP_PSH) & ~(it->n ? TCP_CWR : 0));
	fix_ip(dst + it->l3 - from, size - (it->l3 - from), (uint16_t)it->n);
	pkt_l4_csum(dst + it->l3 - from, tcp, size - (it->l4 - from), IPPROTO_TCP);
	it->off = last ? pkt->size + 1 : it->off + chunk;
	it->n++;
	return size;
}

bool
pkt_gso_segment(const struct pkt *pkt, struct pkt *scratch,
		void (*emit)(struct pkt *seg, void *aux), void *aux)
{
	struct pkt_gso_iter it;

	if (!pkt_gso_start(pkt, &it))
		return false;
	for (;;) {
		pkt_reset(scratch);
		if (!(scratch->size = pkt_gso_next(&it, 0, scratch->data)))
			return true;
		scratch->in_port = pkt->in_port;
		scratch->tun = pkt->tun;
		emit(scratch, aux);
	}
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

/* Where the TCP/IP headers of one segment sit in a chunk, and what the chunk holds. */
struct seg_view {
	const uint8_t *ip, *tcp;
	uint32_t payload;        /* Bytes of TCP payload. */
};

/*
 * Whether chunk 'c' ('len' bytes, tunnel header first) is segment 'i' of the connection whose
 * first segment is 'f': the same IP and TCP headers but for the fields segmentation changes
 * (IP length, ID and checksum; TCP sequence number, flags and checksum), the next sequence
 * number, and FIN/PSH only in the last, CWR only in the first.
 */
static bool
seg_follows(const struct seg_view *f, const uint8_t *c, uint32_t len, uint32_t encap,
	    uint32_t ihl, uint32_t thl, uint32_t i, bool last, struct seg_view *s)
{
	const uint8_t *ip = c + encap, *tcp = ip + ihl;
	uint32_t seq0, seq, ip_len;
	uint8_t keep = (uint8_t)~(TCP_FIN | TCP_PSH | TCP_CWR);

	if (len <= encap + ihl + thl)
		return false;
	ip_len = ihl == 20 ? (uint32_t)(ip[2] << 8 | ip[3]) : 40u + (uint32_t)(ip[4] << 8 | ip[5]);
	if (ip_len != len - encap ||
	    (ihl == 20 ? memcmp(ip, f->ip, 2) || memcmp(ip + 6, f->ip + 6, 4) ||
			 memcmp(ip + 12, f->ip + 12, 8)
		       : memcmp(ip, f->ip, 4) || memcmp(ip + 6, f->ip + 6, 34)) ||
	    memcmp(tcp, f->tcp, 4) || memcmp(tcp + 8, f->tcp + 8, 5) ||
	    memcmp(tcp + 14, f->tcp + 14, 2) || memcmp(tcp + 18, f->tcp + 18, thl - 18) ||
	    (tcp[13] & keep) != (f->tcp[13] & keep) ||
	    (!last && (tcp[13] & (TCP_FIN | TCP_PSH))) || (i && (tcp[13] & TCP_CWR)))
		return false;
	memcpy(&seq0, f->tcp + 4, 4);
	memcpy(&seq, tcp + 4, 4);
	s->ip = ip;
	s->tcp = tcp;
	s->payload = len - encap - ihl - thl;
	return ntohl(seq) - ntohl(seq0) == i * f->payload && (last || s->payload == f->payload);
}

/* The header lengths of the first segment, if it is one this file can join. */
static bool
seg_headers(const uint8_t *ip, uint32_t len, uint32_t *ihl, uint32_t *thl)
{
	if (len >= 20 && ip[0] == 0x45 && ip[9] == IPPROTO_TCP &&
	    !((ip[6] << 8 | ip[7]) & 0x3fff))
		*ihl = 20;
	else if (len >= 40 && (ip[0] >> 4) == 6 && ip[6] == IPPROTO_TCP)
		*ihl = 40;
	else
		return false;
	if (len < *ihl + 20)
		return false;
	*thl = (uint32_t)(ip[*ihl + 12] >> 4) * 4;
	return *thl >= 20 && (ip[*ihl + 13] & (TCP_SYN | TCP_RST)) == 0 && len > *ihl + *thl;
}

bool
pkt_gso_join(const uint8_t *data, uint32_t size, uint32_t chunk, uint32_t encap, struct pkt *out)
{
	uint32_t ihl, thl, hdrs, n, total = 0;
	struct seg_view f, s;
	uint8_t *ip, *tcp, flags;
	uint16_t v;

	if (chunk <= encap || size <= chunk || !seg_headers(data + encap, chunk - encap, &ihl, &thl))
		return false;
	hdrs = encap + ihl + thl;
	f = (struct seg_view){ data + encap, data + encap + ihl, chunk - hdrs };
	n = (size + chunk - 1) / chunk;
	pkt_reset(out);
	memcpy(out->data, data, hdrs);
	flags = f.tcp[13];
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *c = data + i * chunk;
		uint32_t len = MIN(chunk, size - i * chunk);

		if (!seg_follows(&f, c, len, encap, ihl, thl, i, i == n - 1, &s) ||
		    memcmp(c, data, encap))
			return false;
		memcpy(out->data + hdrs + total, s.tcp + thl, s.payload);
		total += s.payload;
		flags |= s.tcp[13] & (TCP_FIN | TCP_PSH);
	}
	if (ihl + thl + total > 65535)
		return false;
	out->size = hdrs + total;
	ip = out->data + encap;
	tcp = ip + ihl;
	tcp[13] = flags;
	fix_ip(ip, ihl + thl + total, 0);
	v = pkt_pseudo_csum(ip, thl + total, IPPROTO_TCP);
	memcpy(tcp + 16, &v, 2);
	out->vnet = (struct virtio_net_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = (uint8_t)((ihl == 20 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6) |
				      (flags & TCP_CWR ? VIRTIO_NET_HDR_GSO_ECN : 0)),
		.hdr_len = (uint16_t)hdrs, .gso_size = (uint16_t)f.payload,
		.csum_start = (uint16_t)(encap + ihl), .csum_offset = 16 };
	return true;
}

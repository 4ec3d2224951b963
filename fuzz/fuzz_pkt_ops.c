/*
 * The packet operations the datapath applies to any frame a VM or the network sends, with any
 * virtio-net header a VM can set: checksum completion, GSO segmentation, joining segments back
 * (the frame taken as a UDP GSO payload of 8-byte-headed chunks), IPv4 fragmentation,
 * the ICMP "too big" answer and pkt_commit() with a rewritten flow key. None may read or write
 * outside the packet, nor build a segment or fragment larger than its buffer.
 *
 * Input: 10 bytes of virtio_net_hdr, 2 bytes of MTU, 1 byte choosing what pkt_commit changes,
 * 16 bytes of new field values, then the Ethernet frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "flow.h"
#include "pkt-gso.h"
#include "pkt.h"

#define HDR_SIZE (10 + 2 + 1 + 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pkt *pkt, *scratch, *out;

/* Reads every byte of what was emitted, so that a bad size reaches the redzone. */
static void
emit(struct pkt *p, void *aux)
{
	size_t *sum = aux;

	if (p->size > p->capacity || p->data < p->buf ||
	    p->data + p->size > p->buf + p->capacity)
		abort();
	for (uint32_t i = 0; i < p->size; i++)
		*sum += p->data[i];
}

/* Loads 'frame' into 'pkt' with 'vnet', ending at the end of its buffer. */
static void
load(const uint8_t *frame, size_t size, const struct virtio_net_hdr *vnet)
{
	pkt_reset(pkt);
	pkt->data = pkt->buf + pkt->capacity - size;
	memcpy(pkt->data, frame, size);
	pkt->size = (uint32_t)size;
	pkt->vnet = *vnet;
}

/* A key that differs from 'old' where 'sel' says, with values from 'v' (16 bytes). */
static void
mutate(struct flow *new, const struct flow *old, uint8_t sel, const uint8_t *v)
{
	*new = *old;
	if (sel & 0x01)
		memcpy(new->dl_dst, v, 6);
	if (sel & 0x02)
		memcpy(new->dl_src, v + 6, 6);
	if (sel & 0x04)
		memcpy(&new->vlan_tci, v + 12, 2);
	if (sel & 0x08)
		memcpy(&new->nw_src, v, 4);
	if (sel & 0x10)
		memcpy(&new->nw_dst, v + 4, 4);
	if (sel & 0x20) {
		new->nw_tos = v[8];
		new->nw_ttl = v[9];
	}
	if (sel & 0x40) {
		memcpy(&new->tp_src, v + 10, 2);
		memcpy(&new->tp_dst, v + 14, 2);
	}
	if (sel & 0x80) {
		memcpy(&new->ipv6_src, v, 16);
		new->ipv6_dst.s6_addr[15] ^= v[3];
		new->nw_proto ^= v[5];
		new->arp_sha[0] ^= v[7];
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr vnet;
	const uint8_t *frame = data + HDR_SIZE;
	size_t fsize = size - HDR_SIZE, sum = 0;
	struct flow old, new;
	uint16_t type;
	uint32_t l3;
	int mtu;

	if (!pkt) {
		pkt = pkt_alloc();
		scratch = pkt_alloc();
		out = pkt_alloc();
	}
	if (size < HDR_SIZE || fsize > PKT_MAX_SIZE)
		return 0;
	memcpy(&vnet, data, 10);
	mtu = 68 + (data[10] << 8 | data[11]) % 9000;

	load(frame, fsize, &vnet);
	pkt_gso_segment(pkt, scratch, emit, &sum);

	/* The frame as the payload of a UDP GSO datagram of LISP-encapsulated segments. */
	if (pkt_gso_join(frame, (uint32_t)fsize, vnet.gso_size, 8, out))
		emit(out, &sum);

	load(frame, fsize, &vnet);
	pkt_offload_csum(pkt);
	/*
	 * Under the conditions xlate's too_big() calls them: a whole IP header, bigger than the
	 * MTU (corpus entry xlate-too-big-df-read: a GSO header once made a 20-byte frame "too big"
	 * and the DF byte was read past the packet).
	 */
	l3 = pkt_l3_offset(pkt, &type);
	if (l3 && pkt->size >= l3 + 20 && pkt_l3_wire_size(pkt, l3) > (uint32_t)mtu) {
		if (type == 0x0800 && !(pkt->data[l3 + 6] & 0x40) &&
		    pkt->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE)
			pkt_ipv4_fragment(pkt, l3, mtu, scratch, emit, &sum);
		if (pkt_icmp_too_big(pkt, l3, mtu, out))
			emit(out, &sum);
	}

	/* As xlate does: the key from the bytes, then the bytes from a changed key. */
	load(frame, fsize, &vnet);
	flow_extract(pkt, &old);
	mutate(&new, &old, data[12], data + 13);
	/* The packet moves forward for a VLAN push: give it headroom, as a port's packets have. */
	pkt_reset(pkt);
	memcpy(pkt->data, frame, fsize <= pkt_tailroom(pkt) ? fsize : 0);
	pkt->size = fsize <= pkt_tailroom(pkt) ? (uint32_t)fsize : 0;
	pkt->vnet = vnet;
	if (pkt->size) {
		pkt_commit(pkt, &old, &new);
		emit(pkt, &sum);
	}
	return sum == (size_t)-1;
}

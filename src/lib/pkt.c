#include "pkt.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "csum.h"
#include "util.h"

struct pkt *
pkt_alloc(void)
{
	uint32_t capacity = PKT_HEADROOM + PKT_MAX_SIZE;
	struct pkt *pkt = xmalloc(sizeof *pkt + capacity);

	pkt->capacity = capacity;
	pkt_reset(pkt);
	return pkt;
}

void
pkt_free(struct pkt *pkt)
{
	free(pkt);
}

bool
pkt_vlan_push(struct pkt *pkt, uint16_t tpid, uint16_t tci)
{
	uint16_t tag[2] = { htons(tpid), htons(tci) };
	uint8_t *p;

	if (pkt->size < 12 || !(p = pkt_push(pkt, 4)))
		return false;
	memmove(p, p + 4, 12);
	memcpy(p + 12, tag, 4);
	if (pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		pkt->vnet.csum_start += 4;
	if (pkt->vnet.hdr_len)
		pkt->vnet.hdr_len += 4;
	return true;
}

bool
pkt_vlan_pop(struct pkt *pkt)
{
	uint16_t type;

	if (pkt->size < 18)
		return false;
	memcpy(&type, pkt->data + 12, 2);
	if (type != htons(0x8100) && type != htons(0x88a8))
		return false;
	memmove(pkt->data + 4, pkt->data, 12);
	pkt_pull(pkt, 4);
	if ((pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && pkt->vnet.csum_start >= 4)
		pkt->vnet.csum_start -= 4;
	if (pkt->vnet.hdr_len >= 4)
		pkt->vnet.hdr_len -= 4;
	return true;
}

void
pkt_offload_csum(struct pkt *pkt)
{
	uint32_t start = pkt->vnet.csum_start, off = pkt->vnet.csum_offset;
	uint16_t sum;

	if (!(pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return;
	pkt->vnet.flags &= (uint8_t)~VIRTIO_NET_HDR_F_NEEDS_CSUM;
	/* The field already holds the pseudo-header sum, as the kernel leaves it. */
	if (start >= pkt->size || off + 2 > pkt->size - start)
		return;
	sum = csum_fold(csum_partial(pkt->data + start, pkt->size - start, 0));
	/* To UDP a zero checksum means "none" (RFC 768), so a computed zero is sent as all ones. */
	if (!sum)
		sum = 0xffff;
	memcpy(pkt->data + start + off, &sum, 2);
}

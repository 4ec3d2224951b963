#include "lisp-dp.h"

#include <string.h>

#include "cursor.h"

void
lisp_hdr_write(uint8_t out[LISP_HDR_SIZE], uint32_t iid)
{
	out[0] = LISP_F_L | LISP_F_I;
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(iid >> 16);
	out[5] = (uint8_t)(iid >> 8);
	out[6] = (uint8_t)iid;
	out[7] = 0x01;
}

static void
decode_word0(uint32_t w0, struct lisp_hdr *hdr)
{
	hdr->flags = (uint8_t)(w0 >> 24);
	/* N and V together: the word is a nonce (RFC 9300 section 5.3). */
	if (hdr->flags & LISP_F_N) {
		hdr->nonce = w0 & 0xffffff;
	} else if (hdr->flags & LISP_F_V) {
		hdr->src_version = (uint16_t)((w0 >> 12) & 0xfff);
		hdr->dst_version = (uint16_t)(w0 & 0xfff);
	}
}

/* Checks the inner IP header behind the LISP header; returns its length in '*len'. */
static bool
check_inner(struct cursor *c, uint32_t *len, uint16_t *ethertype, enum drop_reason *why)
{
	const uint8_t *ip = cursor_peek(c, 1);

	*why = DROP_LISP_SHORT;
	if (!ip)
		return false;
	switch (ip[0] >> 4) {
	case 4:
		if (!(ip = cursor_peek(c, 20)))
			return false;
		*len = (uint32_t)(ip[2] << 8 | ip[3]);
		*ethertype = 0x0800;
		*why = DROP_LISP_INNER_TRUNCATED;
		return (ip[0] & 0xf) >= 5 && *len >= (uint32_t)(ip[0] & 0xf) * 4 && *len <= c->left;
	case 6:
		if (!(ip = cursor_peek(c, 40)))
			return false;
		*len = 40u + (uint32_t)(ip[4] << 8 | ip[5]);
		*ethertype = 0x86dd;
		*why = DROP_LISP_INNER_TRUNCATED;
		return *len <= c->left;
	default:
		*why = DROP_LISP_INNER_VERSION;
		return false;
	}
}

bool
lisp_hdr_parse(const uint8_t *payload, uint32_t size, struct lisp_hdr *hdr, uint32_t *inner_size,
	       uint16_t *ethertype, enum drop_reason *why)
{
	struct cursor c = cursor_init(payload, size);
	uint32_t w0, w1;

	memset(hdr, 0, sizeof *hdr);
	if (!cursor_u32be(&c, &w0) || !cursor_u32be(&c, &w1)) {
		*why = DROP_LISP_SHORT;
		return false;
	}
	decode_word0(w0, hdr);
	if (hdr->flags & LISP_F_KK) {
		*why = DROP_LISP_ENCRYPTED;
		return false;
	}
	if (hdr->flags & LISP_F_I) {
		hdr->iid = w1 >> 8;
		hdr->lsb = w1 & 0xff;
	} else {
		hdr->lsb = w1;
	}
	return check_inner(&c, inner_size, ethertype, why);
}

/*
 * The LISP data-plane header (RFC 9300 section 5.3): 8 bytes between the outer UDP header and
 * the inner IP packet.
 *
 *   word 0  |N|L|E|V|I|R|K|K| nonce (N=1) or versions (V=1), 24 bits
 *   word 1  instance ID (24 bits) | locator-status bits (8)   when I=1
 *           locator-status bits (32)                         when I=0
 *
 * What we send is byte-for-byte what Open vSwitch's kernel LISP port sent, so peers built for it
 * keep working: L=1, I=1, nonce 0, instance ID from the low 24 bits of tun_id, LSB byte 0x01
 * ("my locator #0 is up": true for a site with one RLOC, which is what a lisp port is).
 * What we accept is any valid RFC 9300 header (see lisp_hdr_parse()).
 */
#ifndef LS_LISP_DP_H
#define LS_LISP_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "drop.h"

#define LISP_HDR_SIZE 8
#define LISP_DATA_PORT 4341
#define LISP_IID_MAX 0xffffff

enum {
	LISP_F_N = 0x80,  /* Nonce present. */
	LISP_F_L = 0x40,  /* Locator-status bits valid. */
	LISP_F_E = 0x20,  /* Echo-nonce request. */
	LISP_F_V = 0x10,  /* Map-versions present. */
	LISP_F_I = 0x08,  /* Instance ID present. */
	LISP_F_R = 0x04,  /* Reserved (LISP-GPE's P bit): ignored. */
	LISP_F_KK = 0x03, /* RFC 8061 key ID: non-zero means the payload is encrypted. */
};

/* What a received header says, decoded. */
struct lisp_hdr {
	uint8_t flags;
	uint32_t nonce;       /* Valid if flags & N (N and V both set: N wins). */
	uint16_t src_version; /* Valid if V and not N. */
	uint16_t dst_version;
	uint32_t iid;         /* 0 unless I. */
	uint32_t lsb;         /* Locator-status bits, 8 of them when I, else 32; valid if L. */
};

/* Writes the header we send for instance ID 'iid' (at most LISP_IID_MAX). */
void lisp_hdr_write(uint8_t out[LISP_HDR_SIZE], uint32_t iid);

/*
 * Decodes the header at the front of 'payload' ('size' bytes: the UDP payload) and checks the
 * inner packet behind it: its version nibble and that its IP header and length fit. On success
 * returns true and fills 'hdr', '*inner_size' (the inner packet's length from its own header,
 * at most size - 8) and '*ethertype' (0x0800 or 0x86dd); else false with '*why' set.
 */
bool lisp_hdr_parse(const uint8_t *payload, uint32_t size, struct lisp_hdr *hdr,
		    uint32_t *inner_size, uint16_t *ethertype, enum drop_reason *why);

#endif

/*
 * Unit tests for pkt.c and pkt.h: allocation and reset, push/pull bounds, VLAN push/pop (the
 * bytes, and the virtio-net csum_start/hdr_len that must follow the headers), and software
 * checksum completion checked against a checksum computed here from scratch.
 */
#include "unit.h"

#include <arpa/inet.h>

#include "pkt.h"

static const uint8_t mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* --- An independent checksum: big-endian words as numbers (RFC 1071). --- */

static uint32_t
ref_sum(const uint8_t *p, size_t size, uint32_t sum)
{
	for (size_t i = 0; i < size; i += 2) {
		sum += (uint32_t)p[i] << 8 | (i + 1 < size ? p[i + 1] : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* --- Packet builders. --- */

struct l4_case {
	const char *name;
	bool ipv6;
	uint8_t proto;          /* IPPROTO_UDP or IPPROTO_TCP. */
	size_t payload_size;    /* Odd sizes exercise the padded last word. */
};

/* Offsets of what a built packet contains. */
struct built {
	size_t l3, l4, size;
	uint16_t csum_offset;   /* Of the L4 checksum field, from 'l4'. */
	uint32_t pseudo;        /* Pseudo-header sum (unfolded, reference arithmetic). */
};

/* Writes Ethernet + IPv4/IPv6 + UDP/TCP + payload into 'pkt' (reset first). */
static struct built
build(struct pkt *pkt, const struct l4_case *lc)
{
	size_t l4_hdr = lc->proto == IPPROTO_TCP ? 20 : 8;
	size_t l4_size = l4_hdr + lc->payload_size;
	struct built b = { .l3 = 14 };
	uint8_t *p = pkt->data, pseudo[40];

	pkt_reset(pkt);
	p = pkt->data;
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	b.l4 = b.l3 + (lc->ipv6 ? 40 : 20);
	b.size = b.l4 + l4_size;
	memset(p + b.l3, 0, b.size - b.l3);
	if (lc->ipv6) {
		static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
		static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 2 };

		put16(p + 12, 0x86dd);
		p[b.l3] = 0x60;
		put16(p + b.l3 + 4, (uint16_t)l4_size);
		p[b.l3 + 6] = lc->proto;
		p[b.l3 + 7] = 64;
		memcpy(p + b.l3 + 8, src, 16);
		memcpy(p + b.l3 + 24, dst, 16);
		/* RFC 8200 section 8.1: addresses, 32-bit length, 3 zero bytes, next header. */
		memcpy(pseudo, src, 16);
		memcpy(pseudo + 16, dst, 16);
		memset(pseudo + 32, 0, 8);
		put16(pseudo + 34, (uint16_t)l4_size);
		pseudo[39] = lc->proto;
		b.pseudo = ref_sum(pseudo, 40, 0);
	} else {
		put16(p + 12, 0x0800);
		p[b.l3] = 0x45;
		put16(p + b.l3 + 2, (uint16_t)(20 + l4_size));
		p[b.l3 + 8] = 64;
		p[b.l3 + 9] = lc->proto;
		memcpy(p + b.l3 + 12, "\xc0\xa8\x01\x0a", 4);
		memcpy(p + b.l3 + 16, "\xc0\xa8\x02\xfe", 4);
		/* RFC 768: source, destination, zero, protocol, UDP length. */
		memcpy(pseudo, p + b.l3 + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = lc->proto;
		put16(pseudo + 10, (uint16_t)l4_size);
		b.pseudo = ref_sum(pseudo, 12, 0);
	}
	put16(p + b.l4, 40000);
	put16(p + b.l4 + 2, lc->proto == IPPROTO_TCP ? 80 : 4341);
	if (lc->proto == IPPROTO_TCP) {
		p[b.l4 + 12] = 5 << 4;
		p[b.l4 + 13] = 0x18;
		b.csum_offset = 16;
	} else {
		put16(p + b.l4 + 4, (uint16_t)l4_size);
		b.csum_offset = 6;
	}
	for (size_t i = 0; i < lc->payload_size; i++)
		p[b.l4 + l4_hdr + i] = (uint8_t)(i * 7 + 3);
	pkt->size = (uint32_t)b.size;
	return b;
}

/* Sets up what a kernel leaves for CHECKSUM_PARTIAL: the folded pseudo-header sum in place. */
static void
make_partial(struct pkt *pkt, const struct built *b)
{
	uint32_t s = b->pseudo;

	s = (s & 0xffff) + (s >> 16);
	put16(pkt->data + b->l4 + b->csum_offset, (uint16_t)s);
	pkt->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	pkt->vnet.csum_start = (uint16_t)b->l4;
	pkt->vnet.csum_offset = b->csum_offset;
}

/* The checksum computed from scratch over pseudo-header and segment (field taken as 0). */
static uint16_t
expected_csum(const uint8_t *l4, size_t l4_size, uint16_t csum_offset, uint32_t pseudo,
	      uint8_t proto)
{
	uint8_t *copy = malloc(l4_size);
	uint16_t c;

	memcpy(copy, l4, l4_size);
	put16(copy + csum_offset, 0);
	c = (uint16_t)~ref_sum(copy, l4_size, pseudo);
	free(copy);
	/* RFC 768: a computed UDP checksum of zero is sent as all ones. */
	return proto == IPPROTO_UDP && c == 0 ? 0xffff : c;
}

/* --- Tests. --- */

static void
test_alloc_reset(void **state)
{
	struct pkt *pkt = pkt_alloc();
	static const struct virtio_net_hdr zero;
	static const struct pkt_tunnel zero_tun;

	(void)state;
	assert_int_equal(pkt_headroom(pkt), PKT_HEADROOM);
	assert_int_equal(pkt->size, 0);
	assert_int_equal(pkt->in_port, 0);
	assert_int_equal(pkt->capacity, PKT_HEADROOM + PKT_MAX_SIZE);
	assert_int_equal(pkt_tailroom(pkt), PKT_MAX_SIZE);
	assert_memory_equal(&pkt->vnet, &zero, sizeof zero);
	assert_memory_equal(&pkt->tun, &zero_tun, sizeof zero_tun);
	/* The whole capacity is writable (ASan checks the allocation's size). */
	memset(pkt->buf, 0xa5, pkt->capacity);

	pkt->size = 100;
	pkt->in_port = 7;
	pkt->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	pkt->vnet.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	pkt->vnet.hdr_len = 54;
	pkt->tun.id = 7;
	pkt->tun.ipv4_dst = 0x01020304;
	pkt->tun.ipv6_src.s6_addr[15] = 1;
	assert_non_null(pkt_push(pkt, 20));
	pkt_reset(pkt);
	assert_int_equal(pkt_headroom(pkt), PKT_HEADROOM);
	assert_int_equal(pkt->size, 0);
	assert_int_equal(pkt->in_port, 0);
	assert_memory_equal(&pkt->vnet, &zero, sizeof zero);
	assert_memory_equal(&pkt->tun, &zero_tun, sizeof zero_tun);
	pkt_free(pkt);
}

static void
test_push_pull_bounds(void **state)
{
	static const struct {
		uint32_t size;      /* Packet size before. */
		int push;           /* Bytes pushed (>0) or pulled (<0). */
		bool ok;
	} v[] = {
		{ 0, 0, true },
		{ 0, 1, true },
		{ 0, PKT_HEADROOM, true },
		{ 0, PKT_HEADROOM + 1, false },
		{ 60, 0x7fffffff, false },
		{ 60, -60, true },
		{ 60, -61, false },
		{ 60, -1, true },
		{ 0, -1, false },
		{ 0, 0, true },
	};
	struct pkt *pkt = pkt_alloc();

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t *before;
		bool ok;

		pkt_reset(pkt);
		pkt->size = v[i].size;
		before = pkt->data;
		if (v[i].push >= 0) {
			uint8_t *p = pkt_push(pkt, (uint32_t)v[i].push);

			ok = p != NULL;
			if (ok)
				assert_ptr_equal(p, before - v[i].push);
		} else {
			ok = pkt_pull(pkt, (uint32_t)-v[i].push);
		}
		print_message("size %u, %+d\n", v[i].size, v[i].push);
		assert_int_equal(ok, v[i].ok);
		if (ok) {
			assert_ptr_equal(pkt->data, before - v[i].push);
			assert_int_equal(pkt->size, v[i].size + (uint32_t)v[i].push);
		} else {
			assert_ptr_equal(pkt->data, before);
			assert_int_equal(pkt->size, v[i].size);
		}
		/* Headroom + size + tailroom always add up to the capacity. */
		assert_int_equal(pkt_headroom(pkt) + pkt->size + pkt_tailroom(pkt), pkt->capacity);
	}
	/* Headroom used up in steps, then one byte more fails. */
	pkt_reset(pkt);
	for (int i = 0; i < PKT_HEADROOM / 4; i++)
		assert_non_null(pkt_push(pkt, 4));
	assert_int_equal(pkt_headroom(pkt), 0);
	assert_null(pkt_push(pkt, 1));
	assert_true(pkt_pull(pkt, PKT_HEADROOM));
	assert_int_equal(pkt->size, 0);
	assert_false(pkt_pull(pkt, 1));
	pkt_free(pkt);
}

/* An untagged IPv4 frame: MACs, type 0800, then 46 bytes of payload. */
static void
fill_frame(struct pkt *pkt, uint32_t size)
{
	pkt_reset(pkt);
	memcpy(pkt->data, mac_dst, 6);
	memcpy(pkt->data + 6, mac_src, 6);
	put16(pkt->data + 12, 0x0800);
	for (uint32_t i = 14; i < size; i++)
		pkt->data[i] = (uint8_t)i;
	pkt->size = size;
}

static void
test_vlan_push_bytes(void **state)
{
	struct pkt *pkt = pkt_alloc();
	uint8_t orig[60];

	(void)state;
	fill_frame(pkt, 60);
	memcpy(orig, pkt->data, 60);
	assert_true(pkt_vlan_push(pkt, 0x8100, 0x6064));  /* PCP 3, VID 100. */
	assert_int_equal(pkt->size, 64);
	assert_int_equal(pkt_headroom(pkt), PKT_HEADROOM - 4);
	assert_memory_equal(pkt->data, orig, 12);
	assert_memory_equal(pkt->data + 12, "\x81\x00\x60\x64", 4);
	assert_memory_equal(pkt->data + 16, orig + 12, 48);

	/* QinQ: a service tag goes outside the customer tag. */
	assert_true(pkt_vlan_push(pkt, 0x88a8, 0x000a));
	assert_int_equal(pkt->size, 68);
	assert_memory_equal(pkt->data, orig, 12);
	assert_memory_equal(pkt->data + 12, "\x88\xa8\x00\x0a\x81\x00\x60\x64", 8);
	assert_memory_equal(pkt->data + 20, orig + 12, 48);

	/* Pop twice restores the original frame exactly. */
	assert_true(pkt_vlan_pop(pkt));
	assert_int_equal(pkt->size, 64);
	assert_memory_equal(pkt->data + 12, "\x81\x00\x60\x64", 4);
	assert_true(pkt_vlan_pop(pkt));
	assert_int_equal(pkt->size, 60);
	assert_int_equal(pkt_headroom(pkt), PKT_HEADROOM);
	assert_memory_equal(pkt->data, orig, 60);
	assert_false(pkt_vlan_pop(pkt));
	assert_memory_equal(pkt->data, orig, 60);
	pkt_free(pkt);
}

static void
test_vlan_bounds(void **state)
{
	struct pkt *pkt = pkt_alloc();
	uint8_t orig[20];

	(void)state;
	/* Push needs both MAC addresses (12 bytes) and 4 bytes of headroom. */
	fill_frame(pkt, 11);
	assert_false(pkt_vlan_push(pkt, 0x8100, 1));
	assert_int_equal(pkt->size, 11);
	assert_int_equal(pkt_headroom(pkt), PKT_HEADROOM);
	fill_frame(pkt, 12);
	assert_true(pkt_vlan_push(pkt, 0x8100, 1));
	assert_int_equal(pkt->size, 16);

	fill_frame(pkt, 60);
	assert_non_null(pkt_push(pkt, PKT_HEADROOM - 3));
	memcpy(orig, pkt->data, sizeof orig);
	assert_false(pkt_vlan_push(pkt, 0x8100, 1));
	assert_int_equal(pkt->size, 60 + PKT_HEADROOM - 3);
	assert_memory_equal(pkt->data, orig, sizeof orig);

	/* Pop needs a whole tag and the type after it (18 bytes) and a VLAN TPID. */
	static const struct {
		const char *hex;
		bool ok;
	} pops[] = {
		{ "020000000002 020000000001 8100 0064 0800", true },
		{ "020000000002 020000000001 88a8 0064 8100", true },
		{ "020000000002 020000000001 8100 0064 08", false },     /* 17 bytes. */
		{ "020000000002 020000000001 0800 0064 0800", false },   /* Not tagged. */
		{ "020000000002 020000000001 9100 0064 0800", false },   /* Old QinQ TPID. */
		{ "020000000002 020000000001 0081 0064 0800", false },   /* Byte-swapped TPID. */
		{ "", false },
	};
	for (size_t i = 0; i < sizeof pops / sizeof pops[0]; i++) {
		uint8_t bytes[32];
		size_t n = unit_hex(pops[i].hex, bytes, sizeof bytes);

		pkt_reset(pkt);
		memcpy(pkt->data, bytes, n);
		pkt->size = (uint32_t)n;
		print_message("pop %s\n", pops[i].hex);
		assert_int_equal(pkt_vlan_pop(pkt), pops[i].ok);
		if (pops[i].ok) {
			assert_int_equal(pkt->size, n - 4);
			assert_memory_equal(pkt->data, bytes, 12);
			assert_memory_equal(pkt->data + 12, bytes + 16, 2);
		} else {
			assert_int_equal(pkt->size, n);
			assert_memory_equal(pkt->data, bytes, n);
		}
	}
	pkt_free(pkt);
}

/* csum_start moves with the headers only for NEEDS_CSUM; hdr_len only when set. */
static void
test_vlan_vnet_adjust(void **state)
{
	static const struct {
		uint8_t flags;
		uint16_t csum_start, hdr_len;
		uint16_t pushed_start, pushed_hdr_len;
	} v[] = {
		{ VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 0, 38, 0 },
		{ VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 54, 38, 58 },
		{ 0, 34, 54, 34, 58 },
		{ 0, 0, 0, 0, 0 },
		{ VIRTIO_NET_HDR_F_DATA_VALID, 34, 0, 34, 0 },
	};
	struct pkt *pkt = pkt_alloc();

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		fill_frame(pkt, 60);
		pkt->vnet.flags = v[i].flags;
		pkt->vnet.csum_start = v[i].csum_start;
		pkt->vnet.csum_offset = 6;
		pkt->vnet.hdr_len = v[i].hdr_len;
		print_message("vector %zu\n", i);
		assert_true(pkt_vlan_push(pkt, 0x8100, 5));
		assert_int_equal(pkt->vnet.csum_start, v[i].pushed_start);
		assert_int_equal(pkt->vnet.hdr_len, v[i].pushed_hdr_len);
		assert_int_equal(pkt->vnet.csum_offset, 6);
		assert_int_equal(pkt->vnet.flags, v[i].flags);
		assert_true(pkt_vlan_pop(pkt));
		assert_int_equal(pkt->vnet.csum_start, v[i].csum_start);
		assert_int_equal(pkt->vnet.hdr_len, v[i].hdr_len);
		assert_int_equal(pkt->vnet.csum_offset, 6);
	}
	pkt_free(pkt);
}

static const struct l4_case l4_cases[] = {
	{ "udp/ipv4", false, IPPROTO_UDP, 13 },
	{ "udp/ipv4 empty", false, IPPROTO_UDP, 0 },
	{ "tcp/ipv4", false, IPPROTO_TCP, 100 },
	{ "tcp/ipv6", true, IPPROTO_TCP, 1001 },
	{ "tcp/ipv6 no payload", true, IPPROTO_TCP, 0 },
	{ "udp/ipv6", true, IPPROTO_UDP, 1400 },
};

static void
test_offload_csum(void **state)
{
	struct pkt *pkt = pkt_alloc();

	(void)state;
	for (size_t i = 0; i < sizeof l4_cases / sizeof l4_cases[0]; i++) {
		const struct l4_case *lc = &l4_cases[i];
		struct built b = build(pkt, lc);
		uint8_t *field = pkt->data + b.l4 + b.csum_offset;
		uint16_t want = expected_csum(pkt->data + b.l4, b.size - b.l4, b.csum_offset,
					      b.pseudo, lc->proto);
		uint8_t *before = malloc(b.size);

		print_message("%s\n", lc->name);
		make_partial(pkt, &b);
		memcpy(before, pkt->data, b.size);
		pkt_offload_csum(pkt);
		assert_int_equal(get16(field), want);
		assert_int_equal(pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, 0);
		assert_int_equal(pkt->size, b.size);
		/* Nothing but the two checksum bytes changed. */
		assert_memory_equal(pkt->data, before, b.l4 + b.csum_offset);
		assert_memory_equal(field + 2, before + b.l4 + b.csum_offset + 2,
				    b.size - b.l4 - b.csum_offset - 2);
		/* A receiver's check: pseudo-header plus segment sums to all ones. */
		assert_int_equal(ref_sum(pkt->data + b.l4, b.size - b.l4, b.pseudo), 0xffff);
		/* Done means done: a second call changes nothing. */
		pkt_offload_csum(pkt);
		assert_int_equal(get16(field), want);
		free(before);
	}
	pkt_free(pkt);
}

/* A VLAN tag pushed between the kernel's hand-over and completion still gives the right sum. */
static void
test_offload_csum_after_vlan_push(void **state)
{
	struct pkt *pkt = pkt_alloc();
	struct built b = build(pkt, &l4_cases[0]);
	uint16_t want = expected_csum(pkt->data + b.l4, b.size - b.l4, b.csum_offset, b.pseudo,
				      IPPROTO_UDP);

	(void)state;
	make_partial(pkt, &b);
	assert_true(pkt_vlan_push(pkt, 0x8100, 100));
	pkt_offload_csum(pkt);
	assert_int_equal(get16(pkt->data + 4 + b.l4 + b.csum_offset), want);
	pkt_free(pkt);
}

/* Without NEEDS_CSUM, or with offsets outside the packet, no byte is written. */
static void
test_offload_csum_bad_offsets(void **state)
{
	static const struct {
		const char *name;
		uint8_t flags;
		int csum_start;      /* Relative to the L4 header; -1000: the packet's size. */
		uint16_t csum_offset;
	} v[] = {
		{ "no NEEDS_CSUM", 0, 0, 6 },
		{ "start at size", VIRTIO_NET_HDR_F_NEEDS_CSUM, -1000, 0 },
		{ "field at the end", VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 8 + 13 },
		{ "field one byte past", VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 8 + 13 - 1 },
		{ "huge offset", VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0xffff },
	};
	struct pkt *pkt = pkt_alloc();

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct built b = build(pkt, &l4_cases[0]);  /* UDP: 8 + 13 bytes of L4. */
		uint8_t *before = malloc(b.size);

		make_partial(pkt, &b);
		pkt->vnet.flags = v[i].flags;
		pkt->vnet.csum_start = (uint16_t)(v[i].csum_start == -1000 ? b.size
								: b.l4 + (size_t)v[i].csum_start);
		pkt->vnet.csum_offset = v[i].csum_offset;
		memcpy(before, pkt->data, b.size);
		print_message("%s\n", v[i].name);
		pkt_offload_csum(pkt);
		assert_memory_equal(pkt->data, before, b.size);
		assert_int_equal(pkt->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, 0);
		free(before);
	}
	/*
	 * A field ending one byte before the end (21 bytes of L4: the last even-aligned word) is
	 * inside the packet: it is written.
	 */
	{
		struct built b = build(pkt, &l4_cases[0]);

		make_partial(pkt, &b);
		pkt->vnet.csum_offset = (uint16_t)(b.size - b.l4 - 3);
		put16(pkt->data + b.size - 3, 0);
		pkt_offload_csum(pkt);
		assert_int_not_equal(get16(pkt->data + b.size - 3), 0);
		assert_int_equal(ref_sum(pkt->data + b.l4, b.size - b.l4, 0), 0xffff);
	}
	pkt_free(pkt);
}

/*
 * UDP whose checksum computes to zero must carry 0xffff (RFC 768; over IPv6 a zero UDP checksum
 * is invalid, RFC 8200 section 8.1, and the receiver drops the packet).
 */
static void
test_offload_csum_udp_zero(void **state)
{
	static const struct l4_case cases[] = {
		{ "udp/ipv6", true, IPPROTO_UDP, 20 },
		{ "udp/ipv4", false, IPPROTO_UDP, 20 },
	};
	struct pkt *pkt = pkt_alloc();

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct built b = build(pkt, &cases[i]);
		uint8_t *adj = pkt->data + b.size - 2;
		uint32_t s;

		/* Choose the last payload word so that everything sums to 0xffff. */
		put16(adj, 0);
		s = ref_sum(pkt->data + b.l4, b.size - b.l4, b.pseudo);
		put16(adj, (uint16_t)~s);
		assert_int_equal(ref_sum(pkt->data + b.l4, b.size - b.l4, b.pseudo), 0xffff);
		make_partial(pkt, &b);
		print_message("%s\n", cases[i].name);
		pkt_offload_csum(pkt);
		assert_int_equal(get16(pkt->data + b.l4 + b.csum_offset), 0xffff);
	}
	pkt_free(pkt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_reset),
		cmocka_unit_test(test_push_pull_bounds),
		cmocka_unit_test(test_vlan_push_bytes),
		cmocka_unit_test(test_vlan_bounds),
		cmocka_unit_test(test_vlan_vnet_adjust),
		cmocka_unit_test(test_offload_csum),
		cmocka_unit_test(test_offload_csum_after_vlan_push),
		cmocka_unit_test(test_offload_csum_bad_offsets),
		cmocka_unit_test(test_offload_csum_udp_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Software TCP segmentation: a 64 KiB-class GSO packet, over IPv4 and IPv6, cut into MSS-sized
 * segments, each with its own lengths, IDs, sequence numbers, flags, and correct checksums
 * (checked by summing each segment to zero, independently of how they were computed).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"
#include "pkt-gso.h"

#define MAX_SEGS 64

struct collected {
	int n;
	uint8_t data[MAX_SEGS][2000];
	uint32_t size[MAX_SEGS];
};

static void
collect(struct pkt *seg, void *aux)
{
	struct collected *c = aux;

	assert_true(c->n < MAX_SEGS && seg->size <= 2000);
	memcpy(c->data[c->n], seg->data, seg->size);
	c->size[c->n++] = seg->size;
}

/* Builds Ethernet + IP + TCP (20 bytes) + 'payload' bytes of a counting pattern. */
static void
build(struct pkt *p, bool v6, uint32_t payload, uint16_t mss, uint8_t flags)
{
	uint8_t *d = p->data;
	uint32_t l3 = 14, l4 = l3 + (v6 ? 40 : 20), total = l4 + 20 + payload;

	pkt_reset(p);
	memset(d, 0, l4 + 20);
	d[12] = v6 ? 0x86 : 0x08;
	d[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		d[l3] = 0x60;
		d[l3 + 6] = IPPROTO_TCP;
		d[l3 + 7] = 64;
		d[l3 + 23] = 1;
		d[l3 + 39] = 2;
	} else {
		d[l3] = 0x45;
		d[l3 + 4] = 0x12;
		d[l3 + 5] = 0x34; /* IP ID 0x1234. */
		d[l3 + 8] = 64;
		d[l3 + 9] = IPPROTO_TCP;
		memcpy(d + l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	}
	memcpy(d + l4, "\x30\x39\x00\x50\x00\x00\x10\x00", 8); /* Ports, seq 4096. */
	d[l4 + 12] = 0x50;
	d[l4 + 13] = flags;
	for (uint32_t i = 0; i < payload; i++)
		d[l4 + 20 + i] = (uint8_t)i;
	p->size = total;
	p->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	p->vnet.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	p->vnet.gso_size = mss;
	p->vnet.csum_start = (uint16_t)l4;
	p->vnet.csum_offset = 16;
	p->vnet.hdr_len = (uint16_t)(l4 + 20);
}

/* The TCP checksum of a whole segment verifies when everything sums to 0xffff. */
static void
check_tcp_csum(const uint8_t *ip, uint32_t l4_size, bool v6)
{
	uint8_t pseudo[8] = { 0 };
	uint32_t acc;

	pseudo[2] = (uint8_t)(l4_size >> 8);
	pseudo[3] = (uint8_t)l4_size;
	pseudo[7] = IPPROTO_TCP;
	acc = v6 ? csum_partial(ip + 8, 32, 0) : csum_partial(ip + 12, 8, 0);
	acc = csum_partial(pseudo, 8, acc);
	acc = csum_partial(ip + (v6 ? 40 : 20), l4_size, acc);
	assert_int_equal(csum_fold(acc), 0);
}

static void
check_segments(bool v6)
{
	struct pkt *p = pkt_alloc(), *scratch = pkt_alloc();
	static struct collected c;
	uint32_t payload = 2500, mss = 1000, l3 = 14, l4 = 14 + (v6 ? 40 : 20);

	c.n = 0;
	build(p, v6, payload, (uint16_t)mss, 0x18 | 0x01 | 0x80); /* PSH ACK FIN CWR. */
	assert_true(pkt_gso_segment(p, scratch, collect, &c));
	assert_int_equal(c.n, 3);
	for (int i = 0; i < c.n; i++) {
		const uint8_t *ip = c.data[i] + l3, *tcp = c.data[i] + l4;
		uint32_t chunk = i < 2 ? mss : payload - 2 * mss, seq;

		assert_int_equal(c.size[i], l4 + 20 + chunk);
		memcpy(&seq, tcp + 4, 4);
		assert_int_equal(ntohl(seq), 4096 + (uint32_t)i * mss);
		/* FIN and PSH only on the last segment, CWR only on the first. */
		assert_int_equal(tcp[13], (i == 2 ? 0x19 : 0x10) | (i == 0 ? 0x80 : 0));
		assert_int_equal(c.data[i][l4 + 20], (uint8_t)(i * mss));
		if (v6) {
			assert_int_equal(ip[4] << 8 | ip[5], 20 + chunk);
		} else {
			assert_int_equal(ip[2] << 8 | ip[3], 40 + chunk);
			assert_int_equal(ip[4] << 8 | ip[5], 0x1234 + i);
			assert_int_equal(csum_fold(csum_partial(ip, 20, 0)), 0);
		}
		check_tcp_csum(ip, 20 + chunk, v6);
	}
	pkt_free(p);
	pkt_free(scratch);
}

static void
test_tcp4(void **state)
{
	(void)state;
	check_segments(false);
}

static void
test_tcp6(void **state)
{
	(void)state;
	check_segments(true);
}

static void
test_refuses_non_gso(void **state)
{
	struct pkt *p = pkt_alloc(), *scratch = pkt_alloc();
	static struct collected c;

	(void)state;
	build(p, false, 100, 1000, 0x10);
	p->vnet.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_false(pkt_gso_segment(p, scratch, collect, &c));
	build(p, false, 100, 0, 0x10);
	assert_false(pkt_gso_segment(p, scratch, collect, &c));
	build(p, false, 100, 1000, 0x10);
	p->vnet.csum_start = 200; /* Beyond the packet. */
	assert_false(pkt_gso_segment(p, scratch, collect, &c));
	assert_int_equal(c.n, 0);
	pkt_free(p);
	pkt_free(scratch);
}

/* A payload of exactly two MSS is two segments, and the iterator says when it is done. */
static void
test_iter_exact_multiple(void **state)
{
	static uint8_t seg[2000];
	struct pkt *p = pkt_alloc();
	struct pkt_gso_iter it;

	(void)state;
	build(p, false, 2000, 1000, 0x10);
	assert_true(pkt_gso_start(p, &it));
	for (int i = 0; i < 2; i++) {
		assert_true(pkt_gso_more(&it));
		assert_int_equal(pkt_gso_next(&it, it.l3, seg), 20 + 20 + 1000);
	}
	assert_false(pkt_gso_more(&it));
	assert_int_equal(pkt_gso_next(&it, it.l3, seg), 0);
	/* Headers only: one segment of headers. */
	build(p, false, 0, 1000, 0x10);
	assert_true(pkt_gso_start(p, &it));
	assert_int_equal(pkt_gso_next(&it, 0, seg), 14 + 20 + 20);
	assert_false(pkt_gso_more(&it));
	pkt_free(p);
}

/*
 * Joining: a GSO packet cut with pkt_gso_next into IP segments, each behind an 8-byte tunnel
 * header, laid end to end as a UDP GSO payload (as a lisp port's direct path sends it).
 */
#define ENCAP 8
static const uint8_t encap_hdr[ENCAP] = { 0xc8, 0, 0, 0, 0, 0, 0x2a, 0x01 };

static uint32_t
lay_out(const struct pkt *p, uint8_t *buf, uint32_t *chunk)
{
	struct pkt_gso_iter it;
	uint32_t size = 0, n;

	assert_true(pkt_gso_start(p, &it));
	*chunk = ENCAP + it.hdr - it.l3 + it.mss;
	for (;;) {
		n = pkt_gso_next(&it, it.l3, buf + size + ENCAP);
		if (!n)
			return size;
		memcpy(buf + size, encap_hdr, ENCAP);
		size += ENCAP + n;
	}
}

static void
check_join(bool v6)
{
	static uint8_t buf[8000], again[8000];
	struct pkt *p = pkt_alloc(), *out = pkt_alloc();
	uint32_t payload = 2500, mss = 1000, ihl = v6 ? 40 : 20, chunk, chunk2, size, seq;
	const uint8_t *ip, *tcp;

	build(p, v6, payload, (uint16_t)mss, 0x18 | 0x01 | 0x80); /* PSH ACK FIN CWR. */
	size = lay_out(p, buf, &chunk);
	assert_int_equal(size, 3 * (ENCAP + ihl + 20) + payload);
	assert_true(pkt_gso_join(buf, size, chunk, ENCAP, out));
	ip = out->data + ENCAP;
	tcp = ip + ihl;
	assert_memory_equal(out->data, encap_hdr, ENCAP);
	assert_int_equal(out->size, ENCAP + ihl + 20 + payload);
	/* The original packet again: payload in order, first sequence number, all flags. */
	assert_memory_equal(tcp + 20, p->data + 14 + ihl + 20, payload);
	memcpy(&seq, tcp + 4, 4);
	assert_int_equal(ntohl(seq), 4096);
	assert_int_equal(tcp[13], 0x18 | 0x01 | 0x80);
	if (v6) {
		assert_int_equal(ip[4] << 8 | ip[5], 20 + payload);
	} else {
		assert_int_equal(ip[2] << 8 | ip[3], 40 + payload);
		assert_int_equal(ip[4] << 8 | ip[5], 0x1234);
		assert_int_equal(csum_fold(csum_partial(ip, 20, 0)), 0);
	}
	/* GSO asked for, offsets from out->data; the field holds the pseudo-header sum. */
	assert_int_equal(out->vnet.gso_type, (v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4) |
			 VIRTIO_NET_HDR_GSO_ECN);
	assert_int_equal(out->vnet.gso_size, mss);
	assert_int_equal(out->vnet.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(out->vnet.csum_start, ENCAP + ihl);
	assert_int_equal(out->vnet.csum_offset, 16);
	assert_int_equal(out->vnet.hdr_len, ENCAP + ihl + 20);
	pkt_offload_csum(out);
	check_tcp_csum(ip, 20 + payload, v6);
	/* An Ethernet header in place of the tunnel's, cut again: the same segments. */
	out->data -= 14 - ENCAP;
	out->size += 14 - ENCAP;
	memcpy(out->data, p->data, 14);
	out->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	out->vnet.csum_start = (uint16_t)(14 + ihl);
	assert_int_equal(lay_out(out, again, &chunk2), size);
	assert_int_equal(chunk2, chunk);
	assert_memory_equal(again, buf, size);
	pkt_free(p);
	pkt_free(out);
}

static void
test_join4(void **state)
{
	(void)state;
	check_join(false);
}

static void
test_join6(void **state)
{
	(void)state;
	check_join(true);
}

/* Anything but consecutive segments of one connection behind one tunnel header is refused. */
static void
test_join_refuses(void **state)
{
	static uint8_t buf[8000], bad[8000];
	struct pkt *p = pkt_alloc(), *out = pkt_alloc();
	uint32_t chunk, size;
	static const struct {
		const char *what;
		uint32_t at;       /* Byte of the second chunk to change. */
		uint8_t xor;
	} cases[] = {
		{ "tunnel header", 6, 0x01 },
		{ "IP source", ENCAP + 12, 0x01 },
		{ "IP TTL", ENCAP + 8, 0x01 },
		{ "TCP port", ENCAP + 20 + 1, 0x01 },
		{ "sequence gap", ENCAP + 20 + 7, 0x01 },
		{ "window", ENCAP + 20 + 15, 0x01 },
		{ "FIN before the last", ENCAP + 20 + 13, 0x01 },
		{ "SYN", ENCAP + 20 + 13, 0x02 },
	};

	(void)state;
	build(p, false, 2500, 1000, 0x10);
	size = lay_out(p, buf, &chunk);
	assert_true(pkt_gso_join(buf, size, chunk, ENCAP, out));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("%s\n", cases[i].what);
		memcpy(bad, buf, size);
		bad[chunk + cases[i].at] ^= cases[i].xor;
		assert_false(pkt_gso_join(bad, size, chunk, ENCAP, out));
	}
	/* One chunk is not worth joining; a short last chunk without payload is not a segment. */
	assert_false(pkt_gso_join(buf, chunk, chunk, ENCAP, out));
	assert_false(pkt_gso_join(buf, 2 * chunk + ENCAP + 40, chunk, ENCAP, out));
	/* UDP inside is not TCP. */
	memcpy(bad, buf, size);
	for (uint32_t c = 0; c < size; c += chunk)
		bad[c + ENCAP + 9] = IPPROTO_UDP;
	assert_false(pkt_gso_join(bad, size, chunk, ENCAP, out));
	pkt_free(p);
	pkt_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4),
		cmocka_unit_test(test_tcp6),
		cmocka_unit_test(test_refuses_non_gso),
		cmocka_unit_test(test_iter_exact_multiple),
		cmocka_unit_test(test_join4),
		cmocka_unit_test(test_join6),
		cmocka_unit_test(test_join_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

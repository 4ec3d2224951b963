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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4),
		cmocka_unit_test(test_tcp6),
		cmocka_unit_test(test_refuses_non_gso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

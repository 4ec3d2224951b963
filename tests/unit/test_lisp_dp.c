/*
 * LISP data header: what we send (OVS's bytes) and what we accept (every valid RFC 9300 header),
 * with the vectors of LISP-PROTOCOL.md section 4 and the refusals of its receive checklist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lisp-dp.h"

/* A minimal inner IPv4 header (20 bytes, total length 20) or IPv6 (40, payload 0). */
static const uint8_t inner4[20] = { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17 };
static const uint8_t inner6[40] = { 0x60, 0, 0, 0, 0, 0, 17, 64 };

static size_t
build(uint8_t *buf, const uint8_t hdr[8], const uint8_t *inner, size_t inner_size)
{
	memcpy(buf, hdr, 8);
	memcpy(buf + 8, inner, inner_size);
	return 8 + inner_size;
}

static void
test_write_ovs_bytes(void **state)
{
	uint8_t out[8];

	(void)state;
	lisp_hdr_write(out, 42);
	assert_memory_equal(out, "\x48\x00\x00\x00\x00\x00\x2a\x01", 8);
	lisp_hdr_write(out, 0xffffff);
	assert_memory_equal(out, "\x48\x00\x00\x00\xff\xff\xff\x01", 8);
	lisp_hdr_write(out, 0);
	assert_memory_equal(out, "\x48\x00\x00\x00\x00\x00\x00\x01", 8);
}

struct accept_vector {
	const char *name;
	uint8_t hdr[8];
	uint32_t iid;
	uint32_t nonce;
	uint16_t src_ver, dst_ver;
};

static const struct accept_vector accepts[] = {
	{ "ovs", { 0x48, 0, 0, 0, 0, 0, 0x2a, 0x01 }, 42, 0, 0, 0 },
	{ "nonce", { 0x88, 0xab, 0xcd, 0xef, 0, 0, 0x2a, 0x00 }, 42, 0xabcdef, 0, 0 },
	{ "versions", { 0x18, 0x00, 0x50, 0x07, 0, 0, 0x2a, 0x00 }, 42, 0, 5, 7 },
	{ "N and V: nonce wins", { 0x98, 0x12, 0x34, 0x56, 0, 0, 1, 0 }, 1, 0x123456, 0, 0 },
	{ "no I bit: iid 0", { 0x40, 0, 0, 0, 0, 0, 0, 3 }, 0, 0, 0, 0 },
	{ "E without N ignored", { 0x28, 0, 0, 0, 0, 0, 7, 0 }, 7, 0, 0, 0 },
	{ "R (GPE P bit) ignored", { 0x0c, 0, 0, 0x01, 0, 1, 0, 0 }, 256, 0, 0, 0 },
	{ "all of N L E I", { 0xe8, 0, 0, 1, 0xff, 0xff, 0xff, 0xff }, 0xffffff, 1, 0, 0 },
};

static void
test_accept(void **state)
{
	uint8_t buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof accepts / sizeof accepts[0]; i++) {
		const struct accept_vector *v = &accepts[i];
		size_t n = build(buf, v->hdr, inner4, sizeof inner4);
		struct lisp_hdr h;
		enum drop_reason why;
		uint32_t inner;
		uint16_t type;

		if (!lisp_hdr_parse(buf, (uint32_t)n, &h, &inner, &type, &why))
			fail_msg("%s refused: %s", v->name, drop_reason_name(why));
		assert_int_equal(h.iid, v->iid);
		assert_int_equal(h.nonce, v->nonce);
		assert_int_equal(h.src_version, v->src_ver);
		assert_int_equal(h.dst_version, v->dst_ver);
		assert_int_equal(inner, 20);
		assert_int_equal(type, 0x0800);
	}
}

static void
test_inner_ipv6_and_padding(void **state)
{
	uint8_t buf[80], hdr[8] = { 0x48, 0, 0, 0, 0, 0, 1, 1 };
	struct lisp_hdr h;
	enum drop_reason why;
	uint32_t inner;
	uint16_t type;
	size_t n = build(buf, hdr, inner6, sizeof inner6);

	(void)state;
	assert_true(lisp_hdr_parse(buf, (uint32_t)n, &h, &inner, &type, &why));
	assert_int_equal(type, 0x86dd);
	assert_int_equal(inner, 40);
	/* Trailing bytes beyond the inner packet's own length are padding, not an error. */
	n = build(buf, hdr, inner4, sizeof inner4);
	assert_true(lisp_hdr_parse(buf, (uint32_t)n + 6, &h, &inner, &type, &why));
	assert_int_equal(inner, 20);
}

struct refuse_vector {
	const char *name;
	uint8_t hdr[8];
	const uint8_t *inner;
	size_t inner_size;   /* Bytes of 'inner' placed after the header. */
	enum drop_reason why;
};

static const uint8_t inner4_long[20] = { 0x45, 0, 0, 60, 0, 0, 0, 0, 64, 17 };
static const uint8_t inner4_ihl3[20] = { 0x43, 0, 0, 20 };
static const uint8_t inner_v5[20] = { 0x55, 0, 0, 20 };
static const uint8_t inner_arp[28] = { 0x00, 0x01, 0x08, 0x00, 6, 4 };
static const uint8_t inner6_long[40] = { 0x60, 0, 0, 0, 0, 8, 17, 64 };

static const struct refuse_vector refuses[] = {
	{ "empty", { 0 }, NULL, 0, DROP_LISP_SHORT },
	{ "header only", { 0x48, 0, 0, 0, 0, 0, 0, 1 }, inner4, 0, DROP_LISP_SHORT },
	{ "short inner v4", { 0x48, 0, 0, 0, 0, 0, 0, 1 }, inner4, 12, DROP_LISP_SHORT },
	{ "short inner v6", { 0x48, 0, 0, 0, 0, 0, 0, 1 }, inner6, 30, DROP_LISP_SHORT },
	{ "KK=01", { 0x49, 0, 0, 0, 0, 0, 0, 1 }, inner4, 20, DROP_LISP_ENCRYPTED },
	{ "KK=11", { 0x4b, 0, 0, 0, 0, 0, 0, 1 }, inner4, 20, DROP_LISP_ENCRYPTED },
	{ "version 5", { 0x48, 0, 0, 0, 0, 0, 0, 1 }, inner_v5, 20, DROP_LISP_INNER_VERSION },
	{ "ARP inside", { 0x48, 0, 0, 0, 0, 0, 0, 1 }, inner_arp, 28, DROP_LISP_INNER_VERSION },
	{ "v4 length lies", { 0x48, 0, 0, 0, 0, 0, 0, 1 }, inner4_long, 20, DROP_LISP_INNER_TRUNCATED },
	{ "v4 IHL 3", { 0x48, 0, 0, 0, 0, 0, 0, 1 }, inner4_ihl3, 20, DROP_LISP_INNER_TRUNCATED },
	{ "v6 length lies", { 0x48, 0, 0, 0, 0, 0, 0, 1 }, inner6_long, 40, DROP_LISP_INNER_TRUNCATED },
};

static void
test_refuse(void **state)
{
	uint8_t buf[80];

	(void)state;
	for (size_t i = 0; i < sizeof refuses / sizeof refuses[0]; i++) {
		const struct refuse_vector *v = &refuses[i];
		size_t n = v->inner ? build(buf, v->hdr, v->inner, v->inner_size) : 0;
		struct lisp_hdr h;
		enum drop_reason why = DROP_RUNT;
		uint32_t inner;
		uint16_t type;

		if (lisp_hdr_parse(buf, (uint32_t)n, &h, &inner, &type, &why))
			fail_msg("%s accepted", v->name);
		if (why != v->why)
			fail_msg("%s: %s, expected %s", v->name, drop_reason_name(why),
				 drop_reason_name(v->why));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_ovs_bytes),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_inner_ipv6_and_padding),
		cmocka_unit_test(test_refuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

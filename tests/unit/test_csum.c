/* Unit tests for csum.c: the RFC 1071 Internet checksum. */
#include "unit.h"

#include "csum.h"

/*
 * An independent reference: big-endian 16-bit words as numbers, end-around carry after every
 * addition, as RFC 1071 section 1 describes it. Returns the checksum as a number (host order).
 */
static uint16_t
ref_csum(const uint8_t *p, size_t size)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < size; i += 2) {
		sum += (uint32_t)p[i] << 8 | (i + 1 < size ? p[i + 1] : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

/* csum_fold's result stored as the two bytes a packet would carry. */
static void
csum_bytes(const uint8_t *p, size_t size, uint8_t out[2])
{
	uint16_t sum = csum_fold(csum_partial(p, size, 0));

	memcpy(out, &sum, 2);
}

static const struct {
	const char *name;
	const char *data;     /* Hex. */
	uint8_t expect[2];    /* Checksum as it appears on the wire. */
} vectors[] = {
	{ "empty", "", { 0xff, 0xff } },
	{ "one byte (odd)", "ab", { 0x54, 0xff } },
	{ "three bytes (odd)", "010203", { 0xfb, 0xfd } },
	/* RFC 1071 section 3: the sum of these is 0xddf2, so the checksum is 0x220d. */
	{ "rfc1071 example", "0001 f203 f4f5 f6f7", { 0x22, 0x0d } },
	{ "rfc1071 example, odd tail", "0001 f203 f4f5 f6f7 01", { 0x21, 0x0d } },
	{ "all ones", "ffff", { 0x00, 0x00 } },
	{ "zeros", "0000 0000 00", { 0xff, 0xff } },
	/* A real IPv4 header (checksum field zeroed); its checksum is b861. */
	{ "ipv4 header", "4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7", { 0xb8, 0x61 } },
	/* Carries out of the top: fffe + 0003 = 1 0001 -> 0002, checksum fffd. */
	{ "end-around carry", "fffe 0003", { 0xff, 0xfd } },
};

static void
test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		uint8_t buf[64], got[2];
		size_t n = unit_hex(vectors[i].data, buf, sizeof buf);
		uint16_t ref = ref_csum(buf, n);

		csum_bytes(buf, n, got);
		print_message("%s\n", vectors[i].name);
		assert_memory_equal(got, vectors[i].expect, 2);
		/* The reference agrees, so the table itself is right. */
		assert_int_equal(ref, vectors[i].expect[0] << 8 | vectors[i].expect[1]);
	}
}

/* Inserting the checksum into the data makes the whole sum to 0xffff (checksum 0). */
static void
test_verify_property(void **state)
{
	uint8_t buf[20];
	size_t n = unit_hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7", buf, sizeof buf);
	uint16_t sum = csum_fold(csum_partial(buf, n, 0));

	(void)state;
	memcpy(buf + 10, &sum, 2);
	assert_int_equal(csum_fold(csum_partial(buf, n, 0)), 0);
}

/* Pseudo-random buffers of every length 0..600 (odd included) against the reference. */
static void
test_random_lengths(void **state)
{
	static uint8_t buf[600];
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t len = 0; len <= sizeof buf; len++) {
		uint8_t got[2];
		uint16_t ref = ref_csum(buf, len);

		csum_bytes(buf, len, got);
		if (got[0] != ref >> 8 || got[1] != (ref & 0xff))
			fail_msg("length %zu: got %02x%02x, expected %04x", len, got[0], got[1],
				 ref);
	}
}

/* 64 KiB of 0xff bytes: many carries out of the 32-bit running sum. */
static void
test_large_all_ones(void **state)
{
	size_t n = 65535;
	uint8_t *buf = malloc(n), got[2];

	(void)state;
	memset(buf, 0xff, n);
	csum_bytes(buf, n, got);
	/* 32767 words of ffff fold to ffff; the odd ff00 tail gives 1feff -> ff00; ~ = 00ff. */
	assert_int_equal(got[0], 0x00);
	assert_int_equal(got[1], 0xff);
	assert_int_equal(ref_csum(buf, n), 0x00ff);
	free(buf);
}

/*
 * A 32-bit running sum near its top plus data whose sum carries out of 32 bits twice: the end
 * result must still be the one's complement sum. 65537 words of ffff are one's complement zero
 * and the last word is 1 in memory order (whatever the host's byte order), so the checksum is ~1.
 */
static void
test_carry_out_of_32_bits(void **state)
{
	size_t n = 2 * 65538;
	uint8_t *buf = malloc(n);
	uint16_t one = 1;

	(void)state;
	memset(buf, 0xff, n - 2);
	memcpy(buf + n - 2, &one, 2);
	assert_int_equal(csum_fold(csum_partial(buf, n, 0xffffffff)), 0xfffe);
	assert_int_equal(csum_fold(csum_partial(buf, n, 0)), 0xfffe);
	free(buf);
}

/* A running sum carried across even-sized pieces equals the sum of the whole. */
static void
test_incremental(void **state)
{
	uint8_t buf[64];
	size_t n = unit_hex("0001 f203 f4f5 f6f7 4500 0073 0000 4000 4011 0000 c0a8 0001"
			    " c0a8 00c7 ab", buf, sizeof buf);
	uint16_t whole = csum_fold(csum_partial(buf, n, 0));

	(void)state;
	for (size_t split = 0; split <= n; split += 2) {
		uint32_t s = csum_partial(buf, split, 0);

		assert_int_equal(csum_fold(csum_partial(buf + split, n - split, s)), whole);
	}
}

static void
test_fold(void **state)
{
	static const struct {
		uint32_t sum;
		uint16_t folded;
	} v[] = {
		{ 0, 0xffff },
		{ 0xffff, 0 },
		{ 0x1fffe, 0 },        /* fffe + 1 = ffff. */
		{ 0xffffffff, 0 },     /* ffff + ffff = 1fffe -> ffff. */
		{ 0x0001ffff, 0xfffe },/* ffff + 1 = 10000 -> 0001. */
		{ 0x12345678, 0x9753 },/* 1234 + 5678 = 68ac. */
		{ 0x00010000, 0xfffe },
	};

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_int_equal(csum_fold(v[i].sum), v[i].folded);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_verify_property),
		cmocka_unit_test(test_random_lengths),
		cmocka_unit_test(test_large_all_ones),
		cmocka_unit_test(test_carry_out_of_32_bits),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for lisp-auth.c: HMAC-SHA-1 and HMAC-SHA-256 over Map-Register and Map-Notify
 * bytes. The expected digests are LISP-PROTOCOL.md section 4's vectors 4 and 5, and for the
 * other cases values computed outside this code base, over the hex below, with
 *   echo -n HEX | xxd -r -p | openssl dgst -sha1 -hmac secret   (or -sha256)
 * Full-length digests are signed and verified; the RFC's truncations (12 and 16 bytes) verify.
 */
#include "unit.h"

#include "lisp-auth.h"

#define NONCE "0123456789abcdef "
#define RECORD "000005a0 01181000 00004003 00000200 000a0000 002a0001 0a000000 " \
	       "0164ff00 00050001 c0000201"
#define Z4 "00000000 "
#define Z16 Z4 Z4 Z4 Z4

static const struct vector {
	const char *name;
	const char *msg;      /* Hex, authentication data zero. */
	int alg;
	size_t auth_len;
	const char *digest;   /* Hex: 'auth_len' bytes of the HMAC keyed with "secret". */
} vectors[] = {
	{ "vector 4: Map-Register, HMAC-SHA-256", "30000101 " NONCE "00020020 " Z16 Z16 RECORD,
	  LISP_AUTH_SHA256_128, 32,
	  "100cde7ba0d8201fb99afa1b15e08eab4fd18c3c3fd1970346ea2a4abaa61fdc" },
	{ "vector 5: Map-Notify, HMAC-SHA-256", "40000001 " NONCE "00020020 " Z16 Z16 RECORD,
	  LISP_AUTH_SHA256_128, 32,
	  "9e89ab97e5a6ec41e271c7b0f7a41ba110fb8e23c75af5c647a7ce4397ccf34d" },
	{ "Map-Register, HMAC-SHA-1", "30000101 " NONCE "00010014 " Z16 Z4 RECORD,
	  LISP_AUTH_SHA1_96, 20, "47772c649e55847ab672ada0ff0159a0ccf86225" },
};

/* Messages carrying the RFC's truncated digests: verified, but never what we sign. */
static const struct vector truncated[] = {
	{ "HMAC-SHA-256-128", "30000101 " NONCE "00020010 " Z16 RECORD, LISP_AUTH_SHA256_128, 16,
	  "f796df82a2a96ad3fb7f31091e006c80" },
	{ "HMAC-SHA-1-96", "30000101 " NONCE "0001000c " Z4 Z4 Z4 RECORD, LISP_AUTH_SHA1_96, 12,
	  "095c9fc3a9c6a0fd60d18ada" },
};

struct msg {
	uint8_t bytes[128];
	size_t len;
	uint8_t digest[32];
};

static struct msg
load(const struct vector *v)
{
	struct msg m;

	m.len = unit_hex(v->msg, m.bytes, sizeof m.bytes);
	assert_int_equal(unit_hex(v->digest, m.digest, sizeof m.digest), v->auth_len);
	return m;
}

static void
test_sign_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		struct msg m = load(v);

		print_message("%s\n", v->name);
		assert_true(lisp_auth_sign(m.bytes, m.len, 16, v->auth_len, v->alg, "secret"));
		assert_memory_equal(m.bytes + 16, m.digest, v->auth_len);
		assert_true(lisp_auth_verify(m.bytes, m.len, 16, v->auth_len, v->alg, "secret"));
		/* Signing again (auth data no longer zero) gives the same bytes. */
		assert_true(lisp_auth_sign(m.bytes, m.len, 16, v->auth_len, v->alg, "secret"));
		assert_memory_equal(m.bytes + 16, m.digest, v->auth_len);
	}
}

static void
test_verify_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof truncated / sizeof truncated[0]; i++) {
		const struct vector *v = &truncated[i];
		struct msg m = load(v);

		print_message("%s\n", v->name);
		/* We never sign with a truncated length... */
		assert_false(lisp_auth_sign(m.bytes, m.len, 16, v->auth_len, v->alg, "secret"));
		memcpy(m.bytes + 16, m.digest, v->auth_len);
		/* ...but accept one. */
		assert_true(lisp_auth_verify(m.bytes, m.len, 16, v->auth_len, v->alg, "secret"));
		m.bytes[16 + v->auth_len - 1] ^= 1;
		assert_false(lisp_auth_verify(m.bytes, m.len, 16, v->auth_len, v->alg, "secret"));
	}
}

/* Any flipped bit anywhere (header, auth data, records) fails, and the message is not changed. */
static void
test_flipped_byte_fails(void **state)
{
	struct msg m = load(&vectors[0]);
	uint8_t copy[128];

	(void)state;
	memcpy(m.bytes + 16, m.digest, 32);
	for (size_t i = 0; i < m.len; i++) {
		m.bytes[i] ^= 0x01;
		memcpy(copy, m.bytes, m.len);
		if (lisp_auth_verify(m.bytes, m.len, 16, 32, LISP_AUTH_SHA256_128, "secret"))
			fail_msg("byte %zu flipped: verified", i);
		assert_memory_equal(copy, m.bytes, m.len);
		m.bytes[i] ^= 0x01;
	}
	assert_true(lisp_auth_verify(m.bytes, m.len, 16, 32, LISP_AUTH_SHA256_128, "secret"));
}

static void
test_wrong_parameters_fail(void **state)
{
	struct msg m = load(&vectors[0]);

	(void)state;
	memcpy(m.bytes + 16, m.digest, 32);
	assert_false(lisp_auth_verify(m.bytes, m.len, 16, 32, LISP_AUTH_SHA256_128, "secreT"));
	assert_false(lisp_auth_verify(m.bytes, m.len, 16, 32, LISP_AUTH_SHA256_128, ""));
	assert_false(lisp_auth_verify(m.bytes, m.len, 16, 32, LISP_AUTH_SHA1_96, "secret"));
	assert_false(lisp_auth_verify(m.bytes, m.len, 16, 32, LISP_AUTH_NONE, "secret"));
	assert_false(lisp_auth_verify(m.bytes, m.len, 16, 32, 3, "secret"));
	/* Lengths other than the digest's or the RFC truncation's. */
	assert_false(lisp_auth_verify(m.bytes, m.len, 16, 20, LISP_AUTH_SHA256_128, "secret"));
	assert_false(lisp_auth_verify(m.bytes, m.len, 16, 0, LISP_AUTH_SHA256_128, "secret"));
	/* Authentication data that would lie past the message. */
	assert_false(lisp_auth_verify(m.bytes, 40, 16, 32, LISP_AUTH_SHA256_128, "secret"));
	assert_false(lisp_auth_verify(m.bytes, 47, 16, 32, LISP_AUTH_SHA256_128, "secret"));
	assert_false(lisp_auth_verify(m.bytes, m.len, SIZE_MAX - 8, 32, LISP_AUTH_SHA256_128,
				      "secret"));
	assert_false(lisp_auth_sign(m.bytes, 47, 16, 32, LISP_AUTH_SHA256_128, "secret"));
	assert_false(lisp_auth_sign(m.bytes, m.len, 16, 16, LISP_AUTH_SHA256_128, "secret"));
	assert_false(lisp_auth_sign(m.bytes, m.len, 16, 0, LISP_AUTH_NONE, "secret"));
}

static void
test_algorithms(void **state)
{
	int alg = -1;

	(void)state;
	assert_int_equal(lisp_auth_len(LISP_AUTH_SHA1_96), 20);
	assert_int_equal(lisp_auth_len(LISP_AUTH_SHA256_128), 32);
	assert_int_equal(lisp_auth_len(LISP_AUTH_NONE), 0);
	assert_int_equal(lisp_auth_len(7), 0);
	assert_true(lisp_auth_alg_parse("sha1", &alg));
	assert_int_equal(alg, LISP_AUTH_SHA1_96);
	assert_true(lisp_auth_alg_parse("sha256", &alg));
	assert_int_equal(alg, LISP_AUTH_SHA256_128);
	assert_false(lisp_auth_alg_parse("none", &alg));
	assert_false(lisp_auth_alg_parse("SHA1", &alg));
	assert_false(lisp_auth_alg_parse("", &alg));
	assert_int_equal(alg, LISP_AUTH_SHA256_128);
	assert_string_equal(lisp_auth_alg_name(LISP_AUTH_SHA1_96), "sha1");
	assert_string_equal(lisp_auth_alg_name(LISP_AUTH_SHA256_128), "sha256");
	assert_string_equal(lisp_auth_alg_name(LISP_AUTH_NONE), "none");
	assert_string_equal(lisp_auth_alg_name(9), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_vectors),
		cmocka_unit_test(test_verify_truncated),
		cmocka_unit_test(test_flipped_byte_fails),
		cmocka_unit_test(test_wrong_parameters_fail),
		cmocka_unit_test(test_algorithms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * LISP control messages, as they come from any host to UDP 4342: the input is decoded as every
 * message type (and an ECM's inner message again, as each type). Whatever decodes must encode,
 * and decode again to the same struct: encoders and decoders agree on every field that
 * survives the trip (all but the Map-Register's authentication data, which encoders write zero).
 * Prefixes also survive lisp_prefix_format() and lisp_prefix_parse().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lisp-auth.h"
#include "lisp-msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for any re-encoding: 32 records of 8 IPv6 locators, or an ECM as long as its input. */
#define OUT_SIZE (64 * 1024 + 128)
static uint8_t out[OUT_SIZE];

static void
check_prefix(const struct lisp_prefix *p)
{
	char buf[LISP_PREFIX_STRLEN];
	struct lisp_prefix again;

	if (!lisp_prefix_parse(lisp_prefix_format(p, buf), 0, &again) ||
	    !lisp_prefix_equal(p, &again))
		abort();
}

static void
check_request(const uint8_t *msg, size_t len)
{
	static struct lisp_map_request a, b;
	const char *why;
	size_t n;

	if (!lisp_map_request_decode(msg, len, &a, &why))
		return;
	for (uint8_t i = 0; i < a.n_eids; i++)
		check_prefix(&a.eids[i]);
	n = lisp_map_request_encode(&a, out, sizeof out);
	if (!n || !lisp_map_request_decode(out, n, &b, &why) || memcmp(&a, &b, sizeof a))
		abort();
}

static void
check_reply(const uint8_t *msg, size_t len)
{
	static struct lisp_map_reply a, b;
	const char *why;
	size_t n;

	if (!lisp_map_reply_decode(msg, len, &a, &why))
		return;
	for (uint8_t i = 0; i < a.n_records; i++)
		check_prefix(&a.records[i].eid);
	n = lisp_map_reply_encode(&a, out, sizeof out);
	if (!n || !lisp_map_reply_decode(out, n, &b, &why) || memcmp(&a, &b, sizeof a))
		abort();
}

static void
check_register(const uint8_t *msg, size_t len)
{
	static struct lisp_map_register a, b;
	const char *why;
	size_t n;

	if (!lisp_map_register_decode(msg, len, &a, &why))
		return;
	/* Only bounds matter here: the input is no more likely to be signed than not. */
	lisp_auth_verify(msg, len, a.auth_offset, a.auth_len, a.alg, "secret");
	n = lisp_map_register_encode(&a, out, sizeof out);
	if (!n || !lisp_map_register_decode(out, n, &b, &why))
		abort();
	memset(a.auth, 0, sizeof a.auth);
	if (memcmp(&a, &b, sizeof a))
		abort();
}

static void check_all(const uint8_t *msg, size_t len);

static void
check_ecm(const uint8_t *msg, size_t len)
{
	struct lisp_ecm a, b;
	uint8_t *inner;
	const char *why;
	size_t n;

	if (!lisp_ecm_decode(msg, len, &a, &why))
		return;
	if (a.msg < msg || a.msg_len > len || a.msg - msg > (ptrdiff_t)(len - a.msg_len))
		abort();
	/* 'out' is rewritten by the checks of the inner message: encode from a copy of it. */
	inner = malloc(a.msg_len ? a.msg_len : 1);
	memcpy(inner, a.msg, a.msg_len);
	n = lisp_ecm_encode(&a, inner, a.msg_len, out, sizeof out);
	if (!n || !lisp_ecm_decode(out, n, &b, &why) || b.msg_len != a.msg_len ||
	    memcmp(b.msg, inner, a.msg_len))
		abort();
	a.msg = b.msg = NULL;
	if (memcmp(&a, &b, sizeof a))
		abort();
	check_all(inner, a.msg_len);
	free(inner);
}

static void
check_all(const uint8_t *msg, size_t len)
{
	check_request(msg, len);
	check_reply(msg, len);
	check_register(msg, len);
	check_ecm(msg, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan then faults on any read past the message. */
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	check_all(copy, size);
	free(copy);
	return 0;
}

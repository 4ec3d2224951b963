/*
 * Authentication of Map-Register, Map-Notify and Map-Notify-Ack (RFC 9301 section 5.6): an HMAC
 * over the whole message with the authentication data zeroed, keyed with the raw shared secret,
 * computed by OpenSSL's libcrypto. We send the full digest (20 bytes for SHA-1, 32 for SHA-256),
 * as the other implementations do, and accept the RFC's truncated lengths (12 for HMAC-SHA-1-96,
 * 16 for HMAC-SHA-256-128) as well; comparison is constant-time.
 */
#ifndef LS_LISP_AUTH_H
#define LS_LISP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lisp_auth_alg {
	LISP_AUTH_NONE = 0,         /* Never accepted. */
	LISP_AUTH_SHA1_96 = 1,
	LISP_AUTH_SHA256_128 = 2,
};

/* Bytes of authentication data we send for 'alg' (the full digest); 0 for unknown algorithms. */
size_t lisp_auth_len(int alg);

/* "sha1" or "sha256" to the algorithm; false if neither. */
bool lisp_auth_alg_parse(const char *s, int *alg);
const char *lisp_auth_alg_name(int alg);

/*
 * Computes the HMAC of the 'len'-byte message 'msg' whose 'auth_len' bytes of authentication data
 * at 'auth_offset' are zero, and writes it there. False if 'alg' is unknown or 'auth_len' is not
 * lisp_auth_len(alg).
 */
bool lisp_auth_sign(uint8_t *msg, size_t len, size_t auth_offset, size_t auth_len, int alg,
		    const char *key);

/*
 * Whether the authentication data of 'msg' (at 'auth_offset', 'auth_len' bytes: the full digest
 * or its RFC truncation) is the HMAC with 'key'. 'msg' is not changed (a copy is zeroed).
 */
bool lisp_auth_verify(const uint8_t *msg, size_t len, size_t auth_offset, size_t auth_len,
		      int alg, const char *key);

#endif

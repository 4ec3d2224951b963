/* HMAC authentication of Map-Register, Map-Notify and Map-Notify-Ack (RFC 9301 5.6). */
#include "lisp-auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util.h"

/* The algorithms by their wire ID (RFC 9301 section 13.5). */
static const struct auth_desc {
	int alg;
	const char *name;
	const EVP_MD *(*md)(void);   /* NULL: never computed, never accepted. */
	size_t size;                 /* Digest bytes: what we send. */
	size_t truncated;            /* The RFC's truncation, also accepted. */
} algs[] = {
	{ LISP_AUTH_NONE, "none", NULL, 0, 0 },
	{ LISP_AUTH_SHA1_96, "sha1", EVP_sha1, 20, 12 },
	{ LISP_AUTH_SHA256_128, "sha256", EVP_sha256, 32, 16 },
};

/* The algorithm 'alg' if it can be computed, else NULL. */
static const struct auth_desc *
auth_find(int alg)
{
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++)
		if (algs[i].alg == alg && algs[i].md)
			return &algs[i];
	return NULL;
}

size_t
lisp_auth_len(int alg)
{
	const struct auth_desc *d = auth_find(alg);

	return d ? d->size : 0;
}

bool
lisp_auth_alg_parse(const char *s, int *alg)
{
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		if (algs[i].md && !strcmp(algs[i].name, s)) {
			*alg = algs[i].alg;
			return true;
		}
	}
	return false;
}

const char *
lisp_auth_alg_name(int alg)
{
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++)
		if (algs[i].alg == alg)
			return algs[i].name;
	return "unknown";
}

/* Whether 'auth_len' bytes at 'auth_offset' lie inside a message of 'len' bytes. */
static bool
auth_fits(size_t len, size_t auth_offset, size_t auth_len)
{
	return auth_len <= len && auth_offset <= len - auth_len;
}

/* The HMAC of 'msg' (authentication data already zero) into 'digest' (d->size bytes). */
static bool
auth_hmac(const struct auth_desc *d, const uint8_t *msg, size_t len, const char *key,
	  uint8_t *digest)
{
	unsigned int size = 0;

	return HMAC(d->md(), key, (int)strlen(key), msg, len, digest, &size) && size == d->size;
}

bool
lisp_auth_sign(uint8_t *msg, size_t len, size_t auth_offset, size_t auth_len, int alg,
	       const char *key)
{
	const struct auth_desc *d = auth_find(alg);
	uint8_t digest[EVP_MAX_MD_SIZE];

	if (!d || auth_len != d->size || !auth_fits(len, auth_offset, auth_len))
		return false;
	memset(msg + auth_offset, 0, auth_len);
	if (!auth_hmac(d, msg, len, key, digest))
		return false;
	memcpy(msg + auth_offset, digest, auth_len);
	return true;
}

bool
lisp_auth_verify(const uint8_t *msg, size_t len, size_t auth_offset, size_t auth_len, int alg,
		 const char *key)
{
	const struct auth_desc *d = auth_find(alg);
	uint8_t digest[EVP_MAX_MD_SIZE], *copy;
	bool ok;

	if (!d || (auth_len != d->size && auth_len != d->truncated) ||
	    !auth_fits(len, auth_offset, auth_len))
		return false;
	copy = xmalloc(len);
	memcpy(copy, msg, len);
	memset(copy + auth_offset, 0, auth_len);
	ok = auth_hmac(d, copy, len, key, digest) &&
	     !CRYPTO_memcmp(digest, msg + auth_offset, auth_len);
	free(copy);
	return ok;
}

/*
 * Unit tests for map-server.c, the built-in Map-Server and Map-Resolver. Messages are real ones,
 * built with the codec (lisp-msg.h) and signed with lisp-auth.h; what the server sends is caught
 * by a send callback and decoded again. Covered: site configuration errors, Map-Register
 * authentication with both algorithms (and every way it must fail), Map-Notify acks, prefix
 * checks against the sites, registration ageing on the fake clock, and resolution of
 * Map-Requests in ECMs: forwarded to the ETR, proxy-replied, or answered negatively for a
 * site's unregistered prefix or for the largest hole around the EID in space no site has.
 */
#include "unit.h"
#include "unit-prefix.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lisp-auth.h"
#include "log.h"
#include "map-server.h"
#include "util.h"

#define KEY_A "secret-a"
#define KEY_B "secret-b"
#define ETR_PORT 40000
#define ITR_PORT 51000
#define MINUTE 60000
#define MAX_SENT 8

/* What the server sent, in order. */
struct sent {
	struct in6_addr dst;
	uint16_t port;
	size_t len;
	uint8_t msg[1500];
};

struct outbox {
	size_t n;
	struct sent s[MAX_SENT];
};

static void
record_send(void *aux, const struct in6_addr *dst, uint16_t port, const uint8_t *msg, size_t len)
{
	struct outbox *o = aux;
	struct sent *s;

	assert_true(o->n < MAX_SENT);
	assert_true(len <= sizeof o->s[0].msg);
	s = &o->s[o->n++];
	s->dst = *dst;
	s->port = port;
	s->len = len;
	memcpy(s->msg, msg, len);
}

static bool
addr_is(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = addr(s);

	return !memcmp(a, &b, sizeof b);
}

static bool
prefix_is(const struct lisp_prefix *p, const char *s)
{
	struct lisp_prefix q = pfx(s);

	return lisp_prefix_equal(p, &q);
}

/* A server with site "a" (10.1.1.0/24 and 2001:db8:1::/48) and site "b" (10.1.2.0/24). */
static void
server_init(struct map_server *ms, struct outbox *out)
{
	const struct lisp_prefix a[] = { pfx("10.1.1.0/24"), pfx("2001:db8:1::/48") };
	const struct lisp_prefix b[] = { pfx("10.1.2.0/24") };
	char err[256];

	memset(out, 0, sizeof *out);
	map_server_init(ms, record_send, out);
	assert_int_equal(map_server_add_site(ms, "a", KEY_A, a, 2, err, sizeof err), 0);
	assert_int_equal(map_server_add_site(ms, "b", KEY_B, b, 1, err, sizeof err), 0);
}

/* A Map-Register with no records yet, authenticated with 'alg' (full digest length). */
static struct lisp_map_register
reg_new(int alg, uint64_t nonce)
{
	return (struct lisp_map_register){
		.type = LISP_MAP_REGISTER, .nonce = nonce, .key_id = 0, .alg = (uint8_t)alg,
		.auth_len = (uint16_t)lisp_auth_len(alg),
	};
}

/* Adds a record for 'eid' (TTL 1440, A=1) with the one locator 'rloc' (L and R set). */
static void
reg_add(struct lisp_map_register *m, const char *eid, const char *rloc)
{
	struct lisp_record *r = &m->records[m->n_records++];

	*r = (struct lisp_record){ .eid = pfx(eid), .ttl = 1440, .authoritative = true,
				   .n_locators = 1 };
	r->locators[0] = (struct lisp_locator){ .rloc = addr(rloc), .priority = 1, .weight = 100,
						.mpriority = 255, .local = true, .reachable = true };
}

/* Encodes 'm' into 'buf' and signs it with 'key' (none if NULL); returns its length. */
static size_t
reg_encode(struct lisp_map_register *m, const char *key, uint8_t *buf, size_t size)
{
	size_t len = lisp_map_register_encode(m, buf, size);

	assert_true(len > 0);
	if (key)
		assert_true(lisp_auth_sign(buf, len, m->auth_offset, m->auth_len, m->alg, key));
	return len;
}

/* Sends register 'm' signed with 'key' from 'src' port ETR_PORT at 'now'. */
static void
reg_send(struct map_server *ms, struct lisp_map_register *m, const char *key, const char *src,
	 int64_t now)
{
	uint8_t buf[1024];
	size_t len = reg_encode(m, key, buf, sizeof buf);
	struct in6_addr a = addr(src);

	map_server_input(ms, buf, len, &a, ETR_PORT, now);
}

/* Registers 'eid' for 'rloc' from 'rloc' itself, SHA-256, without asking for a notify. */
static void
register_eid(struct map_server *ms, const char *eid, const char *rloc, const char *key,
	     bool proxy, int64_t now)
{
	struct lisp_map_register m = reg_new(LISP_AUTH_SHA256_128, 0x1111);

	m.proxy_reply = proxy;
	reg_add(&m, eid, rloc);
	reg_send(ms, &m, key, rloc, now);
}

static void
test_add_site_errors(void **state)
{
	const struct lisp_prefix a[] = { pfx("10.1.1.0/24"), pfx("2001:db8:1::/48") };
	struct lisp_prefix many[MS_SITE_PREFIXES_MAX + 1];
	static const char limits[] = "a site needs a name (< 64 bytes), a key (< 256 bytes) and "
				     "1 to 16 EID prefixes";
	char err[256], long_key[MS_KEY_MAX + 1], long_name[MS_SITE_NAME_MAX + 1];
	struct map_server ms;
	struct lisp_prefix p;

	(void)state;
	map_server_init(&ms, record_send, NULL);
	assert_int_equal(map_server_add_site(&ms, "a", KEY_A, a, 2, err, sizeof err), 0);
	assert_non_null(map_server_find_site(&ms, "a"));

	assert_int_equal(map_server_add_site(&ms, "a", KEY_B, &a[0], 1, err, sizeof err), -1);
	assert_string_equal(err, "site already exists");
	assert_string_equal(map_server_find_site(&ms, "a")->key, KEY_A);

	/* Overlaps, whichever prefix is the longer, in either family. */
	p = pfx("10.1.0.0/16");
	assert_int_equal(map_server_add_site(&ms, "c", KEY_B, &p, 1, err, sizeof err), -1);
	assert_string_equal(err, "prefix [0]10.1.0.0/16 overlaps site a");
	p = pfx("10.1.1.128/25");
	assert_int_equal(map_server_add_site(&ms, "c", KEY_B, &p, 1, err, sizeof err), -1);
	assert_string_equal(err, "prefix [0]10.1.1.128/25 overlaps site a");
	p = pfx("10.1.1.0/24");
	assert_int_equal(map_server_add_site(&ms, "c", KEY_B, &p, 1, err, sizeof err), -1);
	p = pfx("2001:db8::/32");
	assert_int_equal(map_server_add_site(&ms, "c", KEY_B, &p, 1, err, sizeof err), -1);
	assert_string_equal(err, "prefix [0]2001:db8::/32 overlaps site a");
	assert_int_equal(ms.n_sites, 1);
	assert_null(map_server_find_site(&ms, "c"));

	/* Empty or too long values, no prefixes, too many prefixes. */
	p = pfx("10.9.0.0/16");
	assert_int_equal(map_server_add_site(&ms, "c", "", &p, 1, err, sizeof err), -1);
	assert_string_equal(err, limits);
	assert_int_equal(map_server_add_site(&ms, "", KEY_B, &p, 1, err, sizeof err), -1);
	assert_int_equal(map_server_add_site(&ms, "c", KEY_B, &p, 0, err, sizeof err), -1);
	assert_string_equal(err, limits);
	memset(long_key, 'k', MS_KEY_MAX);
	long_key[MS_KEY_MAX] = '\0';
	assert_int_equal(map_server_add_site(&ms, "c", long_key, &p, 1, err, sizeof err), -1);
	memset(long_name, 'n', MS_SITE_NAME_MAX);
	long_name[MS_SITE_NAME_MAX] = '\0';
	assert_int_equal(map_server_add_site(&ms, long_name, KEY_B, &p, 1, err, sizeof err), -1);
	for (size_t i = 0; i < ARRAY_SIZE(many); i++) {
		char s[32];

		snprintf(s, sizeof s, "10.9.%zu.0/24", i);
		many[i] = pfx(s);
	}
	assert_int_equal(map_server_add_site(&ms, "c", KEY_B, many, MS_SITE_PREFIXES_MAX + 1, err,
					     sizeof err), -1);
	assert_string_equal(err, limits);
	assert_int_equal(ms.n_sites, 1);

	/* At the limits, and the same prefix in another instance, it is fine. */
	long_key[MS_KEY_MAX - 1] = '\0';
	long_name[MS_SITE_NAME_MAX - 1] = '\0';
	assert_int_equal(map_server_add_site(&ms, long_name, long_key, many, MS_SITE_PREFIXES_MAX,
					     err, sizeof err), 0);
	p = pfx("[7]10.1.1.0/24");
	assert_int_equal(map_server_add_site(&ms, "c", KEY_B, &p, 1, err, sizeof err), 0);
	assert_int_equal(ms.n_sites, 3);

	assert_true(map_server_del_site(&ms, "a"));
	assert_false(map_server_del_site(&ms, "a"));
	assert_null(map_server_find_site(&ms, "a"));
	assert_non_null(map_server_find_site(&ms, "c"));
	/* Its prefixes are free again. */
	p = pfx("10.1.0.0/16");
	assert_int_equal(map_server_add_site(&ms, "d", KEY_B, &p, 1, err, sizeof err), 0);
	map_server_destroy(&ms);
}

/* A correctly signed register is recorded, and with M acknowledged by a signed Map-Notify. */
static void
test_register_accepted(void **state)
{
	static const int algs[] = { LISP_AUTH_SHA1_96, LISP_AUTH_SHA256_128 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		struct lisp_map_register m = reg_new(algs[i], 0x0123456789abcdefull), n;
		struct in6_addr src = addr("192.0.2.1");
		struct map_server ms;
		struct outbox out;
		struct ms_site *a;
		uint8_t buf[1024];
		const char *why;
		size_t len;

		server_init(&ms, &out);
		m.want_notify = true;
		m.key_id = 3;
		reg_add(&m, "10.1.1.0/24", "192.0.2.1");
		reg_add(&m, "2001:db8:1::/48", "192.0.2.1");
		len = reg_encode(&m, KEY_A, buf, sizeof buf);
		map_server_input(&ms, buf, len, &src, ETR_PORT, 5000);

		assert_int_equal(ms.stats.registers, 1);
		assert_int_equal(ms.stats.auth_failures, 0);
		assert_int_equal(ms.stats.notifies, 1);
		a = map_server_find_site(&ms, "a");
		assert_int_equal(a->n_regs, 2);
		assert_int_equal(map_server_find_site(&ms, "b")->n_regs, 0);
		assert_true(prefix_is(&a->regs[0].record.eid, "10.1.1.0/24"));
		assert_true(prefix_is(&a->regs[1].record.eid, "2001:db8:1::/48"));
		for (size_t j = 0; j < 2; j++) {
			const struct ms_registration *g = &a->regs[j];

			assert_true(addr_is(&g->etr, "192.0.2.1"));
			assert_int_equal(g->etr_port, ETR_PORT);
			assert_false(g->proxy_reply);
			assert_int_equal(g->first_ms, 5000);
			assert_int_equal(g->last_ms, 5000);
			assert_int_equal(g->expires_ms, 5000 + MS_REGISTRATION_LIFETIME_MS);
			assert_int_equal(g->count, 1);
			assert_int_equal(g->record.n_locators, 1);
			assert_true(addr_is(&g->record.locators[0].rloc, "192.0.2.1"));
		}

		/* The notify: back to the source address and port, same nonce, same body. */
		assert_int_equal(out.n, 1);
		assert_true(addr_is(&out.s[0].dst, "192.0.2.1"));
		assert_int_equal(out.s[0].port, ETR_PORT);
		assert_true(lisp_map_register_decode(out.s[0].msg, out.s[0].len, &n, &why));
		assert_int_equal(n.type, LISP_MAP_NOTIFY);
		assert_int_equal(n.nonce, 0x0123456789abcdefull);
		assert_int_equal(n.key_id, 3);
		assert_int_equal(n.alg, algs[i]);
		assert_int_equal(n.auth_len, lisp_auth_len(algs[i]));
		assert_true(lisp_auth_verify(out.s[0].msg, out.s[0].len, n.auth_offset, n.auth_len,
					     n.alg, KEY_A));
		assert_false(lisp_auth_verify(out.s[0].msg, out.s[0].len, n.auth_offset, n.auth_len,
					      n.alg, KEY_B));
		assert_int_equal(n.n_records, 2);
		assert_int_equal(out.s[0].len, len);
		/* Type word: 4, no flags, the record count; the rest is the register's but the HMAC. */
		assert_memory_equal(out.s[0].msg, ((uint8_t[]){ 0x40, 0, 0, 2 }), 4);
		assert_memory_equal(out.s[0].msg + 4, buf + 4, 12);
		assert_memory_equal(out.s[0].msg + 16 + n.auth_len, buf + 16 + n.auth_len,
				    len - 16 - n.auth_len);
		map_server_destroy(&ms);
	}
}

/* The RFC's truncated digests (HMAC-SHA-1-96, HMAC-SHA-256-128) are accepted too. */
static void
test_register_truncated_digest(void **state)
{
	static const struct {
		int alg;
		size_t auth_len;
		const EVP_MD *(*md)(void);
	} v[] = {
		{ LISP_AUTH_SHA1_96, 12, EVP_sha1 },
		{ LISP_AUTH_SHA256_128, 16, EVP_sha256 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct lisp_map_register m = reg_new(v[i].alg, 42);
		struct in6_addr src = addr("192.0.2.1");
		uint8_t buf[1024], digest[EVP_MAX_MD_SIZE];
		unsigned int size;
		struct map_server ms;
		struct outbox out;
		size_t len;

		server_init(&ms, &out);
		m.auth_len = (uint16_t)v[i].auth_len;
		m.want_notify = true;
		reg_add(&m, "10.1.1.0/24", "192.0.2.1");
		len = reg_encode(&m, NULL, buf, sizeof buf);
		assert_non_null(HMAC(v[i].md(), KEY_A, (int)strlen(KEY_A), buf, len, digest, &size));
		memcpy(buf + m.auth_offset, digest, v[i].auth_len);
		map_server_input(&ms, buf, len, &src, ETR_PORT, 0);
		assert_int_equal(ms.stats.registers, 1);
		assert_int_equal(map_server_find_site(&ms, "a")->n_regs, 1);
		/* The notify carries the full digest. */
		assert_int_equal(out.n, 1);
		assert_int_equal(out.s[0].len, len - v[i].auth_len + lisp_auth_len(v[i].alg));
		map_server_destroy(&ms);
	}
}

/* Registers that must be refused as unauthenticated: nothing recorded, nothing sent. */
static void
test_register_auth_refused(void **state)
{
	struct lisp_map_register m;
	struct in6_addr src = addr("192.0.2.1");
	struct map_server ms;
	struct outbox out;
	uint8_t buf[1024];
	size_t len;

	(void)state;
	server_init(&ms, &out);
	/* Site b's key for site a's prefix. */
	m = reg_new(LISP_AUTH_SHA256_128, 1);
	m.want_notify = true;
	reg_add(&m, "10.1.1.0/24", "192.0.2.1");
	reg_send(&ms, &m, KEY_B, "192.0.2.1", 0);
	assert_int_equal(ms.stats.auth_failures, 1);
	/* Algorithm 0: no authentication data at all... */
	m = reg_new(LISP_AUTH_NONE, 2);
	m.want_notify = true;
	reg_add(&m, "10.1.1.0/24", "192.0.2.1");
	assert_int_equal(m.auth_len, 0);
	reg_send(&ms, &m, NULL, "192.0.2.1", 0);
	assert_int_equal(ms.stats.auth_failures, 2);
	/* ...or a valid SHA-256 digest of the message with algorithm 0 in it. */
	m = reg_new(LISP_AUTH_SHA256_128, 3);
	m.want_notify = true;
	reg_add(&m, "10.1.1.0/24", "192.0.2.1");
	m.alg = LISP_AUTH_NONE;
	len = reg_encode(&m, NULL, buf, sizeof buf);
	assert_true(lisp_auth_sign(buf, len, m.auth_offset, m.auth_len, LISP_AUTH_SHA256_128, KEY_A));
	map_server_input(&ms, buf, len, &src, ETR_PORT, 0);
	assert_int_equal(ms.stats.auth_failures, 3);
	/* An algorithm nobody defined. */
	m.alg = 3;
	len = reg_encode(&m, NULL, buf, sizeof buf);
	assert_true(lisp_auth_sign(buf, len, m.auth_offset, m.auth_len, LISP_AUTH_SHA256_128, KEY_A));
	map_server_input(&ms, buf, len, &src, ETR_PORT, 0);
	assert_int_equal(ms.stats.auth_failures, 4);
	/* SHA-1 announced, a SHA-256 digest given (32 bytes is no SHA-1 length). */
	m.alg = LISP_AUTH_SHA1_96;
	len = reg_encode(&m, NULL, buf, sizeof buf);
	assert_true(lisp_auth_sign(buf, len, m.auth_offset, m.auth_len, LISP_AUTH_SHA256_128, KEY_A));
	map_server_input(&ms, buf, len, &src, ETR_PORT, 0);
	assert_int_equal(ms.stats.auth_failures, 5);

	assert_int_equal(ms.stats.registers, 0);
	assert_int_equal(ms.stats.notifies, 0);
	assert_int_equal(ms.stats.malformed, 0);
	assert_int_equal(ms.stats.foreign_prefixes, 0);
	assert_int_equal(map_server_find_site(&ms, "a")->n_regs, 0);
	assert_int_equal(out.n, 0);
	map_server_destroy(&ms);
}

/*
 * A signed register with any one bit changed (the low and the high bit of each byte in turn)
 * is refused, as undecodable, foreign or unauthenticated, and never recorded.
 */
static void
test_register_tampered(void **state)
{
	struct lisp_map_register m = reg_new(LISP_AUTH_SHA256_128, 0xfeed);
	struct in6_addr src = addr("192.0.2.1");
	struct map_server ms;
	struct outbox out;
	enum log_level level;
	uint8_t buf[1024];
	size_t len, tries = 0;

	(void)state;
	server_init(&ms, &out);
	m.want_notify = true;
	reg_add(&m, "10.1.1.0/24", "192.0.2.1");
	reg_add(&m, "2001:db8:1::/48", "2001:db8:ffff::1");
	len = reg_encode(&m, KEY_A, buf, sizeof buf);
	/* A warning per refusal would be some 400 lines. */
	level = log_get_level(LOGC_MAPCACHE);
	log_set_level(LOGC_MAPCACHE, LOG_ERR);
	for (size_t i = 0; i < len; i++) {
		for (uint8_t bit = 0x01; bit; bit = bit == 0x01 ? 0x80 : 0) {
			buf[i] ^= bit;
			map_server_input(&ms, buf, len, &src, ETR_PORT, 0);
			buf[i] ^= bit;
			tries++;
		}
	}
	log_set_level(LOGC_MAPCACHE, level);
	assert_int_equal(ms.stats.registers, 0);
	assert_int_equal(ms.stats.malformed + ms.stats.foreign_prefixes + ms.stats.auth_failures,
			 tries);
	assert_true(ms.stats.auth_failures > 0);
	assert_int_equal(map_server_find_site(&ms, "a")->n_regs, 0);
	assert_int_equal(out.n, 0);
	/* The untouched message still goes through. */
	map_server_input(&ms, buf, len, &src, ETR_PORT, 0);
	assert_int_equal(ms.stats.registers, 1);
	assert_int_equal(out.n, 1);
	map_server_destroy(&ms);
}

/* Records must all fall in one site's prefixes, whatever key signs them. */
static void
test_register_foreign(void **state)
{
	static const struct {
		const char *eids[2];
		const char *key;
	} refused[] = {
		{ { "10.9.0.0/24" }, KEY_A },                  /* Outside every site. */
		{ { "10.1.0.0/16" }, KEY_A },                  /* Holds site a's prefix. */
		{ { "10.1.1.0/23" }, KEY_A },
		{ { "[5]10.1.1.0/24" }, KEY_A },               /* Another instance. */
		{ { "2001:db8::/32" }, KEY_A },
		{ { "10.1.1.0/24", "10.9.0.0/24" }, KEY_A },   /* One of two outside. */
		{ { "10.1.1.0/24", "10.1.2.0/24" }, KEY_A },   /* Two sites. */
		{ { "10.1.1.0/24", "10.1.2.0/24" }, KEY_B },
		{ { "10.1.2.0/24", "10.1.1.0/24" }, KEY_B },
		{ { "10.64.0.0/10" }, "secret-c" },           /* Starts where site c's does. */
	};
	const struct lisp_prefix c = pfx("10.64.0.0/24");
	struct lisp_map_register empty = reg_new(LISP_AUTH_SHA256_128, 99);
	struct lisp_map_register ok = reg_new(LISP_AUTH_SHA256_128, 100);
	struct map_server ms;
	struct outbox out;
	char err[256];

	(void)state;
	server_init(&ms, &out);
	assert_int_equal(map_server_add_site(&ms, "c", "secret-c", &c, 1, err, sizeof err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		struct lisp_map_register m = reg_new(LISP_AUTH_SHA256_128, i);

		m.want_notify = true;
		for (size_t j = 0; j < 2 && refused[i].eids[j]; j++)
			reg_add(&m, refused[i].eids[j], "192.0.2.1");
		reg_send(&ms, &m, refused[i].key, "192.0.2.1", 0);
		assert_int_equal(ms.stats.foreign_prefixes, i + 1);
	}
	/* A register with no record at all belongs to no site either. */
	reg_send(&ms, &empty, KEY_A, "192.0.2.1", 0);
	assert_int_equal(ms.stats.foreign_prefixes, ARRAY_SIZE(refused) + 1);
	assert_int_equal(ms.stats.registers, 0);
	assert_int_equal(ms.stats.auth_failures, 0);
	assert_int_equal(map_server_find_site(&ms, "a")->n_regs, 0);
	assert_int_equal(map_server_find_site(&ms, "b")->n_regs, 0);
	assert_int_equal(out.n, 0);

	/* More specific than a site's prefix is fine, and so are two prefixes of one site. */
	reg_add(&ok, "10.1.1.128/25", "192.0.2.1");
	reg_add(&ok, "2001:db8:1:2::/64", "192.0.2.1");
	reg_send(&ms, &ok, KEY_A, "192.0.2.1", 0);
	assert_int_equal(ms.stats.registers, 1);
	assert_int_equal(map_server_find_site(&ms, "a")->n_regs, 2);
	map_server_destroy(&ms);
}

static void
test_register_renewed(void **state)
{
	struct map_server ms;
	struct outbox out;
	struct ms_site *a;

	(void)state;
	server_init(&ms, &out);
	register_eid(&ms, "10.1.1.0/24", "192.0.2.1", KEY_A, false, 1000);
	register_eid(&ms, "10.1.1.0/24", "192.0.2.1", KEY_A, true, 61000);
	a = map_server_find_site(&ms, "a");
	assert_int_equal(a->n_regs, 1);
	assert_int_equal(a->regs[0].count, 2);
	assert_int_equal(a->regs[0].first_ms, 1000);
	assert_int_equal(a->regs[0].last_ms, 61000);
	assert_int_equal(a->regs[0].expires_ms, 61000 + MS_REGISTRATION_LIFETIME_MS);
	assert_true(a->regs[0].proxy_reply);
	/* Another ETR for the same prefix is a registration of its own. */
	register_eid(&ms, "10.1.1.0/24", "192.0.2.2", KEY_A, false, 62000);
	assert_int_equal(a->n_regs, 2);
	assert_true(addr_is(&a->regs[1].etr, "192.0.2.2"));
	assert_int_equal(ms.stats.registers, 3);
	assert_int_equal(out.n, 0);     /* No M bit, no notify. */
	map_server_destroy(&ms);
}

static void
test_registration_expiry(void **state)
{
	const int64_t first = 7000;
	struct lisp_map_register m = reg_new(LISP_AUTH_SHA1_96, 5);
	struct map_server ms;
	struct outbox out;
	struct ms_site *a;

	(void)state;
	server_init(&ms, &out);
	a = map_server_find_site(&ms, "a");
	register_eid(&ms, "10.1.1.0/24", "192.0.2.1", KEY_A, false, first);
	register_eid(&ms, "2001:db8:1::/48", "192.0.2.1", KEY_A, false, first + MINUTE);
	map_server_run(&ms, first + MS_REGISTRATION_LIFETIME_MS - 1);
	assert_int_equal(a->n_regs, 2);
	assert_int_equal(ms.stats.expired, 0);
	map_server_run(&ms, first + MS_REGISTRATION_LIFETIME_MS);
	assert_int_equal(a->n_regs, 1);
	assert_int_equal(ms.stats.expired, 1);
	assert_true(prefix_is(&a->regs[0].record.eid, "2001:db8:1::/48"));
	/* A renewal at +2 min moves the end of the second to +5 min. */
	register_eid(&ms, "2001:db8:1::/48", "192.0.2.1", KEY_A, false, first + 2 * MINUTE);
	map_server_run(&ms, first + MINUTE + MS_REGISTRATION_LIFETIME_MS);
	assert_int_equal(a->n_regs, 1);
	map_server_run(&ms, first + 2 * MINUTE + MS_REGISTRATION_LIFETIME_MS);
	assert_int_equal(a->n_regs, 0);
	assert_int_equal(ms.stats.expired, 2);

	/* T bit: the record's TTL (minutes) is the lifetime. */
	m.ttl_lifetime = true;
	reg_add(&m, "10.1.2.0/24", "192.0.2.9");
	m.records[0].ttl = 1;
	reg_send(&ms, &m, KEY_B, "192.0.2.9", 0);
	assert_int_equal(map_server_find_site(&ms, "b")->regs[0].expires_ms, MINUTE);
	map_server_run(&ms, MINUTE - 1);
	assert_int_equal(map_server_find_site(&ms, "b")->n_regs, 1);
	map_server_run(&ms, MINUTE);
	assert_int_equal(map_server_find_site(&ms, "b")->n_regs, 0);
	assert_int_equal(ms.stats.expired, 3);
	map_server_destroy(&ms);
}

/*
 * Builds the ECM an ITR sends to its Map-Resolver: a Map-Request for 'eid' (a host, or a prefix
 * as in a refresh) in 'iid' with
 * ITR-RLOCs 'itr' (and 'itr2' if not NULL), from 'itr' port ITR_PORT. Returns its length.
 */
static size_t
make_ecm(const char *eid, uint32_t iid, const char *itr, const char *itr2, uint64_t nonce,
	 uint8_t *buf, size_t size)
{
	struct lisp_map_request req = { .nonce = nonce, .n_itr_rlocs = 1, .n_eids = 1 };
	struct lisp_ecm ecm = { .src = addr(itr), .dst = addr(eid), .sport = ITR_PORT,
				.dport = LISP_CONTROL_PORT };
	uint8_t msg[512];
	size_t len, ecm_len;

	req.itr_rlocs[0] = addr(itr);
	if (itr2)
		req.itr_rlocs[req.n_itr_rlocs++] = addr(itr2);
	req.eids[0] = pfx(eid);
	req.eids[0].iid = iid;
	req.has_source_eid = true;
	req.source_eid = pfx("10.1.1.1");
	len = lisp_map_request_encode(&req, msg, sizeof msg);
	assert_true(len > 0);
	ecm_len = lisp_ecm_encode(&ecm, msg, len, buf, size);
	assert_true(ecm_len > 0);
	return ecm_len;
}

/* Hands ECM 'raw' to the server as the control endpoint does: decoded, then resolved. */
static void
resolve_raw(struct map_server *ms, const uint8_t *raw, size_t len, int64_t now)
{
	struct lisp_map_request req;
	struct lisp_ecm ecm;
	const char *why = NULL;

	assert_true(lisp_ecm_decode(raw, len, &ecm, &why));
	assert_true(lisp_map_request_decode(ecm.msg, ecm.msg_len, &req, &why));
	map_server_resolve(ms, &req, &ecm, raw, len, now);
}

static void
resolve(struct map_server *ms, const char *eid, uint32_t iid, const char *itr, uint64_t nonce,
	int64_t now)
{
	uint8_t raw[512];
	size_t len = make_ecm(eid, iid, itr, NULL, nonce, raw, sizeof raw);

	resolve_raw(ms, raw, len, now);
}

/* Checks that 's' is a Map-Reply to 'itr' port ITR_PORT with 'nonce' and one record. */
static void
decode_reply(const struct sent *s, const char *itr, uint64_t nonce, struct lisp_map_reply *rep)
{
	const char *why = NULL;

	assert_true(addr_is(&s->dst, itr));
	assert_int_equal(s->port, ITR_PORT);
	assert_true(lisp_map_reply_decode(s->msg, s->len, rep, &why));
	assert_int_equal(rep->nonce, nonce);
	assert_false(rep->probe);
	assert_int_equal(rep->n_records, 1);
}

/* Checks that 's' is a negative Map-Reply for 'eid' with 'ttl', action natively-forward. */
static void
check_negative(const struct sent *s, const char *itr, uint64_t nonce, const char *eid,
	       uint32_t ttl)
{
	struct lisp_map_reply rep;
	char buf[LISP_PREFIX_STRLEN];

	decode_reply(s, itr, nonce, &rep);
	if (!prefix_is(&rep.records[0].eid, eid))
		fail_msg("negative reply for %s, expected %s",
			 lisp_prefix_format(&rep.records[0].eid, buf), eid);
	assert_int_equal(rep.records[0].n_locators, 0);
	assert_int_equal(rep.records[0].ttl, ttl);
	assert_int_equal(rep.records[0].action, LISP_ACT_NATIVE_FORWARD);
	assert_false(rep.records[0].authoritative);
}

/* A registered ETR that answers for itself gets the ECM, E bit set, otherwise unchanged. */
static void
test_resolve_forward(void **state)
{
	static const struct {
		const char *eid, *itr, *etr;
	} v[] = {
		{ "10.1.1.5", "192.0.2.100", "192.0.2.1" },
		{ "2001:db8:1::5", "2001:db8:ff::100", "2001:db8:ff::1" },
		{ "2001:db8:1:abcd::5", "2001:db8:ff::100", "2001:db8:ff::1" },
	};
	struct map_server ms;
	struct outbox out;

	(void)state;
	server_init(&ms, &out);
	register_eid(&ms, "10.1.1.0/24", "192.0.2.1", KEY_A, false, 0);
	register_eid(&ms, "2001:db8:1::/48", "2001:db8:ff::1", KEY_A, false, 0);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		uint8_t raw[512];
		size_t len = make_ecm(v[i].eid, 0, v[i].itr, NULL, 77 + i, raw, sizeof raw);

		out.n = 0;
		resolve_raw(&ms, raw, len, 1000);
		assert_int_equal(out.n, 1);
		assert_true(addr_is(&out.s[0].dst, v[i].etr));
		assert_int_equal(out.s[0].port, LISP_CONTROL_PORT);
		assert_int_equal(out.s[0].len, len);
		assert_int_equal(raw[0] & 0x02, 0);
		assert_int_equal(out.s[0].msg[0], raw[0] | 0x02);
		assert_memory_equal(out.s[0].msg + 1, raw + 1, len - 1);
		assert_int_equal(ms.stats.forwarded, i + 1);
	}
	assert_int_equal(ms.stats.requests, ARRAY_SIZE(v));
	assert_int_equal(ms.stats.negative_replies, 0);
	assert_int_equal(ms.stats.proxy_replies, 0);
	map_server_destroy(&ms);
}

/* The most specific live registration answers. */
static void
test_resolve_most_specific(void **state)
{
	struct map_server ms;
	struct outbox out;

	(void)state;
	server_init(&ms, &out);
	register_eid(&ms, "10.1.1.128/25", "192.0.2.2", KEY_A, false, 0);
	register_eid(&ms, "10.1.1.0/24", "192.0.2.1", KEY_A, false, 0);
	resolve(&ms, "10.1.1.200", 0, "192.0.2.100", 1, 0);
	resolve(&ms, "10.1.1.5", 0, "192.0.2.100", 2, 0);
	assert_int_equal(out.n, 2);
	assert_true(addr_is(&out.s[0].dst, "192.0.2.2"));
	assert_true(addr_is(&out.s[1].dst, "192.0.2.1"));
	map_server_destroy(&ms);
}

/* With P, the server answers for the ETR: A=0, L bits cleared, the request's nonce. */
static void
test_resolve_proxy_reply(void **state)
{
	struct lisp_map_register m = reg_new(LISP_AUTH_SHA256_128, 9);
	struct lisp_map_reply rep;
	const struct lisp_record *r;
	struct map_server ms;
	struct outbox out;

	(void)state;
	server_init(&ms, &out);
	m.proxy_reply = true;
	reg_add(&m, "10.1.1.0/24", "192.0.2.1");
	m.records[0].locators[1] = m.records[0].locators[0];
	m.records[0].locators[1].rloc = addr("2001:db8:ff::1");
	m.records[0].locators[1].priority = 2;
	m.records[0].n_locators = 2;
	m.records[0].version = 12;
	reg_send(&ms, &m, KEY_A, "192.0.2.1", 0);
	assert_int_equal(ms.stats.registers, 1);

	resolve(&ms, "10.1.1.5", 0, "192.0.2.100", 0xabcdef0123456789ull, 1000);
	assert_int_equal(out.n, 1);
	decode_reply(&out.s[0], "192.0.2.100", 0xabcdef0123456789ull, &rep);
	r = &rep.records[0];
	assert_true(prefix_is(&r->eid, "10.1.1.0/24"));
	assert_false(r->authoritative);
	assert_int_equal(r->ttl, 1440);
	assert_int_equal(r->version, 12);
	assert_int_equal(r->n_locators, 2);
	assert_true(addr_is(&r->locators[0].rloc, "192.0.2.1"));
	assert_true(addr_is(&r->locators[1].rloc, "2001:db8:ff::1"));
	for (int i = 0; i < 2; i++) {
		assert_false(r->locators[i].local);
		assert_true(r->locators[i].reachable);
		assert_int_equal(r->locators[i].priority, i + 1);
	}
	assert_int_equal(ms.stats.proxy_replies, 1);
	assert_int_equal(ms.stats.forwarded, 0);
	/* The registration itself is untouched. */
	assert_true(map_server_find_site(&ms, "a")->regs[0].record.authoritative);
	assert_true(map_server_find_site(&ms, "a")->regs[0].record.locators[0].local);
	map_server_destroy(&ms);
}

/* A site's prefix nobody registered: negative, for that prefix, TTL 1 minute. */
static void
test_resolve_unregistered_site(void **state)
{
	struct map_server ms;
	struct outbox out;

	(void)state;
	server_init(&ms, &out);
	register_eid(&ms, "10.1.1.128/25", "192.0.2.1", KEY_A, false, 0);
	resolve(&ms, "10.1.2.7", 0, "192.0.2.100", 1, 0);
	resolve(&ms, "2001:db8:1:ffff::1", 0, "2001:db8:ff::100", 2, 0);
	resolve(&ms, "10.1.1.5", 0, "192.0.2.100", 3, 0);     /* Not in the /25 registered. */
	assert_int_equal(out.n, 3);
	check_negative(&out.s[0], "192.0.2.100", 1, "10.1.2.0/24", 1);
	check_negative(&out.s[1], "2001:db8:ff::100", 2, "2001:db8:1::/48", 1);
	check_negative(&out.s[2], "192.0.2.100", 3, "10.1.1.0/24", 1);
	assert_int_equal(ms.stats.negative_replies, 3);
	assert_int_equal(ms.stats.forwarded, 0);
	map_server_destroy(&ms);
}

/*
 * Space no site has: the shortest prefix around the EID that overlaps no site prefix, TTL 15.
 * With sites 10.1.1.0/24, 10.1.2.0/24 and 2001:db8:1::/48 (all in instance 0):
 *   10.9.0.5: 10.0.0.0/12 still holds 10.1/16; 10.8.0.0/13 (10.8-10.15) does not.
 *   10.1.3.1: 10.1.2.0/23 holds 10.1.2.0/24; 10.1.3.0/24 is clear.
 *   10.1.0.9: 10.1.0.0/23 holds 10.1.1.0/24; 10.1.0.0/24 is clear.
 *   11.0.0.1: 10.0.0.0/7 holds 10/8; 11.0.0.0/8 is clear.
 *   192.168.1.1: 128.0.0.0/1 is clear.
 *   2001:db8:2::1: 2001:db8::/46 holds 2001:db8:1::; 2001:db8:2::/47 does not.
 *   3000::1: 2000::/3 holds 2001:db8:1::; 3000::/4 does not.
 *   [5]10.1.1.5: instance 5 has no site at all: [5]0.0.0.0/0.
 */
static void
test_resolve_unknown_space(void **state)
{
	static const struct {
		const char *eid;
		uint32_t iid;
		const char *itr;
		const char *hole;
	} v[] = {
		{ "10.9.0.5", 0, "192.0.2.100", "10.8.0.0/13" },
		{ "10.1.3.1", 0, "192.0.2.100", "10.1.3.0/24" },
		{ "10.1.0.9", 0, "192.0.2.100", "10.1.0.0/24" },
		{ "11.0.0.1", 0, "192.0.2.100", "11.0.0.0/8" },
		{ "192.168.1.1", 0, "192.0.2.100", "128.0.0.0/1" },
		{ "2001:db8:2::1", 0, "2001:db8:ff::100", "2001:db8:2::/47" },
		{ "3000::1", 0, "2001:db8:ff::100", "3000::/4" },
		{ "10.1.1.5", 5, "192.0.2.100", "[5]0.0.0.0/0" },
		{ "2001:db8:1::1", 5, "2001:db8:ff::100", "[5]::/0" },
	};
	struct map_server ms;
	struct outbox out;

	(void)state;
	server_init(&ms, &out);
	register_eid(&ms, "10.1.1.0/24", "192.0.2.1", KEY_A, false, 0);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		out.n = 0;
		resolve(&ms, v[i].eid, v[i].iid, v[i].itr, i, 0);
		assert_int_equal(out.n, 1);
		check_negative(&out.s[0], v[i].itr, i, v[i].hole, 15);
	}
	assert_int_equal(ms.stats.negative_replies, ARRAY_SIZE(v));
	assert_int_equal(ms.stats.requests, ARRAY_SIZE(v));
	assert_int_equal(ms.stats.forwarded, 0);
	map_server_destroy(&ms);
}

/*
 * A request for a prefix that is in no site but holds site prefixes, as when an ITR refreshes a
 * negative entry after a site was added: the reply must not cover any site's prefix, so it is
 * for the hole around the prefix's first address; and when that address is in a site, the site
 * answers.
 */
static void
test_resolve_prefix_holding_sites(void **state)
{
	static const struct {
		const char *eid;
		const char *hole;
		uint32_t ttl;
	} v[] = {
		/* The /13 handed out before site c took 10.9.0.0/16. */
		{ "10.8.0.0/13", "10.8.0.0/16", 15 },
		{ "10.0.0.0/8", "10.0.0.0/16", 15 },
		{ "10.1.0.0/16", "10.1.0.0/24", 15 },
		{ "10.1.0.0/22", "10.1.0.0/24", 15 },
		{ "0.0.0.0/0", "0.0.0.0/5", 15 },
		/* 10.64.0.0 is site d's: its unregistered prefix. */
		{ "10.64.0.0/10", "10.64.0.0/24", 1 },
		{ "2001:db8::/32", "2001:db8::/48", 15 },
		/* Still as before: a prefix clear of every site gets the largest hole around it. */
		{ "10.8.0.0/16", "10.8.0.0/16", 15 },
		{ "10.128.0.0/16", "10.128.0.0/9", 15 },
	};
	const struct lisp_prefix c = pfx("10.9.0.0/16"), d = pfx("10.64.0.0/24");
	struct map_server ms;
	struct outbox out;
	char err[256];

	(void)state;
	server_init(&ms, &out);
	assert_int_equal(map_server_add_site(&ms, "c", "secret-c", &c, 1, err, sizeof err), 0);
	assert_int_equal(map_server_add_site(&ms, "d", "secret-d", &d, 1, err, sizeof err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		const char *itr = strchr(v[i].eid, ':') ? "2001:db8:ff::100" : "192.0.2.100";

		out.n = 0;
		resolve(&ms, v[i].eid, 0, itr, i, 0);
		assert_int_equal(out.n, 1);
		check_negative(&out.s[0], itr, i, v[i].hole, v[i].ttl);
	}
	map_server_destroy(&ms);
}

/* Of several ITR-RLOCs, the reply goes to one of the family the ECM came from. */
static void
test_resolve_itr_rloc_family(void **state)
{
	struct map_server ms;
	struct outbox out;
	uint8_t raw[512];
	size_t len;

	(void)state;
	server_init(&ms, &out);
	len = make_ecm("10.9.0.5", 0, "192.0.2.100", "2001:db8:ff::100", 1, raw, sizeof raw);
	/* The IPv6 one listed first. */
	resolve_raw(&ms, raw, len, 0);
	len = make_ecm("2001:db8:2::1", 0, "2001:db8:ff::100", "192.0.2.100", 2, raw, sizeof raw);
	resolve_raw(&ms, raw, len, 0);
	assert_int_equal(out.n, 2);
	check_negative(&out.s[0], "192.0.2.100", 1, "10.8.0.0/13", 15);
	check_negative(&out.s[1], "2001:db8:ff::100", 2, "2001:db8:2::/47", 15);
	map_server_destroy(&ms);
}

/* A registration past its lifetime is not used, even before map_server_run removes it. */
static void
test_resolve_expired_registration(void **state)
{
	struct map_server ms;
	struct outbox out;

	(void)state;
	server_init(&ms, &out);
	register_eid(&ms, "10.1.1.0/24", "192.0.2.1", KEY_A, false, 1000);
	resolve(&ms, "10.1.1.5", 0, "192.0.2.100", 1, 1000 + MS_REGISTRATION_LIFETIME_MS - 1);
	assert_int_equal(out.n, 1);
	assert_true(addr_is(&out.s[0].dst, "192.0.2.1"));
	resolve(&ms, "10.1.1.5", 0, "192.0.2.100", 2, 1000 + MS_REGISTRATION_LIFETIME_MS);
	assert_int_equal(out.n, 2);
	check_negative(&out.s[1], "192.0.2.100", 2, "10.1.1.0/24", 1);
	map_server_run(&ms, 1000 + MS_REGISTRATION_LIFETIME_MS);
	assert_int_equal(ms.stats.expired, 1);
	map_server_destroy(&ms);
}

/* What is not a Map-Register, or not a decodable one, is counted and otherwise ignored. */
static void
test_input_malformed(void **state)
{
	struct lisp_map_register m = reg_new(LISP_AUTH_SHA256_128, 1);
	struct in6_addr src = addr("192.0.2.1");
	struct map_server ms;
	struct outbox out;
	uint8_t buf[1024];
	size_t len;

	(void)state;
	server_init(&ms, &out);
	m.want_notify = true;
	reg_add(&m, "10.1.1.0/24", "192.0.2.1");
	len = reg_encode(&m, KEY_A, buf, sizeof buf);
	map_server_input(&ms, buf, len - 1, &src, ETR_PORT, 0);     /* Short locator. */
	map_server_input(&ms, buf, 10, &src, ETR_PORT, 0);          /* Short header. */
	map_server_input(&ms, buf, 0, &src, ETR_PORT, 0);
	buf[0] = LISP_MAP_REPLY << 4;
	map_server_input(&ms, buf, len, &src, ETR_PORT, 0);
	assert_int_equal(ms.stats.malformed, 4);
	/* A Map-Notify-Ack is taken, and there is nothing to do with it. */
	buf[0] = LISP_MAP_NOTIFY_ACK << 4;
	map_server_input(&ms, buf, len, &src, ETR_PORT, 0);
	assert_int_equal(ms.stats.malformed, 4);
	assert_int_equal(ms.stats.registers, 0);
	assert_int_equal(ms.stats.auth_failures, 0);
	assert_int_equal(out.n, 0);
	map_server_destroy(&ms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_site_errors),
		cmocka_unit_test(test_register_accepted),
		cmocka_unit_test(test_register_truncated_digest),
		cmocka_unit_test(test_register_auth_refused),
		cmocka_unit_test(test_register_tampered),
		cmocka_unit_test(test_register_foreign),
		cmocka_unit_test(test_register_renewed),
		cmocka_unit_test(test_registration_expiry),
		cmocka_unit_test(test_resolve_forward),
		cmocka_unit_test(test_resolve_most_specific),
		cmocka_unit_test(test_resolve_proxy_reply),
		cmocka_unit_test(test_resolve_unregistered_site),
		cmocka_unit_test(test_resolve_unknown_space),
		cmocka_unit_test(test_resolve_prefix_holding_sites),
		cmocka_unit_test(test_resolve_itr_rloc_family),
		cmocka_unit_test(test_resolve_expired_registration),
		cmocka_unit_test(test_input_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

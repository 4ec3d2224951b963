/*
 * Unit tests for map-cache.c, an ITR's EID-to-RLOC cache, on a fake clock: longest-prefix match
 * per family and instance, in-place updates that keep RLOC-probing state, TTL expiry at its
 * exact boundary, static entries, the size bound with least-recently-used eviction, negative
 * entries, locator selection by priority and weight, and the prefix-length bookkeeping that
 * lookups rely on (also checked against a linear scan over random puts and removals).
 */
#include "unit.h"
#include "unit-prefix.h"

#include "map-cache.h"

#define MINUTE 60000

/* A record for 'eid' with 'ttl' minutes and no locators yet. */
static struct lisp_record
record(const char *eid, uint32_t ttl)
{
	return (struct lisp_record){ .eid = pfx(eid), .ttl = ttl };
}

static void
add_locator(struct lisp_record *r, const char *rloc, uint8_t priority, uint8_t weight)
{
	r->locators[r->n_locators++] = (struct lisp_locator){
		.rloc = addr(rloc), .priority = priority, .weight = weight, .mpriority = 255,
		.reachable = true,
	};
}

/* Puts 'eid' learnt from a Map-Reply with one locator 'rloc', TTL 'ttl', at 'now'. */
static struct mc_entry *
put(struct map_cache *mc, const char *eid, const char *rloc, uint32_t ttl, int64_t now)
{
	struct lisp_record r = record(eid, ttl);

	add_locator(&r, rloc, 1, 100);
	return map_cache_put(mc, &r, MC_MAP_REPLY, now);
}

static struct mc_entry *
put_static(struct map_cache *mc, const char *eid, const char *rloc)
{
	struct lisp_record r = record(eid, 0);

	add_locator(&r, rloc, 1, 100);
	return map_cache_put(mc, &r, MC_STATIC, 0);
}

static struct mc_entry *
lookup(const struct map_cache *mc, uint32_t iid, const char *a)
{
	struct in6_addr in = addr(a);

	return map_cache_lookup(mc, iid, &in);
}

static struct mc_entry *
find(const struct map_cache *mc, const char *p)
{
	struct lisp_prefix in = pfx(p);

	return map_cache_find(mc, &in);
}

static bool
rloc_is(const struct mc_locator *l, const char *rloc)
{
	struct in6_addr a = addr(rloc);

	return l && !memcmp(&l->loc.rloc, &a, sizeof a);
}

static void
test_lpm_ipv4(void **state)
{
	static const struct {
		const char *addr;
		const char *eid;        /* The entry found, or NULL. */
	} v[] = {
		{ "10.1.2.3", "10.1.2.3/32" },
		{ "10.1.2.4", "10.1.2.0/24" },
		{ "10.1.2.255", "10.1.2.0/24" },
		{ "10.1.3.0", "10.1.0.0/16" },
		{ "10.1.255.255", "10.1.0.0/16" },
		{ "10.0.255.255", NULL },
		{ "10.2.0.0", NULL },
		{ "11.1.2.3", NULL },
		{ "0.0.0.0", NULL },
	};
	struct map_cache mc;
	struct mc_entry *e16, *e24, *e32;

	(void)state;
	map_cache_init(&mc, 100);
	e16 = put(&mc, "10.1.0.0/16", "192.0.2.16", 60, 0);
	e24 = put(&mc, "10.1.2.0/24", "192.0.2.24", 60, 0);
	e32 = put(&mc, "10.1.2.3/32", "192.0.2.32", 60, 0);
	assert_non_null(e16);
	assert_non_null(e24);
	assert_non_null(e32);
	assert_int_equal(map_cache_count(&mc), 3);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct mc_entry *e = lookup(&mc, 0, v[i].addr);
		struct lisp_prefix want;

		if (!v[i].eid) {
			assert_null(e);
			continue;
		}
		want = pfx(v[i].eid);
		assert_non_null(e);
		assert_true(lisp_prefix_equal(&e->eid, &want));
	}
	/* find() is exact: no prefix of another length answers. */
	assert_ptr_equal(find(&mc, "10.1.2.0/24"), e24);
	assert_null(find(&mc, "10.1.2.0/23"));
	assert_null(find(&mc, "10.1.2.0/25"));
	assert_null(find(&mc, "[1]10.1.2.0/24"));
	/* A record's host bits are cleared: it updates the /24 instead of adding an entry. */
	assert_ptr_equal(put(&mc, "10.1.2.77/24", "192.0.2.99", 60, 0), e24);
	assert_int_equal(map_cache_count(&mc), 3);
	assert_true(rloc_is(&e24->locators[0], "192.0.2.99"));
	map_cache_destroy(&mc);
}

static void
test_lpm_ipv6(void **state)
{
	struct map_cache mc;
	struct mc_entry *e32, *e48, *e128, *all;

	(void)state;
	map_cache_init(&mc, 100);
	e32 = put(&mc, "2001:db8::/32", "2001:db8:ff::32", 60, 0);
	e48 = put(&mc, "2001:db8:1::/48", "2001:db8:ff::48", 60, 0);
	e128 = put(&mc, "2001:db8:1::1", "192.0.2.1", 60, 0);
	put(&mc, "10.0.0.0/8", "192.0.2.8", 60, 0);
	assert_ptr_equal(lookup(&mc, 0, "2001:db8:1::1"), e128);
	assert_ptr_equal(lookup(&mc, 0, "2001:db8:1::2"), e48);
	assert_ptr_equal(lookup(&mc, 0, "2001:db8:1:ffff:ffff:ffff:ffff:ffff"), e48);
	assert_ptr_equal(lookup(&mc, 0, "2001:db8:2::1"), e32);
	assert_ptr_equal(lookup(&mc, 0, "2001:db8:ffff::"), e32);
	assert_null(lookup(&mc, 0, "2001:db9::1"));
	assert_null(lookup(&mc, 0, "::1"));
	assert_true(rloc_is(&e128->locators[0], "192.0.2.1"));

	/* The families are apart: an IPv6 default route is no IPv4 one, and the reverse. */
	all = put(&mc, "::/0", "2001:db8:ff::", 60, 0);
	assert_non_null(all);
	assert_ptr_equal(lookup(&mc, 0, "2001:db9::1"), all);
	assert_ptr_equal(lookup(&mc, 0, "::ffff:0:0:1"), all);    /* Not v4-mapped. */
	assert_null(lookup(&mc, 0, "11.0.0.1"));
	assert_non_null(lookup(&mc, 0, "10.9.9.9"));
	map_cache_remove(&mc, all);
	put(&mc, "0.0.0.0/0", "192.0.2.0", 60, 0);
	assert_null(lookup(&mc, 0, "2001:db9::1"));
	assert_non_null(lookup(&mc, 0, "11.0.0.1"));
	map_cache_destroy(&mc);
}

/* The same prefix in two instances is two entries; a lookup stays in its own instance. */
static void
test_instances_apart(void **state)
{
	struct map_cache mc;
	struct mc_entry *a, *b, *v6;

	(void)state;
	map_cache_init(&mc, 100);
	a = put(&mc, "[1]10.0.0.0/8", "192.0.2.1", 60, 0);
	b = put(&mc, "[2]10.0.0.0/8", "192.0.2.2", 60, 0);
	v6 = put(&mc, "[16777215]2001:db8::/32", "192.0.2.3", 60, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(map_cache_count(&mc), 3);
	assert_ptr_equal(lookup(&mc, 1, "10.1.2.3"), a);
	assert_ptr_equal(lookup(&mc, 2, "10.1.2.3"), b);
	assert_null(lookup(&mc, 0, "10.1.2.3"));
	assert_null(lookup(&mc, 3, "10.1.2.3"));
	assert_ptr_equal(lookup(&mc, 16777215, "2001:db8::1"), v6);
	assert_null(lookup(&mc, 0, "2001:db8::1"));
	assert_ptr_equal(find(&mc, "[2]10.0.0.0/8"), b);
	assert_true(rloc_is(&a->locators[0], "192.0.2.1"));
	assert_true(rloc_is(&b->locators[0], "192.0.2.2"));

	/* Removing one instance's entry leaves the other's. */
	map_cache_remove(&mc, a);
	assert_null(lookup(&mc, 1, "10.1.2.3"));
	assert_ptr_equal(lookup(&mc, 2, "10.1.2.3"), b);
	map_cache_destroy(&mc);
}

/* An update keeps the entry and what probing learnt of the locators it still lists. */
static void
test_put_updates_in_place(void **state)
{
	struct lisp_record r = record("10.1.0.0/16", 10);
	struct map_cache mc;
	struct mc_entry *e;

	(void)state;
	map_cache_init(&mc, 100);
	add_locator(&r, "192.0.2.1", 1, 50);
	add_locator(&r, "192.0.2.2", 1, 50);
	add_locator(&r, "2001:db8::3", 2, 100);
	e = map_cache_put(&mc, &r, MC_MAP_REPLY, 1000);
	assert_non_null(e);
	assert_int_equal(e->n_locators, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(e->locators[i].up);
		assert_int_equal(e->locators[i].rtt_us, -1);
		assert_int_equal(e->locators[i].missed, 0);
	}
	e->refreshing = true;
	map_cache_use(&mc, e, 100, 1500);
	e->locators[0].rtt_us = 250;
	e->locators[1].up = false;
	e->locators[1].rtt_us = 1234;
	e->locators[1].missed = 3;
	e->locators[1].probe_nonce = 0x55;

	/* The new set drops .1 and the IPv6 one, keeps .2 with a new priority, adds .4. */
	r = record("10.1.0.0/16", 20);
	r.version = 7;
	add_locator(&r, "192.0.2.4", 1, 10);
	add_locator(&r, "192.0.2.2", 3, 90);
	assert_ptr_equal(map_cache_put(&mc, &r, MC_MAP_REPLY, 2000), e);
	assert_int_equal(map_cache_count(&mc), 1);
	assert_int_equal(e->n_locators, 2);
	assert_true(rloc_is(&e->locators[0], "192.0.2.4"));
	assert_true(e->locators[0].up);
	assert_int_equal(e->locators[0].rtt_us, -1);
	assert_int_equal(e->locators[0].loc.weight, 10);
	assert_true(rloc_is(&e->locators[1], "192.0.2.2"));
	assert_false(e->locators[1].up);
	assert_int_equal(e->locators[1].rtt_us, 1234);
	assert_int_equal(e->locators[1].missed, 3);
	assert_int_equal(e->locators[1].probe_nonce, 0x55);
	assert_int_equal(e->locators[1].loc.priority, 3);
	assert_int_equal(e->locators[1].loc.weight, 90);
	/* The entry's own fields: new TTL and expiry, same creation, counters and LRU slot. */
	assert_int_equal(e->ttl, 20);
	assert_int_equal(e->expires_ms, 2000 + 20 * MINUTE);
	assert_int_equal(e->created_ms, 1000);
	assert_int_equal(e->used_ms, 1500);
	assert_int_equal(e->packets, 1);
	assert_int_equal(e->bytes, 100);
	assert_false(e->refreshing);
	/* .1 comes back: it was dropped, so it starts afresh. */
	r = record("10.1.0.0/16", 20);
	add_locator(&r, "192.0.2.1", 1, 50);
	assert_ptr_equal(map_cache_put(&mc, &r, MC_MAP_REPLY, 3000), e);
	assert_int_equal(e->n_locators, 1);
	assert_int_equal(e->locators[0].rtt_us, -1);
	map_cache_destroy(&mc);
}

static void
test_ttl_expiry(void **state)
{
	struct map_cache mc;
	struct mc_entry *e;

	(void)state;
	map_cache_init(&mc, 100);
	e = put(&mc, "10.1.0.0/16", "192.0.2.1", 1, 1000);
	assert_int_equal(e->expires_ms, 1000 + MINUTE);
	put(&mc, "10.2.0.0/16", "192.0.2.1", 2, 1000);
	put(&mc, "10.3.0.0/16", "192.0.2.1", 0xffffffff, 1000);
	assert_int_equal(find(&mc, "10.3.0.0/16")->expires_ms, MC_NEVER);

	assert_int_equal(map_cache_expire(&mc, 1000 + MINUTE - 1), 0);
	assert_int_equal(map_cache_count(&mc), 3);
	assert_int_equal(map_cache_expire(&mc, 1000 + MINUTE), 1);     /* expires_ms <= now. */
	assert_null(find(&mc, "10.1.0.0/16"));
	assert_int_equal(mc.expirations, 1);
	assert_int_equal(map_cache_expire(&mc, 1000 + MINUTE), 0);

	/* A refresh moves the expiry on from the time of the reply. */
	put(&mc, "10.2.0.0/16", "192.0.2.1", 2, 1000 + MINUTE);
	assert_int_equal(map_cache_expire(&mc, 1000 + 2 * MINUTE), 0);
	assert_int_equal(map_cache_expire(&mc, 1000 + 3 * MINUTE), 1);
	assert_int_equal(mc.expirations, 2);

	/* TTL 0xffffffff: kept however late it gets. */
	assert_int_equal(map_cache_expire(&mc, INT64_MAX - 1), 0);
	assert_non_null(find(&mc, "10.3.0.0/16"));

	/* TTL 0 in a reply deletes the entry, and adds none for a prefix not cached. */
	assert_null(put(&mc, "10.3.0.0/16", "192.0.2.1", 0, 5000));
	assert_null(find(&mc, "10.3.0.0/16"));
	assert_null(put(&mc, "10.4.0.0/16", "192.0.2.1", 0, 5000));
	assert_int_equal(map_cache_count(&mc), 0);
	assert_int_equal(mc.expirations, 2);
	map_cache_destroy(&mc);
}

static void
test_static_entries(void **state)
{
	struct map_cache mc;
	struct mc_entry *s, *e;

	(void)state;
	map_cache_init(&mc, 100);
	s = put_static(&mc, "10.1.0.0/16", "192.0.2.1");
	assert_non_null(s);
	assert_int_equal(s->source, MC_STATIC);
	assert_int_equal(s->expires_ms, MC_NEVER);
	assert_int_equal(map_cache_expire(&mc, INT64_MAX), 0);
	assert_ptr_equal(find(&mc, "10.1.0.0/16"), s);

	/* A learnt record neither replaces nor deletes it. */
	assert_null(put(&mc, "10.1.0.0/16", "192.0.2.9", 60, 0));
	assert_null(put(&mc, "10.1.0.0/16", "192.0.2.9", 0, 0));
	assert_ptr_equal(find(&mc, "10.1.0.0/16"), s);
	assert_int_equal(s->source, MC_STATIC);
	assert_true(rloc_is(&s->locators[0], "192.0.2.1"));

	/* A static record does replace a learnt entry, which then never expires. */
	e = put(&mc, "10.2.0.0/16", "192.0.2.2", 1, 0);
	assert_ptr_equal(put_static(&mc, "10.2.0.0/16", "192.0.2.3"), e);
	assert_int_equal(e->source, MC_STATIC);
	assert_int_equal(e->expires_ms, MC_NEVER);
	assert_int_equal(map_cache_expire(&mc, 10 * MINUTE), 0);
	assert_true(rloc_is(&e->locators[0], "192.0.2.3"));
	/* And a static one another static one. */
	assert_ptr_equal(put_static(&mc, "10.2.0.0/16", "192.0.2.4"), e);
	assert_true(rloc_is(&e->locators[0], "192.0.2.4"));
	assert_int_equal(map_cache_count(&mc), 2);
	map_cache_destroy(&mc);
}

/* Prefixes of the entries from least to most recently used, joined by spaces. */
static const char *
lru_order(const struct map_cache *mc)
{
	static char buf[256];
	char p[LISP_PREFIX_STRLEN];
	const struct mc_entry *e = NULL;
	size_t n = 0;

	buf[0] = '\0';
	while ((e = map_cache_next(mc, e)))
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? " " : "",
				      lisp_prefix_format(&e->eid, p));
	return buf;
}

static void
test_bound_lru(void **state)
{
	struct map_cache mc;
	struct mc_entry *a;

	(void)state;
	map_cache_init(&mc, 3);
	a = put(&mc, "10.1.0.0/16", "192.0.2.1", 60, 0);
	put(&mc, "10.2.0.0/16", "192.0.2.1", 60, 1);
	put(&mc, "10.3.0.0/16", "192.0.2.1", 60, 2);
	map_cache_use(&mc, a, 1500, 3);
	assert_int_equal(a->packets, 1);
	assert_int_equal(a->bytes, 1500);
	assert_int_equal(a->used_ms, 3);
	assert_string_equal(lru_order(&mc), "[0]10.2.0.0/16 [0]10.3.0.0/16 [0]10.1.0.0/16");

	/* Full: the 4th entry evicts the least recently used, 10.2 (not the oldest, 10.1). */
	assert_non_null(put(&mc, "10.4.0.0/16", "192.0.2.1", 60, 4));
	assert_int_equal(map_cache_count(&mc), 3);
	assert_int_equal(mc.evictions, 1);
	assert_null(find(&mc, "10.2.0.0/16"));
	assert_ptr_equal(find(&mc, "10.1.0.0/16"), a);
	assert_string_equal(lru_order(&mc), "[0]10.3.0.0/16 [0]10.1.0.0/16 [0]10.4.0.0/16");

	/* Updating a cached prefix in a full cache evicts nothing. */
	assert_non_null(put(&mc, "10.3.0.0/16", "192.0.2.2", 60, 5));
	assert_int_equal(mc.evictions, 1);
	assert_int_equal(map_cache_count(&mc), 3);

	map_cache_use(&mc, find(&mc, "10.3.0.0/16"), 100, 6);
	assert_non_null(put(&mc, "10.5.0.0/16", "192.0.2.1", 60, 7));
	assert_int_equal(mc.evictions, 2);
	assert_null(find(&mc, "10.1.0.0/16"));
	assert_string_equal(lru_order(&mc), "[0]10.4.0.0/16 [0]10.3.0.0/16 [0]10.5.0.0/16");
	/* Neither expiry nor removal counts as eviction. */
	map_cache_remove(&mc, find(&mc, "10.4.0.0/16"));
	assert_int_equal(map_cache_expire(&mc, 7 + 60 * MINUTE), 2);
	assert_int_equal(mc.evictions, 2);
	assert_int_equal(map_cache_count(&mc), 0);
	map_cache_destroy(&mc);
}

static void
test_bound_static(void **state)
{
	struct map_cache mc;

	(void)state;
	/* Static entries are passed over: the learnt one goes even though it is newer. */
	map_cache_init(&mc, 3);
	put_static(&mc, "10.1.0.0/16", "192.0.2.1");
	put_static(&mc, "10.2.0.0/16", "192.0.2.1");
	put(&mc, "10.3.0.0/16", "192.0.2.1", 60, 0);
	assert_non_null(put(&mc, "10.4.0.0/16", "192.0.2.1", 60, 1));
	assert_int_equal(mc.evictions, 1);
	assert_null(find(&mc, "10.3.0.0/16"));
	assert_string_equal(lru_order(&mc), "[0]10.1.0.0/16 [0]10.2.0.0/16 [0]10.4.0.0/16");
	map_cache_destroy(&mc);

	/* Full of static entries: nothing is added, learnt or static, and nothing goes. */
	map_cache_init(&mc, 3);
	put_static(&mc, "10.1.0.0/16", "192.0.2.1");
	put_static(&mc, "10.2.0.0/16", "192.0.2.1");
	put_static(&mc, "10.3.0.0/16", "192.0.2.1");
	assert_null(put(&mc, "10.4.0.0/16", "192.0.2.1", 60, 0));
	assert_null(put_static(&mc, "10.4.0.0/16", "192.0.2.1"));
	assert_int_equal(map_cache_count(&mc), 3);
	assert_int_equal(mc.evictions, 0);
	assert_null(lookup(&mc, 0, "10.4.0.1"));
	assert_int_equal(mc.plens[0][16], 3);
	/* But a static entry can still be updated. */
	assert_non_null(put_static(&mc, "10.3.0.0/16", "192.0.2.2"));
	map_cache_destroy(&mc);

	/* A cache of size 0 holds nothing. */
	map_cache_init(&mc, 0);
	assert_null(put(&mc, "10.4.0.0/16", "192.0.2.1", 60, 0));
	assert_int_equal(map_cache_count(&mc), 0);
	map_cache_destroy(&mc);
}

static void
test_negative_entries(void **state)
{
	struct lisp_record r = record("10.9.0.0/16", 15);
	struct map_cache mc;
	struct mc_entry *e;

	(void)state;
	map_cache_init(&mc, 100);
	r.action = LISP_ACT_DROP;
	e = map_cache_put(&mc, &r, MC_MAP_REPLY, 0);
	assert_non_null(e);
	assert_int_equal(e->n_locators, 0);
	assert_null(e->locators);
	assert_int_equal(e->action, LISP_ACT_DROP);
	assert_int_equal(e->expires_ms, 15 * MINUTE);
	assert_ptr_equal(lookup(&mc, 0, "10.9.1.1"), e);
	assert_null(map_cache_select(e, 0));

	/* Negative to positive and back, in place. */
	add_locator(&r, "192.0.2.1", 1, 1);
	r.action = LISP_ACT_NO_ACTION;
	assert_ptr_equal(map_cache_put(&mc, &r, MC_MAP_REPLY, 0), e);
	assert_true(rloc_is(map_cache_select(e, 0), "192.0.2.1"));
	r = record("10.9.0.0/16", 1);
	r.action = LISP_ACT_NATIVE_FORWARD;
	assert_ptr_equal(map_cache_put(&mc, &r, MC_MAP_REPLY, 0), e);
	assert_int_equal(e->n_locators, 0);
	assert_null(e->locators);
	assert_int_equal(e->action, LISP_ACT_NATIVE_FORWARD);
	assert_null(map_cache_select(e, 0));

	/* A prefix too long for its family is refused. */
	r.eid.plen = 33;
	assert_null(map_cache_put(&mc, &r, MC_MAP_REPLY, 0));
	assert_int_equal(map_cache_count(&mc), 1);
	map_cache_destroy(&mc);
}

static void
test_select_priority(void **state)
{
	struct lisp_record r = record("10.1.0.0/16", 60);
	struct map_cache mc;
	struct mc_entry *e;

	(void)state;
	map_cache_init(&mc, 100);
	add_locator(&r, "192.0.2.255", 255, 100);
	add_locator(&r, "192.0.2.2", 2, 100);
	add_locator(&r, "192.0.2.1", 1, 0);
	add_locator(&r, "192.0.2.3", 3, 100);
	e = map_cache_put(&mc, &r, MC_MAP_REPLY, 0);
	for (uint32_t h = 0; h < 1000; h++)
		assert_true(rloc_is(map_cache_select(e, h), "192.0.2.1"));
	e->locators[2].up = false;
	for (uint32_t h = 0; h < 1000; h++)
		assert_true(rloc_is(map_cache_select(e, h), "192.0.2.2"));
	e->locators[1].up = false;
	assert_true(rloc_is(map_cache_select(e, 7), "192.0.2.3"));
	/* Only priority 255 left up: unusable. */
	e->locators[3].up = false;
	assert_null(map_cache_select(e, 7));
	e->locators[2].up = true;
	assert_true(rloc_is(map_cache_select(e, 7), "192.0.2.1"));
	map_cache_destroy(&mc);
}

/* How many of the hashes 0..9999 go to each of the first four locators of 'e'. */
static void
count_picks(const struct mc_entry *e, unsigned int n[4])
{
	memset(n, 0, 4 * sizeof *n);
	for (uint32_t h = 0; h < 10000; h++) {
		const struct mc_locator *l = map_cache_select(e, h);

		assert_non_null(l);
		assert_ptr_equal(map_cache_select(e, h), l);    /* Same hash, same locator. */
		n[l - e->locators]++;
	}
}

static void
test_select_weights(void **state)
{
	struct lisp_record r = record("10.1.0.0/16", 60);
	struct map_cache mc;
	struct mc_entry *e;
	unsigned int n[4];

	(void)state;
	map_cache_init(&mc, 100);
	add_locator(&r, "192.0.2.1", 1, 75);
	add_locator(&r, "192.0.2.2", 1, 25);
	add_locator(&r, "192.0.2.3", 2, 100);   /* Worse priority: never picked while one is up. */
	add_locator(&r, "192.0.2.4", 255, 100);
	e = map_cache_put(&mc, &r, MC_MAP_REPLY, 0);
	count_picks(e, n);
	assert_in_range(n[0], 7500 - 200, 7500 + 200);
	assert_in_range(n[1], 2500 - 200, 2500 + 200);
	assert_int_equal(n[0] + n[1], 10000);
	assert_int_equal(n[2], 0);
	assert_int_equal(n[3], 0);

	/* Weights 3:1 give the same split as 75:25. */
	e->locators[0].loc.weight = 3;
	e->locators[1].loc.weight = 1;
	count_picks(e, n);
	assert_in_range(n[0], 7500 - 200, 7500 + 200);
	assert_in_range(n[1], 2500 - 200, 2500 + 200);

	/* All weights 0: an even split. */
	e->locators[0].loc.weight = 0;
	e->locators[1].loc.weight = 0;
	e->locators[2].loc.priority = 1;
	e->locators[2].loc.weight = 0;
	count_picks(e, n);
	for (int i = 0; i < 3; i++)
		assert_in_range(n[i], 3333 - 200, 3333 + 200);
	assert_int_equal(n[3], 0);

	/* A down locator's share goes to the others. */
	e->locators[1].up = false;
	count_picks(e, n);
	assert_in_range(n[0], 5000 - 200, 5000 + 200);
	assert_int_equal(n[1], 0);
	assert_in_range(n[2], 5000 - 200, 5000 + 200);
	map_cache_destroy(&mc);
}

static void
test_next_order(void **state)
{
	struct map_cache mc;
	struct mc_entry *a, *b, *c;

	(void)state;
	map_cache_init(&mc, 100);
	assert_null(map_cache_next(&mc, NULL));
	a = put(&mc, "10.1.0.0/16", "192.0.2.1", 60, 0);
	b = put(&mc, "2001:db8::/32", "192.0.2.1", 60, 0);
	c = put_static(&mc, "10.3.0.0/16", "192.0.2.1");
	assert_ptr_equal(map_cache_next(&mc, NULL), a);
	assert_ptr_equal(map_cache_next(&mc, a), b);
	assert_ptr_equal(map_cache_next(&mc, b), c);
	assert_null(map_cache_next(&mc, c));
	map_cache_use(&mc, a, 1, 1);
	map_cache_use(&mc, c, 1, 2);
	assert_ptr_equal(map_cache_next(&mc, NULL), b);
	assert_ptr_equal(map_cache_next(&mc, b), a);
	assert_ptr_equal(map_cache_next(&mc, a), c);
	assert_null(map_cache_next(&mc, c));
	map_cache_remove(&mc, a);
	assert_ptr_equal(map_cache_next(&mc, b), c);
	map_cache_destroy(&mc);
}

/* Each way out of the cache (remove, expire, evict, TTL 0) gives back its prefix length. */
static void
test_plens_bookkeeping(void **state)
{
	struct map_cache mc;
	struct mc_entry *e16;

	(void)state;
	map_cache_init(&mc, 4);
	e16 = put(&mc, "10.1.0.0/16", "192.0.2.1", 60, 0);
	put(&mc, "10.1.2.0/24", "192.0.2.2", 60, 0);
	put(&mc, "10.1.2.0/24", "192.0.2.3", 60, 0);     /* An update adds no length. */
	assert_int_equal(mc.plens[0][24], 1);
	map_cache_remove(&mc, find(&mc, "10.1.2.0/24"));
	assert_int_equal(mc.plens[0][24], 0);
	assert_ptr_equal(lookup(&mc, 0, "10.1.2.3"), e16);

	/* Two /24s: removing one leaves the other reachable. */
	put(&mc, "10.1.2.0/24", "192.0.2.2", 60, 0);
	put(&mc, "10.1.3.0/24", "192.0.2.3", 1, 0);
	map_cache_remove(&mc, find(&mc, "10.1.2.0/24"));
	assert_ptr_equal(lookup(&mc, 0, "10.1.2.3"), e16);
	assert_ptr_equal(lookup(&mc, 0, "10.1.3.3"), find(&mc, "10.1.3.0/24"));
	assert_int_equal(map_cache_expire(&mc, MINUTE), 1);
	assert_int_equal(mc.plens[0][24], 0);
	assert_ptr_equal(lookup(&mc, 0, "10.1.3.3"), e16);

	/* TTL 0 and eviction. */
	put(&mc, "10.1.4.0/24", "192.0.2.4", 60, 0);
	assert_null(put(&mc, "10.1.4.0/24", "192.0.2.4", 0, 0));
	assert_int_equal(mc.plens[0][24], 0);
	put(&mc, "10.1.5.0/25", "192.0.2.5", 60, 0);
	put(&mc, "2001:db8::/32", "192.0.2.5", 60, 0);
	put(&mc, "2001:db8::/48", "192.0.2.5", 60, 0);
	assert_int_equal(map_cache_count(&mc), 4);
	put(&mc, "10.1.6.0/26", "192.0.2.5", 60, 0);     /* Evicts the /16. */
	assert_int_equal(mc.evictions, 1);
	assert_int_equal(mc.plens[0][16], 0);
	assert_null(lookup(&mc, 0, "10.1.2.3"));
	assert_int_equal(mc.plens[1][32], 1);
	assert_int_equal(mc.plens[1][48], 1);
	map_cache_destroy(&mc);
}

static uint32_t rng_state = 2463534242u;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* The longest prefix holding 'a' in 'iid', by a scan of every entry. */
static const struct mc_entry *
ref_lookup(const struct map_cache *mc, uint32_t iid, const struct in6_addr *a)
{
	const struct mc_entry *e = NULL, *best = NULL;

	while ((e = map_cache_next(mc, e)))
		if (lisp_prefix_contains(&e->eid, iid, a) && (!best || e->eid.plen > best->eid.plen))
			best = e;
	return best;
}

/*
 * Random puts, removals, TTL-0 deletions and expiries of IPv4 prefixes in two instances, all
 * inside 10.0.0.0/16 so they nest, with random lookups checked against the scan after each step.
 */
static void
test_random_against_scan(void **state)
{
	uint32_t plens[129] = { 0 };
	struct map_cache mc;
	struct mc_entry *e;
	int64_t now = 0;

	(void)state;
	map_cache_init(&mc, 40);
	for (int step = 0; step < 3000; step++) {
		struct lisp_record r = { .ttl = 1 + rnd() % 10 };
		uint32_t a = 0x0a000000 | (rnd() & 0xffff), op = rnd() % 10;

		r.eid.iid = rnd() % 2;
		r.eid.plen = (uint8_t)(16 + rnd() % 17);
		r.eid.addr = addr("10.0.0.0");
		memcpy(&r.eid.addr.s6_addr[12], &(uint32_t){ htonl(a) }, 4);
		add_locator(&r, "192.0.2.1", 1, 1);
		if (op < 6) {
			assert_non_null(map_cache_put(&mc, &r, MC_MAP_REPLY, now));
		} else if (op == 6) {
			r.ttl = 0;
			assert_null(map_cache_put(&mc, &r, MC_MAP_REPLY, now));
		} else if (op == 7 && (e = map_cache_next(&mc, NULL))) {
			map_cache_remove(&mc, e);
		} else if (op == 8) {
			now += MINUTE / 2;
			map_cache_expire(&mc, now);
		}
		assert_true(map_cache_count(&mc) <= 40);
		for (int i = 0; i < 20; i++) {
			struct in6_addr q = addr("10.0.0.0");
			uint32_t iid = rnd() % 2;

			memcpy(&q.s6_addr[12], &(uint32_t){ htonl(0x0a000000 | (rnd() & 0xffff)) }, 4);
			assert_ptr_equal(map_cache_lookup(&mc, iid, &q), ref_lookup(&mc, iid, &q));
		}
	}
	/* The lengths counted are those of the entries left. */
	e = NULL;
	while ((e = map_cache_next(&mc, e)))
		plens[e->eid.plen]++;
	assert_memory_equal(plens, mc.plens[0], sizeof plens);
	map_cache_destroy(&mc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lpm_ipv4),
		cmocka_unit_test(test_lpm_ipv6),
		cmocka_unit_test(test_instances_apart),
		cmocka_unit_test(test_put_updates_in_place),
		cmocka_unit_test(test_ttl_expiry),
		cmocka_unit_test(test_static_entries),
		cmocka_unit_test(test_bound_lru),
		cmocka_unit_test(test_bound_static),
		cmocka_unit_test(test_negative_entries),
		cmocka_unit_test(test_select_priority),
		cmocka_unit_test(test_select_weights),
		cmocka_unit_test(test_next_order),
		cmocka_unit_test(test_plens_bookkeeping),
		cmocka_unit_test(test_random_against_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

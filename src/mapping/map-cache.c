#include "map-cache.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "util.h"

#define MS_PER_MINUTE (60 * 1000)
#define TTL_FOREVER 0xffffffffu

static uint32_t
prefix_hash(const struct lisp_prefix *p)
{
	return hash_bytes(&p->addr, sizeof p->addr, hash_add(p->iid, p->plen));
}

/* Index of 'p's family in 'plens'. */
static int
family_index(const struct lisp_prefix *p)
{
	return lisp_prefix_is_v4(p) ? 0 : 1;
}

void
map_cache_init(struct map_cache *mc, size_t max)
{
	memset(mc, 0, sizeof *mc);
	hmap_init(&mc->entries);
	list_init(&mc->lru);
	mc->max = max;
}

static void
entry_free(struct map_cache *mc, struct mc_entry *e)
{
	hmap_remove(&mc->entries, &e->node);
	list_remove(&e->lru);
	mc->plens[family_index(&e->eid)][e->eid.plen]--;
	free(e->locators);
	free(e);
}

void
map_cache_destroy(struct map_cache *mc)
{
	struct mc_entry *e;

	HMAP_FOR_EACH_SAFE(e, node, &mc->entries)
		entry_free(mc, e);
	hmap_destroy(&mc->entries);
}

struct mc_entry *
map_cache_find(const struct map_cache *mc, const struct lisp_prefix *p)
{
	struct mc_entry *e;

	HMAP_FOR_EACH_WITH_HASH(e, node, prefix_hash(p), &mc->entries)
		if (lisp_prefix_equal(&e->eid, p))
			return e;
	return NULL;
}

struct mc_entry *
map_cache_lookup(const struct map_cache *mc, uint32_t iid, const struct in6_addr *a)
{
	struct lisp_prefix p = lisp_prefix_host(iid, a);
	const uint32_t *plens = mc->plens[family_index(&p)];
	int full = p.plen;

	/* Only the lengths some entry has are tried, longest first: a handful in practice. */
	for (int len = full; len >= 0; len--) {
		struct mc_entry *e;

		if (!plens[len])
			continue;
		p = lisp_prefix_host(iid, a);
		p.plen = (uint8_t)len;
		lisp_prefix_normalize(&p);
		if ((e = map_cache_find(mc, &p)))
			return e;
	}
	return NULL;
}

/* The learnt entry used least recently, or NULL if every entry is static. */
static struct mc_entry *
lru_victim(const struct map_cache *mc)
{
	struct mc_entry *e = NULL;

	while ((e = map_cache_next(mc, e)))
		if (e->source != MC_STATIC)
			return e;
	return NULL;
}

/* Copies the locators of 'r' into 'e', keeping what probing knew of those it had already. */
static void
entry_set_locators(struct mc_entry *e, const struct lisp_record *r)
{
	struct mc_locator *old = e->locators;
	uint8_t n_old = e->n_locators;

	e->locators = r->n_locators ? xcalloc(r->n_locators, sizeof *e->locators) : NULL;
	e->n_locators = r->n_locators;
	for (uint8_t i = 0; i < r->n_locators; i++) {
		struct mc_locator *l = &e->locators[i];

		*l = (struct mc_locator){ .loc = r->locators[i], .up = true, .rtt_us = -1 };
		for (uint8_t j = 0; j < n_old; j++) {
			if (!memcmp(&old[j].loc.rloc, &l->loc.rloc, sizeof l->loc.rloc)) {
				*l = old[j];
				l->loc = r->locators[i];
			}
		}
	}
	free(old);
}

/* A new, empty entry for 'p', evicting if the cache is full; NULL if nothing can go. */
static struct mc_entry *
entry_create(struct map_cache *mc, const struct lisp_prefix *p, int64_t now)
{
	struct mc_entry *e;

	if (map_cache_count(mc) >= mc->max) {
		struct mc_entry *victim = lru_victim(mc);

		if (!victim)
			return NULL;
		entry_free(mc, victim);
		mc->evictions++;
	}
	e = xcalloc(1, sizeof *e);
	e->eid = *p;
	e->created_ms = now;
	hmap_insert(&mc->entries, &e->node, prefix_hash(p));
	list_push_back(&mc->lru, &e->lru);
	mc->plens[family_index(p)][p->plen]++;
	return e;
}

struct mc_entry *
map_cache_put(struct map_cache *mc, const struct lisp_record *r, enum mc_source source,
	      int64_t now)
{
	struct lisp_prefix p = r->eid;
	struct mc_entry *e;

	if (!lisp_prefix_normalize(&p))
		return NULL;
	e = map_cache_find(mc, &p);
	if (e && e->source == MC_STATIC && source != MC_STATIC)
		return NULL;
	if (r->ttl == 0 && source != MC_STATIC) {
		if (e)
			entry_free(mc, e);
		return NULL;
	}
	if (!e && !(e = entry_create(mc, &p, now)))
		return NULL;
	e->source = source;
	e->action = r->action;
	e->ttl = r->ttl;
	e->refreshing = false;
	if (source == MC_STATIC || r->ttl == TTL_FOREVER)
		e->expires_ms = MC_NEVER;
	else
		e->expires_ms = now + (int64_t)r->ttl * MS_PER_MINUTE;
	entry_set_locators(e, r);
	return e;
}

void
map_cache_remove(struct map_cache *mc, struct mc_entry *e)
{
	entry_free(mc, e);
}

void
map_cache_use(struct map_cache *mc, struct mc_entry *e, uint32_t bytes, int64_t now)
{
	e->packets++;
	e->bytes += bytes;
	e->used_ms = now;
	list_remove(&e->lru);
	list_push_back(&mc->lru, &e->lru);
}

static bool
usable(const struct mc_locator *l, uint8_t priority)
{
	return l->up && l->loc.priority == priority;
}

const struct mc_locator *
map_cache_select(const struct mc_entry *e, uint32_t hash)
{
	uint8_t best = 255;
	uint32_t total = 0, n = 0, pick;

	for (uint8_t i = 0; i < e->n_locators; i++)
		if (e->locators[i].up && e->locators[i].loc.priority < best)
			best = e->locators[i].loc.priority;
	if (best == 255)
		return NULL;
	for (uint8_t i = 0; i < e->n_locators; i++) {
		if (usable(&e->locators[i], best)) {
			total += e->locators[i].loc.weight;
			n++;
		}
	}
	/* All weights 0 (RFC 9301 5.4: "split evenly"): count each as 1. */
	pick = hash % (total ? total : n);
	for (uint8_t i = 0; i < e->n_locators; i++) {
		const struct mc_locator *l = &e->locators[i];
		uint32_t share = total ? l->loc.weight : 1;

		if (!usable(l, best))
			continue;
		if (pick < share)
			return l;
		pick -= share;
	}
	return NULL;
}

size_t
map_cache_expire(struct map_cache *mc, int64_t now)
{
	struct mc_entry *e;
	size_t n = 0;

	HMAP_FOR_EACH_SAFE(e, node, &mc->entries) {
		if (e->source != MC_STATIC && e->expires_ms <= now) {
			entry_free(mc, e);
			n++;
		}
	}
	mc->expirations += n;
	return n;
}

struct mc_entry *
map_cache_next(const struct map_cache *mc, const struct mc_entry *prev)
{
	const struct list *l = prev ? prev->lru.next : mc->lru.next;

	return l == &mc->lru ? NULL : CONTAINER_OF(l, struct mc_entry, lru);
}

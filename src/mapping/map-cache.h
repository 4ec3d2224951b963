/*
 * The map-cache of one lisp port (RFC 9301 section 3): what the ITR knows of EID-to-RLOC
 * mappings, keyed by (instance ID, EID prefix) and searched by longest prefix. Entries come from
 * Map-Replies or are static (lispctl lisp/map-cache-add); a negative entry has no locators and
 * an action. The cache is bounded: adding to a full cache evicts the least recently used
 * learnt entry (static entries are never evicted), and evictions are counted.
 *
 * Time is passed in by the caller (milliseconds, monotonic), so tests run on a fake clock.
 */
#ifndef LS_MAP_CACHE_H
#define LS_MAP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "lisp-msg.h"
#include "list.h"

#define MC_NEVER INT64_MAX

enum mc_source {
	MC_STATIC,     /* Configured; kept until deleted. */
	MC_MAP_REPLY,  /* Learnt; expires at its TTL. */
};

/*
 * A cache may hold 100,000 entries and more: the members of these two are ordered so that little
 * goes to padding, and an entry fits a 128-byte malloc chunk, a locator a 64-byte one (they took
 * 144 and 80).
 */

/* A locator with what RLOC probing found out about it. */
struct mc_locator {
	struct lisp_locator loc;
	uint64_t probe_nonce;     /* Of the probe in flight, 0 if none. */
	int64_t probe_sent_ms;
	int64_t rtt_us;           /* Of the last answered probe, -1 if none yet. */
	unsigned int missed;      /* Probes unanswered in a row. */
	bool up;                  /* Usable: true until probes go unanswered. */
};

struct mc_entry {
	struct hmap_node node;    /* In the cache's map, by prefix. */
	struct list lru;          /* Most recently used last. */
	struct lisp_prefix eid;
	uint32_t ttl;             /* Minutes, as received. */
	uint8_t action;           /* enum lisp_action, for negative entries. */
	bool refreshing;          /* A Map-Request to refresh it is out. */
	uint8_t n_locators;
	enum mc_source source;
	int64_t created_ms;
	int64_t expires_ms;       /* MC_NEVER for static entries and TTL 0xffffffff. */
	int64_t used_ms;          /* Last packet sent by it, 0 if none. */
	uint64_t packets, bytes;
	struct mc_locator *locators;  /* Allocated to size: most entries have one. */
};

struct map_cache {
	struct hmap entries;
	struct list lru;
	size_t max;
	/* How many entries have each prefix length, by family: LPM tries only lengths in use. */
	uint32_t plens[2][129];
	uint64_t evictions, expirations;
};

void map_cache_init(struct map_cache *mc, size_t max);
void map_cache_destroy(struct map_cache *mc);
static inline size_t
map_cache_count(const struct map_cache *mc)
{
	return hmap_count(&mc->entries);
}

/* The entry with the longest prefix containing 'a' in instance 'iid', or NULL. */
struct mc_entry *map_cache_lookup(const struct map_cache *mc, uint32_t iid,
				  const struct in6_addr *a);
/* The entry for exactly prefix 'p', or NULL. */
struct mc_entry *map_cache_find(const struct map_cache *mc, const struct lisp_prefix *p);

/*
 * Installs record 'r' (its prefix normalized) from 'source'. An entry with the same prefix is
 * updated in place, keeping the probing state of locators it still lists. A learnt record
 * never replaces a static entry (NULL). A record with TTL 0 deletes the entry (NULL). When the
 * cache is full, the least recently used learnt entry is evicted; if every entry is static,
 * nothing is added (NULL).
 */
struct mc_entry *map_cache_put(struct map_cache *mc, const struct lisp_record *r,
			       enum mc_source source, int64_t now);
void map_cache_remove(struct map_cache *mc, struct mc_entry *e);

/* Counts a packet of 'bytes' sent by 'e' and makes it the most recently used. */
void map_cache_use(struct map_cache *mc, struct mc_entry *e, uint32_t bytes, int64_t now);

/*
 * The locator a packet whose inner flow hashes to 'hash' goes to: among usable locators (up,
 * priority < 255), those of the lowest priority, chosen by weight (all equal if every weight
 * is 0). The same hash always picks the same locator while the set is unchanged. NULL if none.
 */
const struct mc_locator *map_cache_select(const struct mc_entry *e, uint32_t hash);

/* Removes learnt entries whose TTL has run out by 'now'; returns how many. */
size_t map_cache_expire(struct map_cache *mc, int64_t now);

/* Iterates entries from least to most recently used ('prev' NULL starts). */
struct mc_entry *map_cache_next(const struct map_cache *mc, const struct mc_entry *prev);

#endif

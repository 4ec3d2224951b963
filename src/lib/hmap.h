/*
 * The one hash map: intrusive, chained, power-of-two buckets. A struct embeds a 'struct
 * hmap_node' and the caller computes the hash; the map never allocates nodes, so insertion cannot
 * fail and a node can be in several maps. Lookups walk one bucket and compare by the caller's own
 * equality test (HMAP_FOR_EACH_WITH_HASH). Not thread-safe: each map has one owner thread.
 */
#ifndef LS_HMAP_H
#define LS_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct hmap_node {
	struct hmap_node *next; /* Next in the same bucket. */
	uint32_t hash;          /* Full hash of this node's key. */
};

struct hmap {
	struct hmap_node **buckets; /* 'mask + 1' chains. */
	size_t mask;                /* Bucket count minus one. */
	size_t count;               /* Nodes in the map. */
};

#define HMAP_INITIALIZER { NULL, 0, 0 }

void hmap_init(struct hmap *map);
void hmap_destroy(struct hmap *map);
void hmap_insert(struct hmap *map, struct hmap_node *node, uint32_t hash);
void hmap_remove(struct hmap *map, struct hmap_node *node);

static inline size_t
hmap_count(const struct hmap *map)
{
	return map->count;
}

/* First node in the bucket for 'hash' (may have another hash: compare node->hash). */
static inline struct hmap_node *
hmap_bucket(const struct hmap *map, uint32_t hash)
{
	return map->buckets ? map->buckets[hash & map->mask] : NULL;
}

/* Any node of the map, in bucket order; NULL when empty. For iteration and draining. */
struct hmap_node *hmap_first(const struct hmap *map);
struct hmap_node *hmap_next(const struct hmap *map, const struct hmap_node *node);

#define HMAP_FOR_EACH_WITH_HASH(var, member, h, map) \
	for (struct hmap_node *var##_n_ = hmap_bucket(map, h); \
	     var##_n_ && ((var = CONTAINER_OF(var##_n_, __typeof__(*var), member)), 1); \
	     var##_n_ = var##_n_->next) \
		if (var##_n_->hash == (h))

/* Iterates all nodes; 'var' may be removed from the map inside the loop. */
#define HMAP_FOR_EACH_SAFE(var, member, map) \
	for (struct hmap_node *var##_n_ = hmap_first(map), *var##_nx_; \
	     var##_n_ && ((var##_nx_ = hmap_next(map, var##_n_)), \
			  (var = CONTAINER_OF(var##_n_, __typeof__(*var), member)), 1); \
	     var##_n_ = var##_nx_)

#endif

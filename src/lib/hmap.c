#include "hmap.h"

#include <stdlib.h>

void
hmap_init(struct hmap *map)
{
	*map = (struct hmap)HMAP_INITIALIZER;
}

void
hmap_destroy(struct hmap *map)
{
	free(map->buckets);
	hmap_init(map);
}

static void
hmap_resize(struct hmap *map, size_t n_buckets)
{
	struct hmap_node **buckets = xcalloc(n_buckets, sizeof *buckets);

	for (size_t i = 0; map->buckets && i <= map->mask; i++) {
		struct hmap_node *node = map->buckets[i], *next;

		for (; node; node = next) {
			next = node->next;
			node->next = buckets[node->hash & (n_buckets - 1)];
			buckets[node->hash & (n_buckets - 1)] = node;
		}
	}
	free(map->buckets);
	map->buckets = buckets;
	map->mask = n_buckets - 1;
}

void
hmap_insert(struct hmap *map, struct hmap_node *node, uint32_t hash)
{
	struct hmap_node **bucket;

	/* Grow at a load factor of 2 so chains stay short. */
	if (!map->buckets || map->count >= 2 * (map->mask + 1))
		hmap_resize(map, map->buckets ? 2 * (map->mask + 1) : 8);
	node->hash = hash;
	bucket = &map->buckets[hash & map->mask];
	node->next = *bucket;
	*bucket = node;
	map->count++;
}

void
hmap_remove(struct hmap *map, struct hmap_node *node)
{
	struct hmap_node **p = &map->buckets[node->hash & map->mask];

	while (*p != node)
		p = &(*p)->next;
	*p = node->next;
	map->count--;
}

static struct hmap_node *
first_from(const struct hmap *map, size_t bucket)
{
	for (; map->buckets && bucket <= map->mask; bucket++)
		if (map->buckets[bucket])
			return map->buckets[bucket];
	return NULL;
}

struct hmap_node *
hmap_first(const struct hmap *map)
{
	return first_from(map, 0);
}

struct hmap_node *
hmap_next(const struct hmap *map, const struct hmap_node *node)
{
	return node->next ? node->next : first_from(map, (node->hash & map->mask) + 1);
}

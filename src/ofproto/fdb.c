#include "fdb.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "hash.h"

static uint32_t
fdb_hash(const uint8_t mac[6], uint16_t vlan)
{
	uint32_t hi, lo;

	memcpy(&hi, mac, 4);
	lo = (uint32_t)mac[4] << 8 | mac[5];
	return hash_finish(hash_add(hash_add(hash_add(0, hi), lo), vlan), 8);
}

static struct fdb_entry *
fdb_find(const struct fdb *fdb, const uint8_t mac[6], uint16_t vlan)
{
	struct fdb_entry *e;

	HMAP_FOR_EACH_WITH_HASH(e, node, fdb_hash(mac, vlan), &fdb->map)
		if (e->vlan == vlan && !memcmp(e->mac, mac, 6))
			return e;
	return NULL;
}

void
fdb_init(struct fdb *fdb, size_t max, int64_t aging_ms)
{
	hmap_init(&fdb->map);
	list_init(&fdb->lru);
	fdb->max = max;
	fdb->aging_ms = aging_ms;
	fdb->n_evicted = 0;
}

static void
fdb_delete(struct fdb *fdb, struct fdb_entry *e)
{
	hmap_remove(&fdb->map, &e->node);
	list_remove(&e->lru);
	free(e);
}

void
fdb_uninit(struct fdb *fdb)
{
	fdb_flush(fdb);
	hmap_destroy(&fdb->map);
}

void
fdb_learn(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan, uint32_t port, int64_t now_ms)
{
	struct fdb_entry *e = fdb_find(fdb, mac, vlan);

	/* Multicast sources are bogus: never learn them. */
	if (mac[0] & 1)
		return;
	if (!e) {
		if (fdb->max == 0)
			return;
		if (fdb_count(fdb) >= fdb->max) {
			fdb_delete(fdb, CONTAINER_OF(fdb->lru.next, struct fdb_entry, lru));
			fdb->n_evicted++;
		}
		e = xmalloc(sizeof *e);
		memcpy(e->mac, mac, 6);
		e->vlan = vlan;
		hmap_insert(&fdb->map, &e->node, fdb_hash(mac, vlan));
	} else {
		list_remove(&e->lru);
	}
	list_push_back(&fdb->lru, &e->lru);
	e->port = port;
	e->learned_ms = now_ms;
}

uint32_t
fdb_lookup(const struct fdb *fdb, const uint8_t mac[6], uint16_t vlan, int64_t now_ms)
{
	const struct fdb_entry *e = fdb_find(fdb, mac, vlan);

	if (!e || now_ms - e->learned_ms >= fdb->aging_ms)
		return OFPP_NONE;
	return e->port;
}

void
fdb_expire(struct fdb *fdb, int64_t now_ms)
{
	struct fdb_entry *e;

	/* The LRU list is in learning order, so expired entries are all at its front. */
	LIST_FOR_EACH_SAFE(e, lru, &fdb->lru) {
		if (now_ms - e->learned_ms < fdb->aging_ms)
			break;
		fdb_delete(fdb, e);
	}
}

void
fdb_flush_port(struct fdb *fdb, uint32_t port)
{
	struct fdb_entry *e;

	LIST_FOR_EACH_SAFE(e, lru, &fdb->lru)
		if (e->port == port)
			fdb_delete(fdb, e);
}

void
fdb_flush(struct fdb *fdb)
{
	struct fdb_entry *e;

	LIST_FOR_EACH_SAFE(e, lru, &fdb->lru)
		fdb_delete(fdb, e);
}

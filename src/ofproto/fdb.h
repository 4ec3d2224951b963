/*
 * The MAC learning table behind the NORMAL action: (VLAN, MAC) -> port, with idle aging and a
 * bound on its size. When full, the entry learned or refreshed longest ago is evicted (and
 * counted), so a MAC flood cannot grow memory and known hosts keep being refreshed by their own
 * traffic. Owned by the datapath thread.
 */
#ifndef LS_FDB_H
#define LS_FDB_H

#include <stdint.h>
#include "hmap.h"
#include "list.h"

#define FDB_DEFAULT_MAX 8192
#define FDB_DEFAULT_AGING_MS (300 * 1000)

struct fdb_entry {
	struct hmap_node node;  /* In fdb->map, hashed by (vlan, mac). */
	struct list lru;        /* In fdb->lru, least recently learned first. */
	uint8_t mac[6];
	uint16_t vlan;          /* VLAN ID, 0 for untagged. */
	uint32_t port;          /* OpenFlow port it was last seen on. */
	int64_t learned_ms;     /* time_msec() of the last packet from it. */
};

struct fdb {
	struct hmap map;        /* struct fdb_entry by (vlan, mac). */
	struct list lru;        /* Oldest first. */
	size_t max;             /* Most entries kept. */
	int64_t aging_ms;       /* Idle time after which an entry is gone. */
	uint64_t n_evicted;     /* Entries dropped to make room. */
};

void fdb_init(struct fdb *fdb, size_t max, int64_t aging_ms);
void fdb_uninit(struct fdb *fdb);

/* Records that 'mac' on 'vlan' was seen on 'port' at 'now_ms'. */
void fdb_learn(struct fdb *fdb, const uint8_t mac[6], uint16_t vlan, uint32_t port, int64_t now_ms);
/* The port of 'mac' on 'vlan', or OFPP_NONE if unknown or aged out. */
uint32_t fdb_lookup(const struct fdb *fdb, const uint8_t mac[6], uint16_t vlan, int64_t now_ms);
/* Removes entries idle longer than the aging time. */
void fdb_expire(struct fdb *fdb, int64_t now_ms);
/* Forgets every MAC learned on 'port' (when the port goes away). */
void fdb_flush_port(struct fdb *fdb, uint32_t port);
void fdb_flush(struct fdb *fdb);

static inline size_t
fdb_count(const struct fdb *fdb)
{
	return hmap_count(&fdb->map);
}

#endif

/*
 * A bridge's flow tables: adding, modifying, deleting and listing flows with ovs-ofctl's
 * semantics, on top of one classifier per table.
 *
 *  - add: a flow with the same table, match and priority is replaced (its counters reset).
 *  - del/mod, loose: every flow whose match is at least as specific as the filter's (and whose
 *    cookie matches under the filter's cookie mask); strict: same match and priority only.
 *    mod changes actions and keeps counters; when nothing matches, nothing is added.
 *  - replace: only the difference between the table and the new set is applied, so unchanged
 *    flows keep their counters.
 * Every change bumps 'generation', which invalidates the exact-match cache in front.
 */
#ifndef LS_OFTABLE_H
#define LS_OFTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classifier.h"
#include "flow-text.h"

#define OFTABLE_N 255     /* Tables 0 to 254, as OpenFlow numbers them. */
#define OFTABLE_MAX_FLOWS 1000000  /* Per bridge, all tables: more is refused. */

struct rule;

struct oftable_stats {
	uint64_t lookups;         /* Packets looked up in the table. */
	uint64_t matched;         /* Of those, found a flow. */
};

struct oftable {
	struct classifier cls[OFTABLE_N];
	struct oftable_stats stats[OFTABLE_N];
	uint64_t generation;      /* Bumped by every change. */
	size_t n_timeouts;        /* Flows with an idle or hard timeout. */
};

void oftable_init(struct oftable *t);
void oftable_uninit(struct oftable *t);

/* Adds a copy of 'spec' (table FLOW_TABLE_ANY means 0). */
void oftable_add(struct oftable *t, const struct ofp_flow_spec *spec);
/* Returns the number of flows deleted / modified. */
size_t oftable_del(struct oftable *t, const struct ofp_flow_spec *filter, bool strict);
size_t oftable_mod(struct oftable *t, const struct ofp_flow_spec *filter, bool strict);
/* Makes the tables hold exactly 'specs'. */
void oftable_replace(struct oftable *t, const struct ofp_flow_spec *specs, size_t n);

/*
 * The flows 'filter' selects (all if NULL), by table, then descending priority, then age:
 * a new array of '*n' rules (free() it; the rules stay owned by the table).
 */
struct rule **oftable_collect(const struct oftable *t, const struct ofp_flow_spec *filter,
			      size_t *n);
size_t oftable_count(const struct oftable *t);

/* The best flow of table 'table_id' for 'flow', or NULL. */
struct rule *oftable_lookup(const struct oftable *t, uint8_t table_id, const struct flow *flow);

/* Removes flows whose idle or hard timeout passed; returns how many. */
size_t oftable_expire(struct oftable *t, int64_t now_ms);

#endif

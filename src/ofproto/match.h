/*
 * A flow match: a key and a mask of the same layout. A packet's key 'k' matches when
 * (k ^ match.flow) & match.wc is zero in every word.
 *
 * Invariant: 'flow' has no bit set outside 'wc' (the setters keep it), so two matches that
 * match the same packets with the same masks compare and hash equal word by word.
 */
#ifndef LS_MATCH_H
#define LS_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "field.h"
#include "flow.h"

struct match {
	struct flow flow;       /* Values to match; zero outside 'wc'. */
	struct flow wc;         /* Mask: 1 bits must match, 0 bits are wildcarded. */
};

/* Makes 'm' match every packet. */
void match_init_catchall(struct match *m);

/*
 * Matches field 'f' against 'value' under 'mask' (NULL for exact), replacing what 'm' had for
 * that field. Fields that share storage with 'f' are replaced too ("arp_spa" and "nw_src").
 */
void match_set(struct match *m, const struct field_desc *f, const union field_value *value,
               const union field_value *mask);
/* As match_set() for integer fields of up to 64 bits, by id. */
void match_set_u64(struct match *m, enum field_id id, uint64_t value, uint64_t mask);
/* Reads back the value and mask of 'f' (mask all zero if 'm' ignores it). */
void match_get(const struct match *m, const struct field_desc *f, union field_value *value,
               union field_value *mask);
/* Whether 'm' looks at any bit of 'f'. */
bool match_uses(const struct match *m, const struct field_desc *f);

/* Whether 'm' has what prerequisite 'pre' asks (e.g. dl_type 0x0800 for FIELD_PRE_IPV4). */
bool match_prereq_ok(const struct match *m, enum field_prereq pre);

/* Whether packet key 'flow' matches 'm'. */
bool match_matches(const struct match *m, const struct flow *flow);

bool match_equal(const struct match *a, const struct match *b);
uint32_t match_hash(const struct match *m, uint32_t basis);

/* The exact ethertype and IP protocol 'm' requires, or -1 if it does not pin them. */
int match_dl_type(const struct match *m);
int match_nw_proto(const struct match *m);

/*
 * The protocol keyword ("ip", "tcp6", "arp"...) that says what 'm' requires of dl_type and
 * nw_proto, or NULL if none does; '*covers_proto' is set when it implies nw_proto too.
 */
const char *match_proto_name(const struct match *m, bool *covers_proto);
/* Applies keyword 'name' (dl_type, and nw_proto if it implies one); false if unknown. */
bool match_set_proto(struct match *m, const char *name);

#endif

/*
 * A flow in a bridge's flow table: its place in the classifier, which holds its match and
 * priority, what the user gave besides (table, cookie, timeouts, actions), and its counters.
 * Counters are updated by the datapath as packets match, exactly (one thread).
 *
 * The match is kept once, in the classifier's form (the rule's words of the masked value, in
 * 'match_values'; the mask in its subtable): rule_get_match() is the one way to read it.
 */
#ifndef LS_RULE_H
#define LS_RULE_H

#include <stdint.h>

#include "classifier.h"
#include "flow-text.h"

struct rule {
	struct cls_rule cr;             /* In its table's classifier: match and priority. */
	uint64_t cookie;
	struct action *actions;         /* Owned; NULL when 'n_actions' is 0 ("drop"). */
	size_t n_actions;
	uint16_t idle_timeout;          /* Seconds, 0 for none. */
	uint16_t hard_timeout;          /* Seconds, 0 for none. */
	uint8_t table_id;
	uint64_t n_packets, n_bytes;
	int64_t created_ms;             /* time_msec() when added. */
	int64_t used_ms;                /* When last matched (or added). */
	uint64_t match_values[];        /* 'cr.values': classifier_n_words() of the mask. */
};

static inline struct rule *
rule_from_cls(const struct cls_rule *cr)
{
	return CONTAINER_OF(cr, struct rule, cr);
}

static inline int
rule_priority(const struct rule *r)
{
	return r->cr.priority;
}

/* The match 'r' was added with (its value masked). */
static inline void
rule_get_match(const struct rule *r, struct match *m)
{
	cls_rule_get_match(&r->cr, m);
}

#endif

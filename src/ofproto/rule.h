/*
 * A flow in a bridge's flow table: the flow as the user gave it, its place in the classifier,
 * and its counters. Counters are updated by the datapath as packets match, exactly (one thread).
 */
#ifndef LS_RULE_H
#define LS_RULE_H

#include <stdint.h>

#include "classifier.h"
#include "flow-text.h"

struct rule {
	struct cls_rule cr;             /* In its table's classifier. */
	struct ofp_flow_spec spec;      /* Match, priority, table, cookie, timeouts, actions. */
	uint64_t n_packets, n_bytes;
	int64_t created_ms;             /* time_msec() when added. */
	int64_t used_ms;                /* When last matched (or added). */
};

static inline struct rule *
rule_from_cls(const struct cls_rule *cr)
{
	return CONTAINER_OF(cr, struct rule, cr);
}

#endif

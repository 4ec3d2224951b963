/*
 * The flow classifier: finds the highest-priority rule whose masked key equals the packet's
 * masked key. Tuple space search: rules are grouped by mask into subtables, each a hash table of
 * masked keys, so a lookup costs one hash probe per distinct mask, whatever the number of rules.
 * Subtables are kept sorted by the highest priority they hold, and the search stops as soon as
 * no remaining subtable can beat the best match found.
 *
 * Ties: among rules of equal priority that match the same packet, the one inserted first wins
 * (OpenFlow leaves this undefined; a fixed rule makes behaviour repeatable and testable).
 *
 * Single owner thread; a change is visible to the next lookup. 'generation' changes on every
 * insert and remove so that caches in front of the classifier can tell they are stale.
 */
#ifndef LS_CLASSIFIER_H
#define LS_CLASSIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "hmap.h"

struct cls_subtable;

struct cls_rule {
	struct hmap_node node;           /* In subtable->rules, by hash of 'value'. */
	struct flow value;               /* Match value, already masked. */
	struct flow mask;                /* 1 bits must match. */
	int priority;                    /* Higher wins. */
	uint64_t seq;                    /* Insertion order: lower wins ties. */
	struct cls_subtable *subtable;   /* Where it is, while inserted. */
};

struct classifier {
	struct cls_subtable **subtables; /* By descending 'max_priority'. */
	size_t n_subtables;
	size_t n_rules;
	uint64_t next_seq;
	uint64_t generation;             /* Bumped by every change. */
};

void classifier_init(struct classifier *cls);
/* Frees subtables; the rules themselves belong to the caller and must be removed first. */
void classifier_destroy(struct classifier *cls);

/* Sets 'rule' to match 'value' under 'mask' at 'priority' (the value is masked here). */
void cls_rule_init(struct cls_rule *rule, const struct flow *value, const struct flow *mask,
		   int priority);

void classifier_insert(struct classifier *cls, struct cls_rule *rule);
void classifier_remove(struct classifier *cls, struct cls_rule *rule);

/* The best rule for 'flow', or NULL. */
const struct cls_rule *classifier_lookup(const struct classifier *cls, const struct flow *flow);

/* A rule with exactly this masked value, mask and priority, or NULL (for --strict and ADD). */
struct cls_rule *classifier_find_exact(const struct classifier *cls, const struct flow *value,
				       const struct flow *mask, int priority);

/* Calls 'cb' for every rule (removal of the visited rule inside 'cb' is allowed). */
void classifier_for_each(const struct classifier *cls, void (*cb)(struct cls_rule *, void *),
			 void *aux);

static inline size_t
classifier_count(const struct classifier *cls)
{
	return cls->n_rules;
}

#endif

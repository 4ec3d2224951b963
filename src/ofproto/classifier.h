/*
 * The flow classifier: finds the highest-priority rule whose masked key equals the packet's
 * masked key. Tuple space search: rules are grouped by mask into subtables, each a hash table of
 * masked keys, so a lookup costs one hash probe per distinct mask, whatever the number of rules.
 * Subtables are kept sorted by the highest priority they hold, and the search stops as soon as
 * no remaining subtable can beat the best match found.
 *
 * Rules with the same mask and value (differing in priority) share one hash entry: a list in
 * lookup order, so a lookup probes each subtable once however many such rules there are.
 *
 * Ties: among rules of equal priority that match the same packet, the one inserted first wins
 * (OpenFlow leaves this undefined; a fixed rule makes behaviour repeatable and testable).
 *
 * A rule keeps its match once: the subtable holds the mask, and the rule only the words of the
 * masked value that the mask does not zero out ('values', room for classifier_n_words() words
 * that the rule's owner allocates with it). cls_rule_get_match() puts the match back together;
 * it is the one place to read a rule's match from.
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
#include "match.h"

struct cls_subtable;

struct cls_rule {
	struct hmap_node node;           /* In subtable->rules, by hash of 'values' (heads only). */
	struct cls_rule *next_same;      /* Next rule with this mask and value, lower in order. */
	struct cls_subtable *subtable;   /* Where it is, with its mask, while inserted. */
	uint64_t *values;                /* The masked value's words the mask uses, in order. */
	uint64_t seq;                    /* Insertion order: lower wins ties. */
	int priority;                    /* Higher wins. */
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

/* How many words of value a rule matching under 'mask' keeps: the words 'mask' does not zero. */
size_t classifier_n_words(const struct flow *mask);

/*
 * Inserts 'rule' to match 'match' (its value masked here) at 'priority'. 'values' has room for
 * classifier_n_words(&match->wc) words and stays the rule's for as long as it is inserted.
 */
void classifier_insert(struct classifier *cls, struct cls_rule *rule, uint64_t *values,
		       const struct match *match, int priority);
void classifier_remove(struct classifier *cls, struct cls_rule *rule);

/* The match 'rule' was inserted with (value masked): its words under its subtable's mask. */
void cls_rule_get_match(const struct cls_rule *rule, struct match *match);

/* The best rule for 'flow', or NULL. */
const struct cls_rule *classifier_lookup(const struct classifier *cls, const struct flow *flow);

/* A rule with exactly this match (value masked) and priority, or NULL (for --strict and ADD). */
struct cls_rule *classifier_find_exact(const struct classifier *cls, const struct match *match,
				       int priority);

/* Calls 'cb' for every rule (removal of the visited rule inside 'cb' is allowed). */
void classifier_for_each(const struct classifier *cls, void (*cb)(struct cls_rule *, void *),
			 void *aux);

static inline size_t
classifier_count(const struct classifier *cls)
{
	return cls->n_rules;
}

#endif

#include "classifier.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "util.h"

struct cls_subtable {
	struct flow mask;       /* Shared by all its rules. */
	struct hmap rules;      /* struct cls_rule by hash of masked value. */
	int max_priority;       /* Highest priority among its rules... */
	size_t n_max;           /* ...and how many have it, so removing one of many is O(1). */
	size_t n_rules;
	uint8_t words[FLOW_U64S]; /* Indexes of the mask's non-zero 64-bit words. */
	size_t n_words;
};

static const uint64_t *
words_of(const struct flow *f)
{
	return (const uint64_t *)(const void *)f;
}

/* Puts in 'values' the words of 'flow', masked by the subtable's mask, that the mask uses: a
 * rule's stored form, and what a packet's key is compared with. */
static void
subtable_values(const struct cls_subtable *st, const struct flow *flow, uint64_t *values)
{
	const uint64_t *f = words_of(flow), *m = words_of(&st->mask);

	for (size_t i = 0; i < st->n_words; i++)
		values[i] = f[st->words[i]] & m[st->words[i]];
}

static uint32_t
values_hash(const struct cls_subtable *st, const uint64_t *values)
{
	uint64_t h = 0;

	for (size_t i = 0; i < st->n_words; i++)
		h = hash_mix64(h, values[i]);
	return hash_finish64(h, (uint32_t)st->n_words);
}

static bool
values_equal(const struct cls_subtable *st, const uint64_t *a, const uint64_t *b)
{
	for (size_t i = 0; i < st->n_words; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

void
classifier_init(struct classifier *cls)
{
	memset(cls, 0, sizeof *cls);
}

void
classifier_destroy(struct classifier *cls)
{
	for (size_t i = 0; i < cls->n_subtables; i++) {
		hmap_destroy(&cls->subtables[i]->rules);
		free(cls->subtables[i]);
	}
	free(cls->subtables);
	classifier_init(cls);
}

/* Puts in 'words' the indexes of the words 'mask' does not zero, in order; returns how many. */
static size_t
mask_words(const struct flow *mask, uint8_t words[FLOW_U64S])
{
	const uint64_t *m = words_of(mask);
	size_t n = 0;

	for (size_t i = 0; i < FLOW_U64S; i++)
		if (m[i])
			words[n++] = (uint8_t)i;
	return n;
}

size_t
classifier_n_words(const struct flow *mask)
{
	uint8_t words[FLOW_U64S];

	return mask_words(mask, words);
}

void
cls_rule_get_match(const struct cls_rule *rule, struct match *match)
{
	const struct cls_subtable *st = rule->subtable;
	uint64_t *v = (uint64_t *)(void *)&match->flow;

	memset(&match->flow, 0, sizeof match->flow);
	for (size_t i = 0; i < st->n_words; i++)
		v[st->words[i]] = rule->values[i];
	match->wc = st->mask;
}

static struct cls_subtable *
find_subtable(const struct classifier *cls, const struct flow *mask)
{
	for (size_t i = 0; i < cls->n_subtables; i++)
		if (flow_equal(&cls->subtables[i]->mask, mask))
			return cls->subtables[i];
	return NULL;
}

static struct cls_subtable *
create_subtable(struct classifier *cls, const struct flow *mask)
{
	struct cls_subtable *st = xcalloc(1, sizeof *st);

	st->mask = *mask;
	hmap_init(&st->rules);
	st->n_words = mask_words(mask, st->words);
	cls->subtables = xrealloc(cls->subtables, (cls->n_subtables + 1) * sizeof *cls->subtables);
	cls->subtables[cls->n_subtables++] = st;
	return st;
}

static int
cmp_subtable(const void *a, const void *b)
{
	const struct cls_subtable *x = *(struct cls_subtable *const *)a;
	const struct cls_subtable *y = *(struct cls_subtable *const *)b;

	return x->max_priority > y->max_priority ? -1 : x->max_priority < y->max_priority;
}

static void
resort(struct classifier *cls)
{
	qsort(cls->subtables, cls->n_subtables, sizeof *cls->subtables, cmp_subtable);
}

/* Whether 'a' comes before 'b' in a same-value list (and wins lookups over it). */
static bool
precedes(const struct cls_rule *a, const struct cls_rule *b)
{
	return a->priority > b->priority || (a->priority == b->priority && a->seq < b->seq);
}

/* The head of the list of rules with these 'values' in 'st', or NULL. */
static struct cls_rule *
find_head(const struct cls_subtable *st, const uint64_t *values, uint32_t hash)
{
	struct cls_rule *r;

	HMAP_FOR_EACH_WITH_HASH(r, node, hash, &st->rules)
		if (values_equal(st, r->values, values))
			return r;
	return NULL;
}

void
classifier_insert(struct classifier *cls, struct cls_rule *rule, uint64_t *values,
		  const struct match *match, int priority)
{
	struct cls_subtable *st = find_subtable(cls, &match->wc);
	struct cls_rule *head, **p;
	uint32_t hash;

	if (!st)
		st = create_subtable(cls, &match->wc);
	rule->priority = priority;
	rule->seq = cls->next_seq++;
	rule->subtable = st;
	rule->next_same = NULL;
	rule->values = values;
	subtable_values(st, &match->flow, values);
	hash = values_hash(st, values);
	head = find_head(st, values, hash);
	if (!head) {
		hmap_insert(&st->rules, &rule->node, hash);
	} else if (precedes(rule, head)) {
		hmap_remove(&st->rules, &head->node);
		rule->next_same = head;
		hmap_insert(&st->rules, &rule->node, hash);
	} else {
		for (p = &head->next_same; *p && precedes(*p, rule); p = &(*p)->next_same)
			continue;
		rule->next_same = *p;
		*p = rule;
	}
	if (!st->n_rules++ || rule->priority > st->max_priority) {
		st->max_priority = rule->priority;
		st->n_max = 1;
		resort(cls);
	} else if (rule->priority == st->max_priority) {
		st->n_max++;
	}
	cls->n_rules++;
	cls->generation++;
}

static void
recompute_max(struct cls_subtable *st)
{
	struct cls_rule *r;

	/* Heads carry their list's highest priority; the rest of a list may share it. */
	st->max_priority = 0;
	st->n_max = 0;
	HMAP_FOR_EACH_SAFE(r, node, &st->rules) {
		if (r->priority > st->max_priority) {
			st->max_priority = r->priority;
			st->n_max = 0;
		}
		for (const struct cls_rule *s = r; s && s->priority == st->max_priority;
		     s = s->next_same)
			st->n_max++;
	}
}

/* Takes 'rule' out of its subtable's hash table or same-value list. */
static void
unlink_rule(struct cls_subtable *st, struct cls_rule *rule)
{
	uint32_t hash = values_hash(st, rule->values);
	struct cls_rule *head = find_head(st, rule->values, hash), **p;

	if (head == rule) {
		hmap_remove(&st->rules, &rule->node);
		if (rule->next_same)
			hmap_insert(&st->rules, &rule->next_same->node, hash);
		return;
	}
	for (p = &head->next_same; *p != rule; p = &(*p)->next_same)
		continue;
	*p = rule->next_same;
}

void
classifier_remove(struct classifier *cls, struct cls_rule *rule)
{
	struct cls_subtable *st = rule->subtable;

	unlink_rule(st, rule);
	rule->subtable = NULL;
	cls->n_rules--;
	cls->generation++;
	if (--st->n_rules == 0) {
		size_t i = 0;

		while (cls->subtables[i] != st)
			i++;
		memmove(&cls->subtables[i], &cls->subtables[i + 1],
			(cls->n_subtables - i - 1) * sizeof *cls->subtables);
		cls->n_subtables--;
		hmap_destroy(&st->rules);
		free(st);
		return;
	}
	/* Only the last rule of the highest priority going changes the subtable's order. */
	if (rule->priority == st->max_priority && !--st->n_max) {
		recompute_max(st);
		resort(cls);
	}
}

static bool
better(const struct cls_rule *r, const struct cls_rule *best)
{
	return !best || r->priority > best->priority ||
	       (r->priority == best->priority && r->seq < best->seq);
}

const struct cls_rule *
classifier_lookup(const struct classifier *cls, const struct flow *flow)
{
	const struct cls_rule *best = NULL;

	for (size_t i = 0; i < cls->n_subtables; i++) {
		const struct cls_subtable *st = cls->subtables[i];
		uint64_t values[FLOW_U64S];
		struct cls_rule *r;
		uint32_t h;

		/* Sorted by max priority: nothing further down can win. */
		if (best && st->max_priority < best->priority)
			break;
		subtable_values(st, flow, values);
		h = values_hash(st, values);
		/* Only heads are in the table, and a head beats the rest of its list. */
		HMAP_FOR_EACH_WITH_HASH(r, node, h, &st->rules)
			if (values_equal(st, r->values, values) && better(r, best))
				best = r;
	}
	return best;
}

struct cls_rule *
classifier_find_exact(const struct classifier *cls, const struct match *match, int priority)
{
	struct cls_subtable *st = find_subtable(cls, &match->wc);
	uint64_t values[FLOW_U64S];
	struct cls_rule *r;

	if (!st)
		return NULL;
	subtable_values(st, &match->flow, values);
	for (r = find_head(st, values, values_hash(st, values)); r; r = r->next_same)
		if (r->priority == priority)
			return r;
	return NULL;
}

void
classifier_for_each(const struct classifier *cls, void (*cb)(struct cls_rule *, void *), void *aux)
{
	/* Collect first: 'cb' may remove rules, and with them whole subtables. */
	struct cls_rule **rules = xmalloc((cls->n_rules ? cls->n_rules : 1) * sizeof *rules);
	size_t n = 0;

	for (size_t i = 0; i < cls->n_subtables; i++) {
		struct cls_rule *r;

		HMAP_FOR_EACH_SAFE(r, node, &cls->subtables[i]->rules)
			for (struct cls_rule *s = r; s; s = s->next_same)
				rules[n++] = s;
	}
	for (size_t i = 0; i < n; i++)
		cb(rules[i], aux);
	free(rules);
}

/*
 * The classifier against a naive reference: a linear scan of the same rules that picks the
 * highest priority and, on ties, the first inserted. Random tables over a few masks and random
 * packets drawn near the rules' values, so that both hits and misses are common. The reference
 * keeps each rule's match as inserted; the classifier's own copy (its words and the subtable's
 * mask) must read back equal to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "classifier.h"

#define N_MASKS 6

/* A classifier rule with room for its words, and its match as the reference sees it. */
struct test_rule {
	struct cls_rule cr;
	uint64_t values[FLOW_U64S];
	struct match match;     /* Value masked, as the classifier must give it back. */
};

static uint32_t rng_state = 12345;

static uint32_t
rnd(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Masks over fields a flow table really uses, some overlapping. */
static void
make_mask(int k, struct flow *m)
{
	memset(m, 0, sizeof *m);
	switch (k) {
	case 0: m->in_port = 0xffffffff; break;
	case 1: m->dl_type = 0xffff; m->nw_src = htonl(0xffffff00); break;
	case 2: m->dl_type = 0xffff; m->nw_dst = 0xffffffff; m->nw_proto = 0xff; break;
	case 3: memset(m->dl_dst, 0xff, 6); break;
	case 4: m->in_port = 0xffffffff; m->dl_type = 0xffff; m->tp_dst = 0xffff; break;
	default: break; /* Match-all. */
	}
}

/* A key whose fields come from small ranges so that rules and packets collide often. */
static void
random_flow(struct flow *f)
{
	memset(f, 0, sizeof *f);
	f->in_port = rnd() % 4;
	f->dl_type = htons(rnd() % 2 ? 0x0800 : 0x0806);
	f->nw_src = htonl(0x0a000000 | (rnd() % 4) << 8 | (rnd() % 4));
	f->nw_dst = htonl(0x0a000000 | (rnd() % 8));
	f->nw_proto = (uint8_t)(rnd() % 2 ? 6 : 17);
	f->dl_dst[5] = (uint8_t)(rnd() % 4);
	f->tp_dst = htons((uint16_t)(rnd() % 4));
}

/* Inserts 't' with value 'v' under mask 'm' (bits of 'v' outside 'm' are not part of it). */
static void
insert(struct classifier *cls, struct test_rule *t, const struct flow *v, const struct flow *m,
       int priority)
{
	const uint64_t *vw = (const uint64_t *)v, *mw = (const uint64_t *)m;
	uint64_t *out = (uint64_t *)&t->match.flow;

	for (size_t i = 0; i < FLOW_U64S; i++)
		out[i] = vw[i] & mw[i];
	t->match.wc = *m;
	classifier_insert(cls, &t->cr, t->values, &(struct match){ *v, *m }, priority);
}

/* The rule's match, read back from the classifier, is the one inserted. */
static void
assert_match_kept(const struct test_rule *t)
{
	struct match m;

	memset(&m, 0xa5, sizeof m);
	cls_rule_get_match(&t->cr, &m);
	assert_memory_equal(&m, &t->match, sizeof m);
}

static const struct cls_rule *
ref_lookup(struct test_rule **rules, size_t n, const struct flow *f)
{
	const struct test_rule *best = NULL;

	/* 'rules' is in insertion order, so strict '>' keeps the first of equal priority. */
	for (size_t i = 0; i < n; i++)
		if (rules[i] && match_matches(&rules[i]->match, f) &&
		    (!best || rules[i]->cr.priority > best->cr.priority))
			best = rules[i];
	return best ? &best->cr : NULL;
}

static void
run_random(size_t n_rules, int n_prios, int n_packets)
{
	struct test_rule **rules = calloc(n_rules, sizeof *rules);
	struct classifier cls;

	classifier_init(&cls);
	for (size_t i = 0; i < n_rules; i++) {
		struct flow v, m;

		random_flow(&v);
		make_mask((int)(rnd() % N_MASKS), &m);
		rules[i] = malloc(sizeof *rules[i]);
		insert(&cls, rules[i], &v, &m, (int)(rnd() % (unsigned)n_prios));
	}
	/* Remove a third, then check lookups and matches against the reference. */
	for (size_t i = 0; i < n_rules; i += 3) {
		classifier_remove(&cls, &rules[i]->cr);
		free(rules[i]);
		rules[i] = NULL;
	}
	assert_int_equal(classifier_count(&cls), n_rules - (n_rules + 2) / 3);
	for (int p = 0; p < n_packets; p++) {
		struct flow f;

		random_flow(&f);
		assert_ptr_equal(classifier_lookup(&cls, &f), ref_lookup(rules, n_rules, &f));
	}
	for (size_t i = 0; i < n_rules; i++) {
		if (rules[i]) {
			assert_match_kept(rules[i]);
			assert_non_null(classifier_find_exact(&cls, &rules[i]->match,
							      rules[i]->cr.priority));
			classifier_remove(&cls, &rules[i]->cr);
			free(rules[i]);
		}
	}
	assert_int_equal(classifier_count(&cls), 0);
	assert_int_equal(cls.n_subtables, 0);
	classifier_destroy(&cls);
	free(rules);
}

static void
test_random_small(void **state)
{
	(void)state;
	run_random(20, 3, 2000);
}

static void
test_random_many_ties(void **state)
{
	(void)state;
	run_random(300, 2, 5000);
}

static void
test_random_large(void **state)
{
	(void)state;
	run_random(3000, 50, 5000);
}

static void
test_exact_and_generation(void **state)
{
	struct classifier cls;
	struct test_rule a, b;
	struct flow v, m;
	uint64_t gen;

	(void)state;
	classifier_init(&cls);
	random_flow(&v);
	make_mask(1, &m);
	gen = cls.generation;
	insert(&cls, &a, &v, &m, 5);
	assert_true(cls.generation != gen);
	assert_ptr_equal(classifier_find_exact(&cls, &(struct match){ v, m }, 5), &a.cr);
	assert_null(classifier_find_exact(&cls, &(struct match){ v, m }, 6));
	make_mask(2, &m);
	assert_null(classifier_find_exact(&cls, &(struct match){ v, m }, 5));
	/* Equal priority, same match: the first inserted wins. */
	make_mask(1, &m);
	insert(&cls, &b, &v, &m, 5);
	assert_ptr_equal(classifier_lookup(&cls, &v), &a.cr);
	classifier_remove(&cls, &a.cr);
	assert_ptr_equal(classifier_lookup(&cls, &v), &b.cr);
	classifier_remove(&cls, &b.cr);
	assert_null(classifier_lookup(&cls, &v));
	classifier_destroy(&cls);
}

/* A rule keeps only the words its mask uses, and gives its match back whole: the value masked
 * (bits outside the mask were never part of it), the mask from its subtable. */
static void
test_match_read_back(void **state)
{
	struct classifier cls;
	struct test_rule a, b;
	struct flow v, m;

	(void)state;
	classifier_init(&cls);
	memset(&v, 0xff, sizeof v);
	make_mask(1, &m);        /* dl_type and nw_src/24: one word. */
	assert_int_equal(classifier_n_words(&m), 1);
	make_mask(2, &m);        /* dl_type, nw_dst, nw_proto: three words. */
	assert_int_equal(classifier_n_words(&m), 3);
	m.nw_src = htonl(0xffffff00);
	insert(&cls, &a, &v, &m, 7);
	assert_int_equal(a.match.flow.nw_src, htonl(0xffffff00));
	assert_int_equal(a.match.flow.tp_dst, 0);
	assert_match_kept(&a);
	/* The same value under the match-all mask: no words, the empty match. */
	make_mask(N_MASKS - 1, &m);
	assert_int_equal(classifier_n_words(&m), 0);
	insert(&cls, &b, &v, &m, 1);
	assert_match_kept(&b);
	assert_true(flow_equal(&b.match.flow, &(struct flow){ 0 }));
	/* Removing the other subtable's rule leaves this one's match alone. */
	classifier_remove(&cls, &b.cr);
	assert_match_kept(&a);
	classifier_remove(&cls, &a.cr);
	classifier_destroy(&cls);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_many_ties),
		cmocka_unit_test(test_random_large),
		cmocka_unit_test(test_exact_and_generation),
		cmocka_unit_test(test_match_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

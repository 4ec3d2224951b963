/*
 * The classifier against a naive reference: a linear scan of the same rules that picks the
 * highest priority and, on ties, the first inserted. Random tables over a few masks and random
 * packets drawn near the rules' values, so that both hits and misses are common.
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

static bool
ref_matches(const struct cls_rule *r, const struct flow *f)
{
	const uint8_t *v = (const uint8_t *)&r->value, *m = (const uint8_t *)&r->mask;
	const uint8_t *p = (const uint8_t *)f;

	for (size_t i = 0; i < sizeof *f; i++)
		if ((p[i] & m[i]) != v[i])
			return false;
	return true;
}

static const struct cls_rule *
ref_lookup(struct cls_rule **rules, size_t n, const struct flow *f)
{
	const struct cls_rule *best = NULL;

	/* 'rules' is in insertion order, so strict '>' keeps the first of equal priority. */
	for (size_t i = 0; i < n; i++)
		if (rules[i] && ref_matches(rules[i], f) && (!best || rules[i]->priority > best->priority))
			best = rules[i];
	return best;
}

static void
run_random(size_t n_rules, int n_prios, int n_packets)
{
	struct cls_rule **rules = calloc(n_rules, sizeof *rules);
	struct classifier cls;

	classifier_init(&cls);
	for (size_t i = 0; i < n_rules; i++) {
		struct flow v, m;

		random_flow(&v);
		make_mask((int)(rnd() % N_MASKS), &m);
		rules[i] = malloc(sizeof *rules[i]);
		cls_rule_init(rules[i], &v, &m, (int)(rnd() % (unsigned)n_prios));
		classifier_insert(&cls, rules[i]);
	}
	/* Remove a third, then check lookups against the reference. */
	for (size_t i = 0; i < n_rules; i += 3) {
		classifier_remove(&cls, rules[i]);
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
			classifier_remove(&cls, rules[i]);
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
	struct cls_rule a, b;
	struct flow v, m;
	uint64_t gen;

	(void)state;
	classifier_init(&cls);
	random_flow(&v);
	make_mask(1, &m);
	cls_rule_init(&a, &v, &m, 5);
	gen = cls.generation;
	classifier_insert(&cls, &a);
	assert_true(cls.generation != gen);
	assert_ptr_equal(classifier_find_exact(&cls, &v, &m, 5), &a);
	assert_null(classifier_find_exact(&cls, &v, &m, 6));
	make_mask(2, &m);
	assert_null(classifier_find_exact(&cls, &v, &m, 5));
	/* Equal priority, same match: the first inserted wins. */
	make_mask(1, &m);
	cls_rule_init(&b, &v, &m, 5);
	classifier_insert(&cls, &b);
	assert_ptr_equal(classifier_lookup(&cls, &v), &a);
	classifier_remove(&cls, &a);
	assert_ptr_equal(classifier_lookup(&cls, &v), &b);
	classifier_remove(&cls, &b);
	assert_null(classifier_lookup(&cls, &v));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

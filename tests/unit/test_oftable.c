/*
 * Flow tables: a flow keeps its match only in the classifier's form, so everything that reads
 * a flow's match (listing, strict and loose selection, replace's comparison) must read back
 * exactly what was added. Flows are given as text, as lispctl gives them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flow-text.h"
#include "oftable.h"
#include "rule.h"

static void
parse(const char *text, enum flow_parse_mode mode, struct ofp_flow_spec *spec)
{
	const struct flow_parse_ctx ctx = { mode, NULL, NULL };
	char err[256];

	if (flow_parse(text, &ctx, spec, err, sizeof err))
		fail_msg("\"%s\": %s", text, err);
}

static void
add(struct oftable *t, const char *text)
{
	struct ofp_flow_spec spec;

	parse(text, FLOW_PARSE_ADD, &spec);
	oftable_add(t, &spec);
	ofp_flow_spec_uninit(&spec);
}

/* Deletes what 'filter' selects ('strict': same match and priority); returns how many. */
static size_t
del(struct oftable *t, const char *filter, bool strict)
{
	struct ofp_flow_spec spec;
	size_t n;

	parse(filter, FLOW_PARSE_FILTER, &spec);
	n = oftable_del(t, &spec, strict);
	ofp_flow_spec_uninit(&spec);
	return n;
}

/* Flows whose matches use every kind of field, in several tables and subtables; no two of a
 * table have the same priority, which finds them again. */
static const char *const flows[] = {
	"priority=0,actions=NORMAL",
	"table=1,priority=7,idle_timeout=30,ip,in_port=2,nw_src=10.1.0.0/16,actions=output:3",
	"priority=9,tcp6,ipv6_dst=2001:db8::/32,tp_dst=443,actions=drop",
	"priority=8,arp,arp_tpa=10.0.0.1,arp_sha=02:00:00:00:00:01,actions=NORMAL",
	"priority=5,dl_vlan=7,dl_src=02:00:00:00:00:05/ff:ff:ff:00:00:00,actions=strip_vlan,NORMAL",
	"priority=4,cookie=0x5,tun_id=0x2a,tun_src=192.0.2.1,udp,tp_src=53,actions=output:1",
	"table=254,hard_timeout=5,priority=65535,ip,nw_tos=0x10,nw_ttl=1,actions=drop",
};

/* Every flow's match, priority and attributes read back equal to the text it came from. */
static void
test_match_read_back(void **state)
{
	struct oftable t;
	struct rule **rules;
	size_t n;

	(void)state;
	oftable_init(&t);
	for (size_t i = 0; i < sizeof flows / sizeof flows[0]; i++)
		add(&t, flows[i]);
	rules = oftable_collect(&t, NULL, &n);
	assert_int_equal(n, sizeof flows / sizeof flows[0]);
	for (size_t i = 0; i < sizeof flows / sizeof flows[0]; i++) {
		struct ofp_flow_spec spec;
		struct rule *r = NULL;
		struct match m;

		parse(flows[i], FLOW_PARSE_ADD, &spec);
		for (size_t j = 0; j < n && !r; j++)
			if (rules[j]->table_id == (spec.table_id == FLOW_TABLE_ANY ? 0 : spec.table_id) &&
			    rule_priority(rules[j]) == spec.priority)
				r = rules[j];
		assert_non_null(r);
		rule_get_match(r, &m);
		assert_memory_equal(&m, &spec.match, sizeof m);
		assert_int_equal(r->cookie, spec.cookie);
		assert_int_equal(r->idle_timeout, spec.idle_timeout);
		assert_int_equal(r->hard_timeout, spec.hard_timeout);
		assert_true(actions_equal(r->actions, r->n_actions, spec.actions, spec.n_actions));
		ofp_flow_spec_uninit(&spec);
	}
	free(rules);
	oftable_uninit(&t);
}

/* Strict selection needs the same match and priority; loose, a match at least as specific. */
static void
test_strict_and_loose(void **state)
{
	struct oftable t;

	(void)state;
	oftable_init(&t);
	add(&t, "priority=5,ip,nw_dst=10.0.0.1,actions=drop");
	add(&t, "priority=6,ip,nw_dst=10.0.0.1,actions=drop");
	add(&t, "priority=5,ip,nw_dst=10.0.0.0/24,actions=drop");
	add(&t, "priority=5,ip,actions=drop");
	add(&t, "priority=5,ip,nw_dst=10.0.0.1,actions=output:2");    /* Replaces the first. */
	assert_int_equal(oftable_count(&t), 4);
	assert_int_equal(del(&t, "priority=5,ip,nw_dst=10.0.0.2", true), 0);
	assert_int_equal(del(&t, "priority=7,ip,nw_dst=10.0.0.1", true), 0);
	assert_int_equal(del(&t, "priority=5,ip,nw_dst=10.0.0.1", true), 1);
	assert_int_equal(del(&t, "ip,nw_dst=10.0.0.0/24", false), 2);
	assert_int_equal(oftable_count(&t), 1);
	assert_int_equal(del(&t, "", false), 1);
	oftable_uninit(&t);
}

/* Replace leaves flows that stay the same alone (counters kept) and re-adds changed ones. */
static void
test_replace_compares_matches(void **state)
{
	const char *const next[] = {
		"priority=5,ip,nw_dst=10.0.0.1,actions=drop",
		"priority=5,ip,nw_dst=10.0.0.2,actions=output:1",
		"priority=5,ip,nw_dst=10.0.0.3,actions=drop",
	};
	struct ofp_flow_spec specs[3];
	struct oftable t;
	struct rule **rules;
	size_t n;

	(void)state;
	oftable_init(&t);
	add(&t, "priority=5,ip,nw_dst=10.0.0.1,actions=drop");
	add(&t, "priority=5,ip,nw_dst=10.0.0.2,actions=drop");
	add(&t, "priority=5,ip,nw_dst=10.0.0.9,actions=drop");
	rules = oftable_collect(&t, NULL, &n);
	for (size_t i = 0; i < n; i++)
		rules[i]->n_packets = 1;
	free(rules);
	for (size_t i = 0; i < 3; i++)
		parse(next[i], FLOW_PARSE_ADD, &specs[i]);
	oftable_replace(&t, specs, 3);
	rules = oftable_collect(&t, NULL, &n);
	assert_int_equal(n, 3);
	/* Oldest first: the one kept, then the changed and the new one. */
	assert_int_equal(rules[0]->n_packets, 1);
	assert_int_equal(rules[1]->n_packets + rules[2]->n_packets, 0);
	for (size_t i = 0; i < 3; i++) {
		struct match m;

		rule_get_match(rules[i], &m);
		assert_true(match_equal(&m, &specs[i].match));
		ofp_flow_spec_uninit(&specs[i]);
	}
	free(rules);
	oftable_uninit(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_read_back),
		cmocka_unit_test(test_strict_and_loose),
		cmocka_unit_test(test_replace_compares_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

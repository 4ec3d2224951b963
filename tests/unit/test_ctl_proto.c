/*
 * Unit tests for ctl-proto.c: the verb table shared by lispctl and lispswitchd, and verb lookup
 * by name and by its OVS alias.
 */
#include "unit.h"

#include "ctl-proto.h"

static const struct {
	const char *name;
	int verb;                 /* -1: unknown. */
	unsigned int min, max;    /* Arity, for known verbs. */
} lookups[] = {
	{ "add-br", CTL_VERB_ADD_BR, 1, 1 },
	{ "del-br", CTL_VERB_DEL_BR, 1, 1 },
	{ "list-br", CTL_VERB_LIST_BR, 0, 0 },
	{ "br-exists", CTL_VERB_BR_EXISTS, 1, 1 },
	{ "add-port", CTL_VERB_ADD_PORT, 2, 64 },
	{ "del-port", CTL_VERB_DEL_PORT, 1, 2 },
	{ "list-ports", CTL_VERB_LIST_PORTS, 1, 1 },
	{ "set", CTL_VERB_SET, 3, 64 },
	{ "get", CTL_VERB_GET, 3, 64 },
	{ "show", CTL_VERB_SHOW, 0, 0 },
	{ "dump-ports", CTL_VERB_DUMP_PORTS, 1, 2 },
	{ "fdb-show", CTL_VERB_FDB_SHOW, 1, 1 },
	{ "fdb/show", CTL_VERB_FDB_SHOW, 1, 1 },   /* ovs-appctl spelling. */
	{ "vlog/set", CTL_VERB_VLOG_SET, 2, 2 },
	{ "vlog/list", CTL_VERB_VLOG_LIST, 0, 0 },
	{ "add-flow", CTL_VERB_ADD_FLOW, 2, 2 },
	{ "add-flows", CTL_VERB_ADD_FLOWS, 1, CTL_ARGS_MAX },
	{ "del-flows", CTL_VERB_DEL_FLOWS, 1, 2 },
	{ "mod-flows", CTL_VERB_MOD_FLOWS, 2, 2 },
	{ "replace-flows", CTL_VERB_REPLACE_FLOWS, 1, CTL_ARGS_MAX },
	{ "dump-flows", CTL_VERB_DUMP_FLOWS, 1, 2 },
	{ "dump-tables", CTL_VERB_DUMP_TABLES, 1, 1 },
	{ "ofproto/trace", CTL_VERB_TRACE, 2, 3 },
	{ "trace", CTL_VERB_TRACE, 2, 3 },         /* Short spelling. */
	{ "parse-flow", CTL_VERB_PARSE_FLOW, 1, 1 },
	{ "dump-drops", CTL_VERB_DUMP_DROPS, 0, 1 },
	{ "metrics", CTL_VERB_METRICS, 0, 0 },
	{ "capture", CTL_VERB_CAPTURE, 1, 8 },
	{ "lisp/map-cache-show", CTL_VERB_MC_SHOW, 0, 1 },
	{ "lisp/map-cache-add", CTL_VERB_MC_ADD, 2, 10 },
	{ "lisp/map-cache-del", CTL_VERB_MC_DEL, 2, 2 },
	{ "lisp/ms-add-site", CTL_VERB_MS_ADD_SITE, 3, 18 },
	{ "lisp/ms-del-site", CTL_VERB_MS_DEL_SITE, 1, 1 },
	{ "lisp/ms-show", CTL_VERB_MS_SHOW, 0, 0 },
	{ "lisp/map-cache", -1, 0, 0 },
	{ "", -1, 0, 0 },
	{ "add", -1, 0, 0 },
	{ "add-br ", -1, 0, 0 },
	{ " add-br", -1, 0, 0 },
	{ "ADD-BR", -1, 0, 0 },
	{ "add-bridge", -1, 0, 0 },
	{ "fdb_show", -1, 0, 0 },
	{ "fdb/shows", -1, 0, 0 },
	{ "fdb/", -1, 0, 0 },
	{ "vlog", -1, 0, 0 },
	{ "--", -1, 0, 0 },
	{ "transact", -1, 0, 0 },
};

static void
test_verb_find(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
		int v = ctl_verb_find(lookups[i].name);

		print_message("\"%s\"\n", lookups[i].name);
		assert_int_equal(v, lookups[i].verb);
		if (v >= 0) {
			assert_int_equal(ctl_verbs[v].min_args, lookups[i].min);
			assert_int_equal(ctl_verbs[v].max_args, lookups[i].max);
		}
	}
}

/* Every verb is found by its own name, and the table covers every verb in the table above. */
static void
test_every_verb_round_trips(void **state)
{
	bool covered[CTL_N_VERBS] = { false };

	(void)state;
	for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++)
		if (lookups[i].verb >= 0)
			covered[lookups[i].verb] = true;
	for (int i = 0; i < CTL_N_VERBS; i++) {
		assert_non_null(ctl_verbs[i].name);
		assert_int_equal(ctl_verb_find(ctl_verbs[i].name), i);
		assert_true(covered[i]);
	}
}

static void
test_table_sane(void **state)
{
	(void)state;
	for (int i = 0; i < CTL_N_VERBS; i++) {
		const struct ctl_verb_info *v = &ctl_verbs[i];

		print_message("%s\n", v->name);
		assert_true(v->min_args <= v->max_args);
		assert_non_null(v->usage);
		assert_non_null(v->help);
		assert_true(strlen(v->name) > 0);
		assert_true(strlen(v->help) > 0);
		/* Help is one line, and only known flags are used. */
		assert_null(strchr(v->help, '\n'));
		assert_int_equal(v->flags & ~(CTL_READ | CTL_LOCAL | CTL_FILE | CTL_STREAM), 0);
		/* A verb without arguments has no usage text, and vice versa. */
		assert_int_equal(v->max_args == 0, v->usage[0] == '\0');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(v->name, ctl_verbs[j].name);
	}
}

/* The read verbs are exactly the ones that take --format=json. */
static void
test_read_flags(void **state)
{
	static const int reads[] = {
		CTL_VERB_LIST_BR, CTL_VERB_BR_EXISTS, CTL_VERB_LIST_PORTS, CTL_VERB_GET,
		CTL_VERB_SHOW, CTL_VERB_DUMP_PORTS, CTL_VERB_FDB_SHOW, CTL_VERB_VLOG_LIST,
		CTL_VERB_DUMP_FLOWS, CTL_VERB_DUMP_TABLES, CTL_VERB_TRACE, CTL_VERB_DUMP_DROPS,
		CTL_VERB_METRICS, CTL_VERB_MC_SHOW, CTL_VERB_MS_SHOW,
	};

	(void)state;
	for (int i = 0; i < CTL_N_VERBS; i++) {
		bool read = false;

		for (size_t j = 0; j < sizeof reads / sizeof reads[0]; j++)
			read |= reads[j] == i;
		print_message("%s\n", ctl_verbs[i].name);
		assert_int_equal(!!(ctl_verbs[i].flags & CTL_READ), read);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verb_find),
		cmocka_unit_test(test_every_verb_round_trips),
		cmocka_unit_test(test_table_sane),
		cmocka_unit_test(test_read_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

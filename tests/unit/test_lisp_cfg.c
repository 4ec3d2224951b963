/* lisp port options: defaults, every option, and the one-line error for each bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lisp-cfg.h"
#include "util.h"

#define KV(k, v) { (char *)(k), (char *)(v) }

static void
test_defaults_and_flow(void **state)
{
	struct kv opts[] = { KV("key", "flow"), KV("remote_ip", "flow") };
	struct lisp_cfg c;
	char err[256] = "";

	(void)state;
	assert_int_equal(lisp_cfg_parse(opts, 2, &c, err, sizeof err), 0);
	assert_true(c.remote.flow);
	assert_false(c.local.set || c.local.flow);
	assert_int_equal(c.in_key, LISP_FROM_FLOW);
	assert_int_equal(c.out_key, LISP_FROM_FLOW);
	assert_int_equal(c.dst_port, 4341);
	assert_int_equal(c.ttl, 64);
	assert_int_equal(c.tos, 0);
	assert_true(c.df);
	assert_true(c.csum6);
}

static void
test_all_options(void **state)
{
	struct kv opts[] = { KV("remote_ip", "2001:db8::2"), KV("local_ip", "2001:db8::1"),
			     KV("out_key", "7"), KV("key", "5"), KV("dst_port", "4789"),
			     KV("ttl", "inherit"), KV("tos", "inherit"), KV("df_default", "false"),
			     KV("csum", "false") };
	struct lisp_cfg c;
	char err[256] = "";

	(void)state;
	assert_int_equal(lisp_cfg_parse(opts, ARRAY_SIZE(opts), &c, err, sizeof err), 0);
	assert_true(c.remote.set && !lisp_addr_is_v4(&c.remote.addr));
	assert_int_equal(c.in_key, 5);
	assert_int_equal(c.out_key, 7); /* out_key refines key, whatever the order. */
	assert_int_equal(c.dst_port, 4789);
	assert_int_equal(c.ttl, -1);
	assert_int_equal(c.tos, -1);
	assert_false(c.df);
	assert_false(c.csum6);
}

struct bad {
	const char *key, *value;
	const char *err;
};

static const struct bad bads[] = {
	{ "remote_ip", "10.0.0", "remote_ip \"10.0.0\": not an IPv4 or IPv6 address, or \"flow\"" },
	{ "local_ip", "x", "local_ip \"x\": not an IPv4 or IPv6 address, or \"flow\"" },
	{ "key", "16777216", "key \"16777216\": larger than 16777215 (LISP instance IDs are 24 bits)" },
	{ "key", "-1", "key \"-1\": not a number or \"flow\"" },
	{ "in_key", "abc", "in_key \"abc\": not a number or \"flow\"" },
	{ "dst_port", "0", "dst_port \"0\": not a UDP port (1 to 65535)" },
	{ "dst_port", "65536", "dst_port \"65536\": not a UDP port (1 to 65535)" },
	{ "ttl", "0", "ttl \"0\": not 1 to 255 or \"inherit\"" },
	{ "ttl", "256", "ttl \"256\": not 1 to 255 or \"inherit\"" },
	{ "tos", "x", "tos \"x\": not 0 to 255 or \"inherit\"" },
	{ "df_default", "yes", "df_default \"yes\": not true or false" },
	{ "csum", "1", "csum \"1\": not true or false" },
	{ "remote", "1.2.3.4", "unknown option \"remote\" for a lisp port" },
	{ "map_resolver", "flow", "map_resolver \"flow\": not an IPv4 or IPv6 address" },
	{ "map_server", "1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5",
	  "map_server \"1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5\": not a list of 1 to 4 IPv4 or "
	  "IPv6 addresses" },
	{ "map_server", ",", "map_server \",\": not a list of 1 to 4 IPv4 or IPv6 addresses" },
	{ "map_server_key", "", "map_server_key \"(secret)\": empty or longer than 255 bytes" },
	{ "map_server_auth", "md5", "map_server_auth \"md5\": not sha256 or sha1" },
	{ "eid_prefix", "10.0.0.0/33",
	  "eid_prefix \"10.0.0.0/33\": not a list of 1 to 16 EID prefixes ([IID]ADDRESS/LENGTH, "
	  "IID < 2^24)" },
	{ "eid_prefix", "[16777216]10.0.0.0/8",
	  "eid_prefix \"[16777216]10.0.0.0/8\": not a list of 1 to 16 EID prefixes "
	  "([IID]ADDRESS/LENGTH, IID < 2^24)" },
	{ "rloc", "x", "rloc \"x\": not an IPv4 or IPv6 address" },
	{ "proxy_reply", "1", "proxy_reply \"1\": not true or false" },
	{ "rloc_probe_interval", "86401", "rloc_probe_interval \"86401\": not 0 (off) to 86400 "
	  "seconds" },
	{ "map_request_interval", "0", "map_request_interval \"0\": not 1 to 86400 seconds" },
	{ "map_register_interval", "x", "map_register_interval \"x\": not 1 to 86400 seconds" },
	{ "map_cache_size", "0", "map_cache_size \"0\": not 1 to 10000000 entries" },
};

static void
test_bad_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		struct kv opts[] = { KV("remote_ip", "flow"), KV(bads[i].key, bads[i].value) };
		struct lisp_cfg c;
		char err[256] = "";

		/* A bad remote_ip replaces the good one in this table. */
		size_t first = !strcmp(bads[i].key, "remote_ip");

		assert_int_equal(lisp_cfg_parse(opts + first, 2 - first, &c, err, sizeof err), -1);
		assert_string_equal(err, bads[i].err);
	}
}

static void
test_required_and_family(void **state)
{
	struct kv none[] = { KV("key", "1") };
	struct kv mixed[] = { KV("remote_ip", "10.0.0.1"), KV("local_ip", "2001:db8::1") };
	struct lisp_cfg c;
	char err[256];

	(void)state;
	assert_int_equal(lisp_cfg_parse(none, 1, &c, err, sizeof err), -1);
	assert_string_equal(err, "remote_ip: required (an address or \"flow\")");
	assert_int_equal(lisp_cfg_parse(mixed, 2, &c, err, sizeof err), -1);
	assert_string_equal(err, "local_ip and remote_ip: not of the same address family");
}

/* The control-plane options: defaults, every one parsed, and what they need together. */
static void
test_control_plane(void **state)
{
	struct kv all[] = { KV("key", "42"), KV("map_resolver", "192.0.2.100"),
			     KV("map_server", "192.0.2.100, 2001:db8::100"),
			     KV("map_server_key", "s3cret"), KV("map_server_auth", "sha1"),
			     KV("eid_prefix", "10.1.0.0/16,[7]2001:db8:1::/48"),
			     KV("rloc", "192.0.2.1"), KV("proxy_reply", "true"),
			     KV("rloc_probe_interval", "0"), KV("map_request_interval", "3"),
			     KV("map_register_interval", "10"), KV("map_cache_size", "5") };
	struct kv no_key[] = { KV("remote_ip", "flow"), KV("map_server", "192.0.2.100"),
			       KV("eid_prefix", "10.1.0.0/16") };
	struct kv no_eid[] = { KV("remote_ip", "flow"), KV("map_server", "192.0.2.100"),
			       KV("map_server_key", "k") };
	struct kv plain[] = { KV("remote_ip", "flow") };
	struct lisp_cfg c;
	char err[256] = "", buf[LISP_PREFIX_STRLEN];

	(void)state;
	assert_int_equal(lisp_cfg_parse(plain, 1, &c, err, sizeof err), 0);
	assert_false(c.cp.has_resolver);
	assert_int_equal(c.cp.n_servers, 0);
	assert_int_equal(c.cp.auth_alg, 2);
	assert_int_equal(c.cp.probe_s, 30);
	assert_int_equal(c.cp.request_s, 1);
	assert_int_equal(c.cp.register_s, 60);
	assert_int_equal(c.cp.cache_size, 100000);

	/* With a map-resolver remote_ip may be left out: it is "flow". */
	assert_int_equal(lisp_cfg_parse(all, ARRAY_SIZE(all), &c, err, sizeof err), 0);
	assert_true(c.remote.flow);
	assert_true(c.cp.has_resolver);
	assert_int_equal(c.cp.n_servers, 2);
	assert_true(lisp_addr_is_v4(&c.cp.servers[0]));
	assert_false(lisp_addr_is_v4(&c.cp.servers[1]));
	assert_string_equal(c.cp.key, "s3cret");
	assert_int_equal(c.cp.auth_alg, 1);
	assert_int_equal(c.cp.n_eids, 2);
	/* A bare prefix is in the port's key; an explicit one keeps its own. */
	assert_string_equal(lisp_prefix_format(&c.cp.eids[0], buf), "[42]10.1.0.0/16");
	assert_string_equal(lisp_prefix_format(&c.cp.eids[1], buf), "[7]2001:db8:1::/48");
	assert_true(c.cp.has_rloc && c.cp.proxy_reply);
	assert_int_equal(c.cp.probe_s, 0);
	assert_int_equal(c.cp.request_s, 3);
	assert_int_equal(c.cp.register_s, 10);
	assert_int_equal(c.cp.cache_size, 5);

	assert_int_equal(lisp_cfg_parse(no_key, 3, &c, err, sizeof err), -1);
	assert_string_equal(err, "map_server: needs map_server_key");
	assert_int_equal(lisp_cfg_parse(no_eid, 3, &c, err, sizeof err), -1);
	assert_string_equal(err, "map_server: needs eid_prefix (what to register)");
	assert_true(lisp_cfg_is_secret("map_server_key"));
	assert_false(lisp_cfg_is_secret("map_server"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_flow),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_required_and_family),
		cmocka_unit_test(test_control_plane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

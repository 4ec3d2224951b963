/*
 * struct match: matching crafted packet keys, prerequisites, equality and hashing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "flow-text.h"
#include "match.h"

/* An IPv4 TCP packet key from port 1: 10.1.1.5:1234 -> 192.168.0.2:80, untagged. */
static void
tcp_key(struct flow *k)
{
	memset(k, 0, sizeof *k);
	k->in_port = 1;
	memcpy(k->dl_src, "\x02\x00\x00\x00\x00\x05", 6);
	memcpy(k->dl_dst, "\x02\x00\x00\x00\x00\x00", 6);
	k->dl_type = htons(0x0800);
	k->nw_src = htonl(0x0a010105);
	k->nw_dst = htonl(0xc0a80002);
	k->nw_proto = IPPROTO_TCP;
	k->nw_ttl = 64;
	k->tp_src = htons(1234);
	k->tp_dst = htons(80);
}

static void
parse_match(const char *text, struct match *m)
{
	struct flow_parse_ctx ctx = { FLOW_PARSE_FILTER, NULL, NULL };
	struct ofp_flow_spec spec;
	char err[256];

	if (flow_parse(text, &ctx, &spec, err, sizeof err))
		fail_msg("\"%s\": %s", text, err);
	*m = spec.match;
	ofp_flow_spec_uninit(&spec);
}

static const struct {
	const char *match;
	bool hits;              /* Whether tcp_key() matches. */
} vectors[] = {
	{ "", true },
	{ "in_port=1", true },
	{ "in_port=2", false },
	{ "ip", true },
	{ "arp", false },
	{ "tcp", true },
	{ "udp", false },
	{ "ip,nw_src=10.1.1.0/24", true },
	{ "ip,nw_src=10.1.2.0/24", false },
	{ "ip,nw_src=10.0.0.5/255.0.0.255", true },
	{ "ip,nw_dst=192.168.0.2", true },
	{ "tcp,tp_dst=80", true },
	{ "tcp,tp_dst=0x50/0xfff0", true },
	{ "tcp,tp_dst=0x60/0xfff0", false },
	{ "dl_dst=02:00:00:00:00:00", true },
	{ "dl_src=00:00:00:00:00:05/00:00:00:00:00:ff", true },
	{ "dl_src=01:00:00:00:00:00/01:00:00:00:00:00", false },
	{ "vlan_tci=0", true },
	{ "dl_vlan=5", false },
	{ "vlan_tci=0x1000/0x1000", false },
	{ "ip,nw_ttl=64", true },
	{ "ip,nw_tos=0", true },
	{ "tun_id=0", true },
	{ "tun_id=5", false },
	{ "priority=3,in_port=1,dl_type=0x0800,vlan_tci=0,nw_src=10.1.1.0/24", true },
};

static void
test_matches(void **state)
{
	struct flow key;

	(void)state;
	tcp_key(&key);
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		struct match m;

		parse_match(vectors[i].match, &m);
		if (match_matches(&m, &key) != vectors[i].hits)
			fail_msg("\"%s\" should %smatch", vectors[i].match,
			         vectors[i].hits ? "" : "not ");
	}
}

static void
test_vlan_key(void **state)
{
	struct match m;
	struct flow key;

	(void)state;
	tcp_key(&key);
	key.vlan_tci = htons(0x1000 | 0x2000 | 5);      /* VID 5, PCP 1. */
	parse_match("dl_vlan=5", &m);
	assert_true(match_matches(&m, &key));
	parse_match("dl_vlan=5,dl_vlan_pcp=1", &m);
	assert_true(match_matches(&m, &key));
	parse_match("dl_vlan_pcp=2", &m);
	assert_false(match_matches(&m, &key));
	parse_match("vlan_tci=0", &m);
	assert_false(match_matches(&m, &key));
	parse_match("dl_vlan=0xffff", &m);
	assert_false(match_matches(&m, &key));
}

/* Setting a field with a mask keeps only the masked bits of the value. */
static void
test_set_masks_value(void **state)
{
	struct match m;

	(void)state;
	match_init_catchall(&m);
	match_set_u64(&m, FIELD_TUN_ID, 0x1234567890, 0xffff);
	assert_true(m.flow.tun_id == htobe64(0x7890));
	assert_true(m.wc.tun_id == htobe64(0xffff));
	match_set_u64(&m, FIELD_TUN_ID, 0, 0);
	assert_true(m.wc.tun_id == 0);
}

static void
test_prereqs(void **state)
{
	struct match m;

	(void)state;
	match_init_catchall(&m);
	assert_true(match_prereq_ok(&m, FIELD_PRE_NONE));
	assert_false(match_prereq_ok(&m, FIELD_PRE_L3));
	assert_true(match_set_proto(&m, "arp"));
	assert_true(match_prereq_ok(&m, FIELD_PRE_L3));
	assert_true(match_prereq_ok(&m, FIELD_PRE_ARP));
	assert_false(match_prereq_ok(&m, FIELD_PRE_IP_ANY));
	assert_true(match_set_proto(&m, "udp6"));
	assert_true(match_prereq_ok(&m, FIELD_PRE_IPV6));
	assert_true(match_prereq_ok(&m, FIELD_PRE_L4));
	assert_true(match_prereq_ok(&m, FIELD_PRE_UDP));
	assert_false(match_prereq_ok(&m, FIELD_PRE_TCP));
	assert_false(match_prereq_ok(&m, FIELD_PRE_L3));
	/* ICMP (v4) under IPv6 is not a transport ICMP type/code can be read from. */
	match_set_u64(&m, FIELD_NW_PROTO, IPPROTO_ICMP, 0xff);
	assert_false(match_prereq_ok(&m, FIELD_PRE_L4));
	assert_false(match_prereq_ok(&m, FIELD_PRE_VLAN));
	match_set_u64(&m, FIELD_DL_VLAN, 7, 0xffff);
	assert_true(match_prereq_ok(&m, FIELD_PRE_VLAN));
	assert_false(match_set_proto(&m, "ip6"));
}

static void
test_equal_hash(void **state)
{
	struct match a, b;

	(void)state;
	parse_match("tcp,nw_src=10.0.0.0/8,tp_dst=80", &a);
	parse_match("tp_dst=80 ip nw_src=10.9.9.9/255.0.0.0 nw_proto=6", &b);
	assert_true(match_equal(&a, &b));
	assert_int_equal(match_hash(&a, 0), match_hash(&b, 0));
	parse_match("tcp,nw_src=10.0.0.0/8,tp_dst=81", &b);
	assert_false(match_equal(&a, &b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_vlan_key),
		cmocka_unit_test(test_set_masks_value),
		cmocka_unit_test(test_prereqs),
		cmocka_unit_test(test_equal_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

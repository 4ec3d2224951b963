/*
 * Unit tests for lisp-msg.c: LISP control messages against bytes written by hand from the
 * layouts of RFC 9301 section 5 and RFC 8060 section 4.1, with the control-plane vectors of
 * LISP-PROTOCOL.md section 4 (4: Map-Register, 5: Map-Notify, 6: ECM Map-Request, 7: negative
 * Map-Reply), what other implementations send (plain AFIs, IID mask-length 32, LCAF locators),
 * refusals with their exact reasons, every truncation of valid messages, and the prefix helpers.
 */
#include "unit.h"

#include <arpa/inet.h>

#include "lisp-msg.h"
#include "util.h"

#define NONCE "0123456789abcdef "
/* Vector 4's record: [42]10.0.0.0/24, TTL 1440, A; 192.0.2.1 priority 1, weight 100, L and R. */
#define V4_RECORD "000005a0 01181000 00004003 00000200 000a0000 002a0001 0a000000 " \
		  "0164ff00 00050001 c0000201"
#define ZERO32 "00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
#define V4_REGISTER "30000101 " NONCE "00020020 " ZERO32 V4_RECORD
#define V5_NOTIFY "40000001 " NONCE "00020020 " ZERO32 V4_RECORD
/* Vector 6's Map-Request: no source EID, ITR-RLOC 192.0.2.1, record [42]10.0.0.5/32. */
#define V6_REQUEST "10000001 1122334455667788 0000 0001c0000201 " \
		   "0020 4003 0000 0200 000a 0000002a 0001 0a000005"
/* Vector 7: negative Map-Reply for [42]10.9.0.0/16, natively-forward, TTL 15. */
#define V7_RECORD "0000000f 00102000 00004003 00000200 000a0000 002a0001 0a090000"
#define V7_REPLY "20000001 " NONCE V7_RECORD
/* Map-Request with an IPv6 source EID, two ITR-RLOCs (IPv6 first) and [7]2001:db8:1::/48. */
#define V6_EID_REQUEST "10000101 " NONCE \
	"4003 0000 0200 0016 00000007 0002 20010db8000100000000000000000001 " \
	"0002 20010db8000000000000000000000001 0001 c0000201 " \
	"0030 4003 0000 0200 0016 00000007 0002 20010db8000100000000000000000000"

static struct in6_addr
ip(const char *s)
{
	struct in6_addr a = { 0 };

	if (inet_pton(AF_INET, s, &a.s6_addr[12]) == 1)
		a.s6_addr[10] = a.s6_addr[11] = 0xff;
	else
		assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct lisp_prefix
pfx(const char *s)
{
	struct lisp_prefix p;

	assert_true(lisp_prefix_parse(s, 0, &p));
	return p;
}

static void
assert_prefix(const struct lisp_prefix *p, const char *expect)
{
	char buf[LISP_PREFIX_STRLEN];

	assert_string_equal(lisp_prefix_format(p, buf), expect);
}

static void
assert_addr(const struct in6_addr *a, const char *expect)
{
	struct in6_addr e = ip(expect);

	assert_memory_equal(a, &e, sizeof e);
}

/* The decoders behind one signature, for tables and the truncation loop. */
typedef bool decode_fn(const uint8_t *msg, size_t len, const char **why);

static bool
dec_request(const uint8_t *msg, size_t len, const char **why)
{
	static struct lisp_map_request m;

	return lisp_map_request_decode(msg, len, &m, why);
}

static bool
dec_reply(const uint8_t *msg, size_t len, const char **why)
{
	static struct lisp_map_reply m;

	return lisp_map_reply_decode(msg, len, &m, why);
}

static bool
dec_register(const uint8_t *msg, size_t len, const char **why)
{
	static struct lisp_map_register m;

	return lisp_map_register_decode(msg, len, &m, why);
}

static bool
dec_ecm(const uint8_t *msg, size_t len, const char **why)
{
	static struct lisp_ecm m;

	return lisp_ecm_decode(msg, len, &m, why);
}

/*
 * Every proper prefix of the valid message 'msg' is refused. Each is decoded from a heap copy of
 * exactly its size, so that under ASan a read past the end is a fault, not a silent pass.
 */
static void
assert_truncations_refused(decode_fn *decode, const uint8_t *msg, size_t len)
{
	const char *why = NULL;

	assert_true(decode(msg, len, &why));
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, msg, n);
		why = NULL;
		if (decode(copy, n, &why))
			fail_msg("truncation to %zu of %zu bytes accepted", n, len);
		assert_non_null(why);
		free(copy);
	}
}

/* The record of vector 4, as a struct. */
static struct lisp_record
v4_record(void)
{
	struct lisp_record r = {
		.eid = pfx("[42]10.0.0.0/24"), .ttl = 1440, .authoritative = true, .n_locators = 1,
	};

	r.locators[0] = (struct lisp_locator){ .rloc = ip("192.0.2.1"), .priority = 1,
					       .weight = 100, .mpriority = 255, .local = true,
					       .reachable = true };
	return r;
}

static void
assert_v4_record(const struct lisp_record *r)
{
	const struct lisp_locator *l = &r->locators[0];

	assert_prefix(&r->eid, "[42]10.0.0.0/24");
	assert_int_equal(r->ttl, 1440);
	assert_true(r->authoritative);
	assert_int_equal(r->action, LISP_ACT_NO_ACTION);
	assert_int_equal(r->version, 0);
	assert_int_equal(r->n_locators, 1);
	assert_addr(&l->rloc, "192.0.2.1");
	assert_int_equal(l->priority, 1);
	assert_int_equal(l->weight, 100);
	assert_int_equal(l->mpriority, 255);
	assert_int_equal(l->mweight, 0);
	assert_true(l->local);
	assert_false(l->probed);
	assert_true(l->reachable);
}

static struct lisp_map_register
v4_register(uint8_t type)
{
	struct lisp_map_register m = {
		.type = type, .want_notify = true, .nonce = 0x0123456789abcdefull,
		.alg = 2, .auth_len = 32, .n_records = 1,
	};

	m.records[0] = v4_record();
	return m;
}

static void
test_register_vector4(void **state)
{
	struct lisp_map_register m = v4_register(LISP_MAP_REGISTER), d;
	uint8_t expect[128], buf[256];
	size_t n = unit_hex(V4_REGISTER, expect, sizeof expect);
	const char *why = NULL;

	(void)state;
	assert_int_equal(n, 88);
	assert_int_equal(lisp_map_register_encode(&m, buf, sizeof buf), n);
	assert_memory_equal(buf, expect, n);
	assert_int_equal(m.auth_offset, 16);
	/* One byte short of room: nothing. */
	assert_int_equal(lisp_map_register_encode(&m, buf, n - 1), 0);

	assert_true(lisp_map_register_decode(expect, n, &d, &why));
	assert_int_equal(d.type, LISP_MAP_REGISTER);
	assert_int_equal(d.nonce, 0x0123456789abcdefull);
	assert_true(d.want_notify);
	assert_false(d.proxy_reply || d.security || d.has_xtr_id || d.eid_notify ||
		     d.ttl_lifetime || d.merge);
	assert_int_equal(d.key_id, 0);
	assert_int_equal(d.alg, 2);
	assert_int_equal(d.auth_len, 32);
	assert_int_equal(d.auth_offset, 16);
	assert_int_equal(d.n_records, 1);
	assert_v4_record(&d.records[0]);
	assert_truncations_refused(dec_register, expect, n);
}

/* Notify and Notify-Ack: the same body, type word "T0000001" with no flags even if set. */
static void
test_notify_vector5(void **state)
{
	struct lisp_map_register m = v4_register(LISP_MAP_NOTIFY), d;
	uint8_t expect[128], buf[256];
	size_t n = unit_hex(V5_NOTIFY, expect, sizeof expect);
	const char *why;

	(void)state;
	m.has_xtr_id = m.merge = m.proxy_reply = true;
	assert_int_equal(lisp_map_register_encode(&m, buf, sizeof buf), n);
	assert_memory_equal(buf, expect, n);
	assert_true(lisp_map_register_decode(expect, n, &d, &why));
	assert_int_equal(d.type, LISP_MAP_NOTIFY);
	assert_false(d.want_notify || d.has_xtr_id || d.merge);
	assert_v4_record(&d.records[0]);

	m.type = LISP_MAP_NOTIFY_ACK;
	expect[0] = 0x50;
	assert_int_equal(lisp_map_register_encode(&m, buf, sizeof buf), n);
	assert_memory_equal(buf, expect, n);
	assert_true(lisp_map_register_decode(expect, n, &d, &why));
	assert_int_equal(d.type, LISP_MAP_NOTIFY_ACK);
	assert_truncations_refused(dec_register, expect, n);

	m.type = LISP_MAP_REPLY;
	assert_int_equal(lisp_map_register_encode(&m, buf, sizeof buf), 0);
}

/* Every Map-Register flag where RFC 9301 5.6 puts it; the reserved R bit is ignored. */
static void
test_register_flags_xtr_id(void **state)
{
	struct lisp_map_register m = v4_register(LISP_MAP_REGISTER), d;
	uint8_t buf[256], tail[24];
	size_t n;
	const char *why;

	(void)state;
	m.proxy_reply = m.security = m.has_xtr_id = true;
	m.eid_notify = m.ttl_lifetime = m.merge = m.want_notify = true;
	m.key_id = 3;
	m.alg = 1;
	m.auth_len = 20;
	for (int i = 0; i < 16; i++)
		m.xtr_id[i] = (uint8_t)(0xa0 + i);
	m.site_id = 0x1122334455667788ull;
	n = lisp_map_register_encode(&m, buf, sizeof buf);
	assert_int_equal(n, 16 + 20 + 40 + 24);
	assert_memory_equal(buf, "\x3e\x00\x1d\x01", 4);
	assert_memory_equal(buf + 12, "\x03\x01\x00\x14", 4);
	unit_hex("a0a1a2a3 a4a5a6a7 a8a9aaab acadaeaf 11223344 55667788", tail, sizeof tail);
	assert_memory_equal(buf + n - 24, tail, 24);

	buf[2] |= 0x02;
	assert_true(lisp_map_register_decode(buf, n, &d, &why));
	assert_true(d.proxy_reply && d.security && d.has_xtr_id && d.eid_notify &&
		    d.ttl_lifetime && d.merge && d.want_notify);
	assert_int_equal(d.key_id, 3);
	assert_int_equal(d.auth_len, 20);
	assert_memory_equal(d.xtr_id, m.xtr_id, 16);
	assert_int_equal(d.site_id, 0x1122334455667788ull);
	assert_v4_record(&d.records[0]);
	buf[2] &= (uint8_t)~0x02;
	assert_truncations_refused(dec_register, buf, n);
}

/* The independent checksum: big-endian words as numbers, as RFC 1071 describes it. */
static uint32_t
ref_sum(const uint8_t *p, size_t size, uint32_t sum)
{
	for (size_t i = 0; i < size; i += 2) {
		sum += (uint32_t)p[i] << 8 | (i + 1 < size ? p[i + 1] : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

/* Whether the UDP checksum of 'udp' (inside the IP packet 'ip') verifies, pseudo-header and all. */
static bool
udp_csum_verifies(const uint8_t *ip, const uint8_t *udp, size_t udp_size)
{
	bool v4 = ip[0] >> 4 == 4;
	uint32_t sum = ref_sum(ip + (v4 ? 12 : 8), v4 ? 8 : 32, 0);

	sum = ref_sum((const uint8_t[]){ 0, 17, (uint8_t)(udp_size >> 8), (uint8_t)udp_size }, 4,
		      sum);
	return (udp[6] || udp[7]) && ref_sum(udp, udp_size, sum) == 0xffff;
}

static struct lisp_map_request
v6_request(void)
{
	struct lisp_map_request m = { .nonce = 0x1122334455667788ull, .n_itr_rlocs = 1,
				      .n_eids = 1 };

	m.itr_rlocs[0] = ip("192.0.2.1");
	m.eids[0] = pfx("[42]10.0.0.5/32");
	return m;
}

static void
test_ecm_vector6(void **state)
{
	struct lisp_map_request m = v6_request(), d;
	struct lisp_ecm e = { .src = ip("192.0.2.1"), .dst = ip("10.0.0.5"), .sport = 61000,
			      .dport = LISP_CONTROL_PORT }, de;
	uint8_t req[64], expect[64], buf[256];
	size_t rn = lisp_map_request_encode(&m, req, sizeof req), n;
	const char *why;

	(void)state;
	assert_int_equal(rn, unit_hex(V6_REQUEST, expect, sizeof expect));
	assert_memory_equal(req, expect, rn);
	n = lisp_ecm_encode(&e, req, rn, buf, sizeof buf);
	assert_int_equal(n, 4 + 20 + 8 + rn);
	unit_hex("80000000 45000044 00000000 4011", expect, sizeof expect);
	assert_memory_equal(buf, expect, 14);
	unit_hex("c0000201 0a000005 ee48 10f6 0030", expect, sizeof expect);
	assert_memory_equal(buf + 16, expect, 14);
	assert_int_equal(ref_sum(buf + 4, 20, 0), 0xffff);
	assert_true(udp_csum_verifies(buf + 4, buf + 24, 8 + rn));

	assert_true(lisp_ecm_decode(buf, n, &de, &why));
	assert_false(de.security || de.ddt || de.to_etr || de.to_ms);
	assert_addr(&de.src, "192.0.2.1");
	assert_addr(&de.dst, "10.0.0.5");
	assert_int_equal(de.sport, 61000);
	assert_int_equal(de.dport, 4342);
	assert_ptr_equal(de.msg, buf + 32);
	assert_int_equal(de.msg_len, rn);
	assert_int_equal(lisp_msg_type(de.msg, de.msg_len), LISP_MAP_REQUEST);
	assert_true(lisp_map_request_decode(de.msg, de.msg_len, &d, &why));
	assert_int_equal(d.nonce, 0x1122334455667788ull);
	assert_false(d.has_source_eid);
	assert_int_equal(d.n_itr_rlocs, 1);
	assert_addr(&d.itr_rlocs[0], "192.0.2.1");
	assert_int_equal(d.n_eids, 1);
	assert_prefix(&d.eids[0], "[42]10.0.0.5/32");
	assert_truncations_refused(dec_ecm, buf, n);
	assert_truncations_refused(dec_request, req, rn);
	/* One byte short of room: nothing. */
	assert_int_equal(lisp_ecm_encode(&e, req, rn, buf, n - 1), 0);
}

static void
test_ecm_ipv6_flags(void **state)
{
	struct lisp_ecm e = { .security = true, .ddt = true, .to_etr = true, .to_ms = true,
			      .src = ip("2001:db8::1"), .dst = ip("2001:db8:1::5"), .sport = 4342,
			      .dport = 4342 }, d;
	uint8_t msg[3] = { 0x10, 0xaa, 0xbb }, buf[128];
	size_t n = lisp_ecm_encode(&e, msg, sizeof msg, buf, sizeof buf);
	const char *why;

	(void)state;
	assert_int_equal(n, 4 + 40 + 8 + 3);
	assert_memory_equal(buf, "\x8f\x00\x00\x00\x60\x00\x00\x00\x00\x0b\x11\x40", 12);
	assert_true(udp_csum_verifies(buf + 4, buf + 44, 11));
	assert_true(lisp_ecm_decode(buf, n, &d, &why));
	assert_true(d.security && d.ddt && d.to_etr && d.to_ms);
	assert_addr(&d.src, "2001:db8::1");
	assert_addr(&d.dst, "2001:db8:1::5");
	assert_int_equal(d.msg_len, 3);
	assert_memory_equal(d.msg, msg, 3);
	assert_truncations_refused(dec_ecm, buf, n);

	/* Inner addresses of two families, or more than 16 bits of length: nothing. */
	e.dst = ip("10.0.0.5");
	assert_int_equal(lisp_ecm_encode(&e, msg, sizeof msg, buf, sizeof buf), 0);
	e.src = ip("192.0.2.1");
	assert_int_equal(lisp_ecm_encode(&e, msg, 0xffff - 27, buf, sizeof buf), 0);
}

static void
test_negative_reply_vector7(void **state)
{
	struct lisp_map_reply m = { .nonce = 0x0123456789abcdefull, .n_records = 1 }, d;
	uint8_t expect[64], buf[128];
	size_t n = unit_hex(V7_REPLY, expect, sizeof expect);
	const char *why;

	(void)state;
	m.records[0] = (struct lisp_record){ .eid = pfx("[42]10.9.0.0/16"), .ttl = 15,
					     .action = LISP_ACT_NATIVE_FORWARD };
	assert_int_equal(lisp_map_reply_encode(&m, buf, sizeof buf), n);
	assert_memory_equal(buf, expect, n);
	assert_true(lisp_map_reply_decode(expect, n, &d, &why));
	assert_false(d.probe || d.echo_nonce || d.security);
	assert_int_equal(d.nonce, 0x0123456789abcdefull);
	assert_int_equal(d.n_records, 1);
	assert_prefix(&d.records[0].eid, "[42]10.9.0.0/16");
	assert_int_equal(d.records[0].ttl, 15);
	assert_int_equal(d.records[0].action, LISP_ACT_NATIVE_FORWARD);
	assert_false(d.records[0].authoritative);
	assert_int_equal(d.records[0].n_locators, 0);
	assert_truncations_refused(dec_reply, expect, n);
}

/* P E S, ACT 5, version 4095 and a locator with only p: each where the RFC puts it. */
static void
test_reply_flags(void **state)
{
	struct lisp_map_reply m = { .probe = true, .echo_nonce = true, .security = true,
				    .nonce = 7, .n_records = 1 }, d;
	uint8_t buf[128], expect[128];
	size_t n;
	const char *why;

	(void)state;
	m.records[0] = (struct lisp_record){ .eid = pfx("[16777215]2001:db8::/32"),
					     .ttl = 0xffffffff, .action = LISP_ACT_AUTH_FAILURE,
					     .authoritative = true, .version = 4095,
					     .n_locators = 1 };
	m.records[0].locators[0] = (struct lisp_locator){ .rloc = ip("2001:db8::99"),
							  .priority = 255, .weight = 0,
							  .mpriority = 1, .mweight = 2,
							  .probed = true };
	n = lisp_map_reply_encode(&m, buf, sizeof buf);
	assert_int_equal(n, unit_hex("2e000001 0000000000000007 ffffffff 0120b000 0fff4003 "
				     "00000200 0016 00ffffff 0002 20010db8000000000000000000000000 "
				     "ff000102 0002 0002 20010db8000000000000000000000099",
				     expect, sizeof expect));
	assert_memory_equal(buf, expect, n);
	assert_true(lisp_map_reply_decode(buf, n, &d, &why));
	assert_true(d.probe && d.echo_nonce && d.security);
	assert_int_equal(d.records[0].version, 4095);
	assert_int_equal(d.records[0].action, LISP_ACT_AUTH_FAILURE);
	assert_true(d.records[0].authoritative);
	assert_true(d.records[0].locators[0].probed);
	assert_false(d.records[0].locators[0].local || d.records[0].locators[0].reachable);
	assert_int_equal(d.records[0].locators[0].mweight, 2);
	assert_prefix(&d.records[0].eid, "[16777215]2001:db8::/32");
}

static void
test_request_ipv6(void **state)
{
	struct lisp_map_request d;
	uint8_t msg[160], buf[160];
	size_t n = unit_hex(V6_EID_REQUEST, msg, sizeof msg);
	const char *why;

	(void)state;
	assert_true(lisp_map_request_decode(msg, n, &d, &why));
	assert_true(d.has_source_eid);
	assert_prefix(&d.source_eid, "[7]2001:db8:1::1/128");
	assert_int_equal(d.n_itr_rlocs, 2);
	assert_addr(&d.itr_rlocs[0], "2001:db8::1");
	assert_addr(&d.itr_rlocs[1], "192.0.2.1");
	assert_int_equal(d.n_eids, 1);
	assert_prefix(&d.eids[0], "[7]2001:db8:1::/48");
	assert_false(d.has_mapping);
	/* Our encoding of what we decoded is the same bytes. */
	assert_int_equal(lisp_map_request_encode(&d, buf, sizeof buf), n);
	assert_memory_equal(buf, msg, n);
	assert_truncations_refused(dec_request, msg, n);
}

/* A M P S p s, IRC and the sender's own mapping (M). */
static void
test_request_flags_mapping(void **state)
{
	struct lisp_map_request m = v6_request(), d;
	uint8_t buf[256];
	size_t n;
	const char *why;

	(void)state;
	m.authoritative = m.probe = m.smr = m.pitr = m.smr_invoked = true;
	m.has_mapping = true;
	m.mapping = v4_record();
	m.has_source_eid = true;
	m.source_eid = pfx("[42]10.0.0.9");
	m.n_itr_rlocs = 3;
	m.itr_rlocs[1] = ip("2001:db8::1");
	m.itr_rlocs[2] = ip("192.0.2.2");
	n = lisp_map_request_encode(&m, buf, sizeof buf);
	assert_int_not_equal(n, 0);
	assert_memory_equal(buf, "\x1f\xc0\x02\x01", 4);
	assert_true(lisp_map_request_decode(buf, n, &d, &why));
	assert_true(d.authoritative && d.map_data && d.probe && d.smr && d.pitr && d.smr_invoked);
	assert_true(d.has_mapping);
	assert_v4_record(&d.mapping);
	assert_prefix(&d.source_eid, "[42]10.0.0.9/32");
	assert_int_equal(d.n_itr_rlocs, 3);
	assert_addr(&d.itr_rlocs[2], "192.0.2.2");
	assert_truncations_refused(dec_request, buf, n);

	m.n_itr_rlocs = 0;
	assert_int_equal(lisp_map_request_encode(&m, buf, sizeof buf), 0);
	m.n_itr_rlocs = 1;
	m.n_eids = 0;
	assert_int_equal(lisp_map_request_encode(&m, buf, sizeof buf), 0);
	m.n_eids = 1;
	m.eids[0].plen = 33;
	assert_int_equal(lisp_map_request_encode(&m, buf, sizeof buf), 0);
}

/*
 * What others send: plain-AFI EIDs (instance 0), an IID mask-length of 32, host bits in an EID,
 * locators that are skipped (an LCAF of another type, a MAC address, AFI 0) while an RLOC in an
 * Instance-ID LCAF is kept, and a second record found after them.
 */
static void
test_reply_liberal(void **state)
{
	struct lisp_map_reply d;
	uint8_t msg[256];
	size_t n = unit_hex("20000002 " NONCE
			    "0000003c 06180000 0000 0001 0a000005 "
			    "01010000 0000 4003 00000a00 0008 0102030405060708 "
			    "02020000 0000 4005 020000000001 "
			    "03030000 0000 0000 "
			    "04040000 0005 0001 c0000204 "
			    "05050000 0004 4003 00000220 000a 00000009 0001 c0000205 "
			    "06060000 0001 0002 20010db8000000000000000000000006 "
			    "0000003c 00200000 0000 4003 00000220 000a 0000002a 0001 0a000007",
			    msg, sizeof msg);
	const char *why;

	(void)state;
	assert_true(lisp_map_reply_decode(msg, n, &d, &why));
	assert_int_equal(d.n_records, 2);
	assert_prefix(&d.records[0].eid, "[0]10.0.0.0/24");
	assert_int_equal(d.records[0].n_locators, 3);
	assert_addr(&d.records[0].locators[0].rloc, "192.0.2.4");
	assert_int_equal(d.records[0].locators[0].priority, 4);
	assert_true(d.records[0].locators[0].local && d.records[0].locators[0].reachable);
	assert_addr(&d.records[0].locators[1].rloc, "192.0.2.5");
	assert_int_equal(d.records[0].locators[1].priority, 5);
	assert_true(d.records[0].locators[1].local);
	assert_addr(&d.records[0].locators[2].rloc, "2001:db8::6");
	assert_int_equal(d.records[0].locators[2].weight, 6);
	/* Slots of skipped locators are left clean. */
	assert_int_equal(d.records[0].locators[3].priority, 0);
	assert_prefix(&d.records[1].eid, "[42]10.0.0.7/32");
	assert_truncations_refused(dec_reply, msg, n);
}

/* A source EID of a kind we do not handle is dropped; ITR-RLOCs of other kinds are skipped. */
static void
test_request_liberal(void **state)
{
	struct lisp_map_request d;
	uint8_t msg[128];
	size_t n = unit_hex("10000101 " NONCE "4005 020000000001 "
			    "4005 020000000002 0001 c0000201 0018 0001 0a000000", msg, sizeof msg);
	const char *why;

	(void)state;
	assert_true(lisp_map_request_decode(msg, n, &d, &why));
	assert_false(d.has_source_eid);
	assert_int_equal(d.n_itr_rlocs, 1);
	assert_addr(&d.itr_rlocs[0], "192.0.2.1");
	assert_prefix(&d.eids[0], "[0]10.0.0.0/24");
}

static const struct refusal {
	const char *name;
	decode_fn *decode;
	const char *hex;
	const char *why;
} refusals[] = {
	{ "empty", dec_reply, "", "short header" },
	{ "reply as request", dec_request, V7_REPLY, "unexpected message type 2" },
	{ "request as reply", dec_reply, V6_REQUEST, "unexpected message type 1" },
	{ "request as register", dec_register, V6_REQUEST, "unexpected message type 1" },
	{ "reply as ECM", dec_ecm, V7_REPLY, "unexpected message type 2" },
	{ "EID AFI 17", dec_reply, "20000001 " NONCE "0000000f 00180000 0000 0011 6e616d6500",
	  "unknown AFI 17" },
	{ "EID AFI 16389", dec_reply, "20000001 " NONCE "0000000f 00300000 0000 4005 020000000001",
	  "unsupported AFI 16389" },
	{ "EID AFI 0", dec_reply, "20000001 " NONCE "0000000f 00000000 0000 0000",
	  "unsupported AFI 0" },
	{ "EID LCAF type 3", dec_reply,
	  "20000001 " NONCE "0000000f 00180000 0000 4003 00000300 0006 0001 0a000000",
	  "unsupported LCAF type 3" },
	{ "EID IID range", dec_reply,
	  "20000001 " NONCE "0000000f 00180000 0000 4003 00000218 0006 0000002a 0000",
	  "unsupported AFI in LCAF: 0" },
	{ "LCAF longer than the message", dec_reply,
	  "20000001 " NONCE "0000000f 00180000 0000 4003 00000200 00ff 0000002a 0001 0a000000",
	  "short LCAF" },
	{ "LCAF too short for an instance ID and AFI", dec_reply,
	  "20000001 " NONCE "0000000f 00180000 0000 4003 00000200 0004 0000002a 0001 0a000000",
	  "short LCAF" },
	{ "LCAF too short for its address", dec_reply,
	  "20000001 " NONCE "0000000f 00180000 0000 4003 00000200 0008 0000002a 0001 0a00 0000",
	  "short address" },
	{ "IPv4 mask-len 33", dec_reply, "20000001 " NONCE "0000000f 00210000 0000 0001 0a000000",
	  "EID mask-len too long: 33" },
	{ "IPv6 mask-len 129", dec_reply,
	  "20000001 " NONCE "0000000f 00810000 0000 0002 20010db8000000000000000000000000",
	  "EID mask-len too long: 129" },
	{ "record count lies", dec_reply, "20000002 " NONCE V7_RECORD, "short record" },
	{ "33 records", dec_reply, "20000021 " NONCE V7_RECORD, "too many records" },
	{ "9 locators", dec_reply, "20000001 " NONCE "0000000f 09180000 0000 0001 0a000000",
	  "too many locators" },
	{ "locator count lies", dec_reply,
	  "20000001 " NONCE "0000000f 02180000 0000 0001 0a000000 0164ff00 0005 0001 c0000201",
	  "short locator" },
	{ "locator AFI unknown", dec_reply,
	  "20000001 " NONCE "0000000f 01180000 0000 0001 0a000000 0164ff00 0005 0063 c0000201",
	  "unknown AFI 99" },
	{ "9 ITR-RLOCs", dec_request, "10000801 " NONCE "0000", "too many ITR-RLOCs" },
	{ "no IP ITR-RLOC", dec_request,
	  "10000001 " NONCE "0000 4005 020000000001 0020 0001 0a000005",
	  "no IPv4 or IPv6 ITR-RLOC" },
	{ "no record", dec_request, "10000000 " NONCE "0000 0001 c0000201", "no EID record" },
	{ "33 request records", dec_request, "10000021 " NONCE "0000 0001 c0000201",
	  "too many records" },
	{ "request EID AFI 17", dec_request,
	  "10000001 " NONCE "0000 0001 c0000201 0020 0011 6e616d6500", "unknown AFI 17" },
	{ "source EID AFI 17", dec_request, "10000001 " NONCE "0011 6e616d6500",
	  "unknown AFI 17" },
	{ "M without a mapping", dec_request,
	  "14000001 " NONCE "0000 0001 c0000201 0020 0001 0a000005", "short record" },
	{ "auth data over 32", dec_register, "30000000 " NONCE "00020021", 
	  "authentication data too long: 33" },
	{ "auth data short", dec_register, "30000000 " NONCE "00020020 0000",
	  "short authentication data" },
	{ "I without xTR-ID", dec_register, "32000000 " NONCE "00020000 00112233",
	  "short xTR-ID" },
	{ "ECM inner TCP", dec_ecm,
	  "80000000 45000020 00000000 40060000 c0000201 0a000005 ee4810f6 000c0000 10000000",
	  "inner protocol not UDP: 6" },
	{ "ECM inner version 5", dec_ecm,
	  "80000000 55000020 00000000 40110000 c0000201 0a000005 ee4810f6 000c0000 10000000",
	  "inner IP version 5" },
	{ "ECM inner IHL 4", dec_ecm,
	  "80000000 44000020 00000000 40110000 c0000201 0a000005 ee4810f6 000c0000 10000000",
	  "bad inner IPv4 length" },
	{ "ECM inner total length lies", dec_ecm,
	  "80000000 45000030 00000000 40110000 c0000201 0a000005 ee4810f6 000c0000 10000000",
	  "bad inner IPv4 length" },
	{ "ECM inner fragment", dec_ecm,
	  "80000000 45000020 00002000 40110000 c0000201 0a000005 ee4810f6 000c0000 10000000",
	  "inner IPv4 fragment" },
	{ "ECM UDP length 7", dec_ecm,
	  "80000000 45000020 00000000 40110000 c0000201 0a000005 ee4810f6 00070000 10000000",
	  "bad inner UDP length" },
	{ "ECM UDP length past IP", dec_ecm,
	  "80000000 45000020 00000000 40110000 c0000201 0a000005 ee4810f6 000d0000 10000000 00",
	  "bad inner UDP length" },
	{ "ECM inner UDP header cut", dec_ecm,
	  "80000000 45000018 00000000 40110000 c0000201 0a000005 ee4810f6",
	  "short inner UDP header" },
	{ "ECM empty inner message", dec_ecm,
	  "80000000 4500001c 00000000 40110000 c0000201 0a000005 ee4810f6 00080000",
	  "no inner message" },
	{ "ECM IPv6 next header TCP", dec_ecm,
	  "80000000 60000000 000c0640 20010db8000000000000000000000001 "
	  "20010db8000000000000000000000002 ee4810f6 000c0000 10000000",
	  "inner protocol not UDP: 6" },
	{ "ECM IPv6 length lies", dec_ecm,
	  "80000000 60000000 000d1140 20010db8000000000000000000000001 "
	  "20010db8000000000000000000000002 ee4810f6 000c0000 10000000",
	  "bad inner IPv6 length" },
	{ "ECM IPv6 v4-mapped source", dec_ecm,
	  "80000000 60000000 000c1140 00000000000000000000ffffc0000201 "
	  "20010db8000000000000000000000002 ee4810f6 000c0000 10000000",
	  "v4-mapped address in inner IPv6 header" },
};

static void
test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
		const struct refusal *r = &refusals[i];
		uint8_t buf[256];
		size_t n = unit_hex(r->hex, buf, sizeof buf);
		uint8_t *copy = malloc(n ? n : 1);
		const char *why = NULL;

		memcpy(copy, buf, n);
		if (r->decode(copy, n, &why))
			fail_msg("%s: accepted", r->name);
		if (!why || strcmp(why, r->why))
			fail_msg("%s: \"%s\", expected \"%s\"", r->name, why ? why : "(null)",
				 r->why);
		free(copy);
	}
}

/* The reserved bits and fields of every message are ignored on receipt. */
static void
test_reserved_ignored(void **state)
{
	struct lisp_map_reply d;
	uint8_t msg[64];
	size_t n = unit_hex("21ffff01 " NONCE "0000000f 0010efff f0004003 ffff0200 000a0000 "
			    "002a0001 0a090000", msg, sizeof msg);
	const char *why;

	(void)state;
	assert_true(lisp_map_reply_decode(msg, n, &d, &why));
	assert_false(d.probe || d.echo_nonce || d.security);
	assert_int_equal(d.records[0].action, 7);
	assert_false(d.records[0].authoritative);
	assert_int_equal(d.records[0].version, 0);
	assert_prefix(&d.records[0].eid, "[42]10.9.0.0/16");
}

static void
test_bounds(void **state)
{
	struct lisp_map_reply *m = calloc(1, sizeof *m), d;
	/* Each record: header, an IPv6 EID in its LCAF, IPv6 locators. */
	size_t size = 12 + LISP_MAX_RECORDS * (10 + 30 + LISP_MAX_LOCATORS * 24), n;
	uint8_t *buf = malloc(size);
	const char *why;

	(void)state;
	m->n_records = LISP_MAX_RECORDS;
	for (int i = 0; i < LISP_MAX_RECORDS; i++) {
		m->records[i].eid = lisp_prefix_host((uint32_t)i, &(struct in6_addr){ 0 });
		m->records[i].n_locators = LISP_MAX_LOCATORS;
	}
	n = lisp_map_reply_encode(m, buf, size);
	assert_int_equal(n, size);
	assert_true(lisp_map_reply_decode(buf, n, &d, &why));
	assert_int_equal(d.n_records, LISP_MAX_RECORDS);
	assert_int_equal(d.records[31].n_locators, LISP_MAX_LOCATORS);
	assert_int_equal(d.records[31].eid.iid, 31);
	m->records[0].n_locators = LISP_MAX_LOCATORS + 1;
	assert_int_equal(lisp_map_reply_encode(m, buf, size), 0);
	m->records[0].n_locators = 0;
	m->n_records = LISP_MAX_RECORDS + 1;
	assert_int_equal(lisp_map_reply_encode(m, buf, size), 0);
	free(buf);
	free(m);
}

static void
test_msg_type(void **state)
{
	(void)state;
	assert_int_equal(lisp_msg_type((const uint8_t *)"\x80", 1), LISP_ECM);
	assert_int_equal(lisp_msg_type((const uint8_t *)"\x3f", 1), LISP_MAP_REGISTER);
	assert_int_equal(lisp_msg_type((const uint8_t *)"", 0), -1);
}

static const struct {
	const char *in;
	uint32_t default_iid;
	const char *out;      /* NULL: refused. */
} parses[] = {
	{ "[42]10.0.0.0/24", 0, "[42]10.0.0.0/24" },
	{ "10.0.0.0/24", 7, "[7]10.0.0.0/24" },
	{ "2001:db8::/32", 0, "[0]2001:db8::/32" },
	{ "[7]2001:db8::1", 0, "[7]2001:db8::1/128" },
	{ "10.1.2.3", 0, "[0]10.1.2.3/32" },
	{ "10.1.2.3/8", 0, "[0]10.0.0.0/8" },
	{ "[4294967295]0.0.0.0/0", 0, "[4294967295]0.0.0.0/0" },
	{ "::/0", 3, "[3]::/0" },
	{ "[0]2001:db8:ffff::/33", 9, "[0]2001:db8:8000::/33" },
	{ "", 0, NULL },
	{ "garbage", 0, NULL },
	{ "10.0.0.0/33", 0, NULL },
	{ "2001:db8::/129", 0, NULL },
	{ "[4294967296]10.0.0.0/8", 0, NULL },
	{ "[-1]10.0.0.0/8", 0, NULL },
	{ "[]10.0.0.0/8", 0, NULL },
	{ "[x]10.0.0.0/8", 0, NULL },
	{ "[42 10.0.0.0/8", 0, NULL },
	{ "[42]", 0, NULL },
	{ "10.0.0.0/", 0, NULL },
	{ "10.0.0.0/-1", 0, NULL },
	{ "10.0.0.0/ 8", 0, NULL },
	{ "10.0.0.0/24 ", 0, NULL },
	{ "10.0.0/8", 0, NULL },
	{ "10.0.0.0/8/8", 0, NULL },
	{ "2001:db8::1:2:3:4:5:6:7:8:9/64", 0, NULL },
	{ "[1]1111:2222:3333:4444:5555:6666:7777:8888:9999/128", 0, NULL },
	{ "0000:0000:0000:0000:0000:ffff:0a00:0000:0000:0000/8", 0, NULL },
	{ "[000000000000000042]10.0.0.0/8", 0, NULL },
};

static void
test_prefix_parse_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(parses); i++) {
		struct lisp_prefix p, again;
		char buf[LISP_PREFIX_STRLEN];
		bool ok = lisp_prefix_parse(parses[i].in, parses[i].default_iid, &p);

		if (ok != (parses[i].out != NULL))
			fail_msg("\"%s\": %s", parses[i].in, ok ? "accepted" : "refused");
		if (!ok)
			continue;
		assert_string_equal(lisp_prefix_format(&p, buf), parses[i].out);
		assert_true(lisp_prefix_parse(buf, 12345, &again));
		assert_true(lisp_prefix_equal(&p, &again));
	}
}

static void
test_prefix_normalize(void **state)
{
	struct lisp_prefix p = { .plen = 9, .addr = ip("10.255.255.255") };

	(void)state;
	assert_true(lisp_prefix_normalize(&p));
	assert_addr(&p.addr, "10.128.0.0");
	p.plen = 0;
	assert_true(lisp_prefix_normalize(&p));
	assert_addr(&p.addr, "0.0.0.0");
	assert_true(lisp_prefix_is_v4(&p));
	p.plen = 33;
	assert_false(lisp_prefix_normalize(&p));
	p = (struct lisp_prefix){ .plen = 127, .addr = ip("2001:db8::ffff") };
	assert_true(lisp_prefix_normalize(&p));
	assert_addr(&p.addr, "2001:db8::fffe");
	p.plen = 128;
	assert_true(lisp_prefix_normalize(&p));
	assert_addr(&p.addr, "2001:db8::fffe");
	p.plen = 129;
	assert_false(lisp_prefix_normalize(&p));
}

static void
test_prefix_contains_equal_host(void **state)
{
	struct lisp_prefix p = pfx("[42]10.0.0.0/25"), any4 = pfx("0.0.0.0/0"),
			   any6 = pfx("::/0"), v6 = pfx("[5]2001:db8::/33");
	struct in6_addr a = ip("10.0.0.127"), b = ip("10.0.0.128"), c = ip("2001:db8:7fff::1"),
			d = ip("2001:db8:8000::1");
	struct lisp_prefix h = lisp_prefix_host(42, &a), h6 = lisp_prefix_host(5, &c);

	(void)state;
	assert_true(lisp_prefix_contains(&p, 42, &a));
	assert_false(lisp_prefix_contains(&p, 41, &a));
	assert_false(lisp_prefix_contains(&p, 42, &b));
	assert_true(lisp_prefix_contains(&any4, 0, &b));
	assert_false(lisp_prefix_contains(&any4, 0, &c));
	assert_true(lisp_prefix_contains(&any6, 0, &c));
	assert_false(lisp_prefix_contains(&any6, 0, &a));
	assert_true(lisp_prefix_contains(&v6, 5, &c));
	assert_false(lisp_prefix_contains(&v6, 5, &d));
	assert_prefix(&h, "[42]10.0.0.127/32");
	assert_true(lisp_prefix_contains(&h, 42, &a));
	assert_false(lisp_prefix_contains(&h, 42, &b));
	assert_prefix(&h6, "[5]2001:db8:7fff::1/128");
	assert_true(lisp_prefix_equal(&p, &(struct lisp_prefix){ 42, 25, ip("10.0.0.0") }));
	assert_false(lisp_prefix_equal(&p, &(struct lisp_prefix){ 43, 25, ip("10.0.0.0") }));
	assert_false(lisp_prefix_equal(&p, &(struct lisp_prefix){ 42, 24, ip("10.0.0.0") }));
	assert_false(lisp_prefix_equal(&p, &(struct lisp_prefix){ 42, 25, ip("10.0.1.0") }));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_vector4),
		cmocka_unit_test(test_notify_vector5),
		cmocka_unit_test(test_register_flags_xtr_id),
		cmocka_unit_test(test_ecm_vector6),
		cmocka_unit_test(test_ecm_ipv6_flags),
		cmocka_unit_test(test_negative_reply_vector7),
		cmocka_unit_test(test_reply_flags),
		cmocka_unit_test(test_request_ipv6),
		cmocka_unit_test(test_request_flags_mapping),
		cmocka_unit_test(test_reply_liberal),
		cmocka_unit_test(test_request_liberal),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_reserved_ignored),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_msg_type),
		cmocka_unit_test(test_prefix_parse_format),
		cmocka_unit_test(test_prefix_normalize),
		cmocka_unit_test(test_prefix_contains_equal_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

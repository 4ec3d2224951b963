/*
 * Unit tests for flow.c (flow_extract): a table of crafted packets, each with the exact key it
 * must give (every field not named must be zero), then every truncation of full packets. Packet
 * bytes are copied into a buffer of exactly their size, so that ASan catches any read past the
 * end, which the roomy packet buffer would hide.
 */
#include "unit.h"

#include <arpa/inet.h>

#include "flow.h"
#include "pkt.h"

#define IN_PORT 3

/* Destination and source MAC of every vector. */
#define ETH "020000000002 020000000001 "
static const uint8_t eth_dst[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t eth_src[6] = { 2, 0, 0, 0, 0, 1 };

#define V6_SRC "20010db8 00000000 00000000 00000001 "
#define V6_DST "20010db8 00000000 00000000 00000002 "

struct vec {
	const char *name;
	const char *hex;
	/* Expected key; MACs are eth_dst/eth_src as far as the packet has them. */
	uint16_t dl_type, vlan_tci;     /* Host order; vlan_tci includes VLAN_CFI. */
	const char *nw_src, *nw_dst;    /* IPv4 (or ARP SPA/TPA) or IPv6 text; NULL: zero. */
	const char *arp_sha, *arp_tha;
	uint8_t nw_proto, nw_tos, nw_ttl, nw_frag;
	uint16_t tp_src, tp_dst;        /* Host order. */
};

#define ANY FLOW_NW_FRAG_ANY
#define LATER (FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER)

static const struct vec vectors[] = {
	{ "tcp/ipv4",
	  ETH "0800 4510 0028 1234 0000 4006 0000 0a000001 0a000002"
	  " 3039 0050 00000001 00000000 5002 ffff 0000 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 6,
	  .nw_tos = 0x10, .nw_ttl = 64, .tp_src = 12345, .tp_dst = 80 },
	{ "udp/ipv4, DF set (not a fragment)",
	  ETH "0800 4500 001c 0001 4000 0111 0000 c0a80101 e0000001 0035 1f90 0008 0000",
	  .dl_type = 0x0800, .nw_src = "192.168.1.1", .nw_dst = "224.0.0.1", .nw_proto = 17,
	  .nw_ttl = 1, .tp_src = 53, .tp_dst = 8080 },
	{ "udp/ipv4 with 4 bytes of options",
	  ETH "0800 4600 0020 0001 0000 4011 0000 0a000001 0a000002 01010100"
	  " 1234 5678 0008 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 17,
	  .nw_ttl = 64, .tp_src = 0x1234, .tp_dst = 0x5678 },
	{ "ipv4 first fragment (MF, offset 0)",
	  ETH "0800 4500 0024 0001 2000 4011 0000 0a000001 0a000002 1111 2222 0010 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 17,
	  .nw_ttl = 64, .nw_frag = ANY, .tp_src = 0x1111, .tp_dst = 0x2222 },
	{ "ipv4 first fragment with DF and MF",
	  ETH "0800 4500 0024 0001 6000 4011 0000 0a000001 0a000002 1111 2222 0010 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 17,
	  .nw_ttl = 64, .nw_frag = ANY, .tp_src = 0x1111, .tp_dst = 0x2222 },
	{ "ipv4 middle fragment (MF, offset 185): no ports",
	  ETH "0800 4500 0024 0001 20b9 4011 0000 0a000001 0a000002 1111 2222 0010 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 17,
	  .nw_ttl = 64, .nw_frag = LATER },
	{ "ipv4 fragment with only the top offset bit (offset 4096)",
	  ETH "0800 4500 0024 0001 1000 4011 0000 0a000001 0a000002 1111 2222 0010 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 17,
	  .nw_ttl = 64, .nw_frag = LATER },
	{ "ipv4 last fragment (offset 1)",
	  ETH "0800 4500 0024 0001 0001 4006 0000 0a000001 0a000002 1111 2222 0010 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 6,
	  .nw_ttl = 64, .nw_frag = LATER },
	{ "icmp echo request",
	  ETH "0800 4500 001c 0001 0000 4001 0000 0a000001 0a000002 0800 f7ff 0000 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 1,
	  .nw_ttl = 64, .tp_src = 8, .tp_dst = 0 },
	{ "icmp port unreachable",
	  ETH "0800 4500 001c 0001 0000 4001 0000 0a000001 0a000002 0303 0000 0000 0000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 1,
	  .nw_ttl = 64, .tp_src = 3, .tp_dst = 3 },
	{ "sctp/ipv4",
	  ETH "0800 4500 0020 0001 0000 4084 0000 0a000001 0a000002 0b59 0b5a 00000000 00000000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 132,
	  .nw_ttl = 64, .tp_src = 2905, .tp_dst = 2906 },
	{ "ipv4, L4 header cut to 3 bytes: no ports",
	  ETH "0800 4500 0017 0001 0000 4006 0000 0a000001 0a000002 3039 00",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 6,
	  .nw_ttl = 64 },
	{ "ipv4, other protocol (gre): no ports",
	  ETH "0800 4500 0020 0001 0000 402f 0000 0a000001 0a000002 0000 0800 00000000",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 47,
	  .nw_ttl = 64 },
	{ "802.1Q tag, PCP 3 VID 100, udp/ipv4",
	  ETH "8100 6064 0800 4500 001c 0001 0000 4011 0000 0a000001 0a000002"
	  " 0035 0035 0008 0000",
	  .dl_type = 0x0800, .vlan_tci = 0x6064 | VLAN_CFI, .nw_src = "10.0.0.1",
	  .nw_dst = "10.0.0.2", .nw_proto = 17, .nw_ttl = 64, .tp_src = 53, .tp_dst = 53 },
	{ "priority tag (VID 0)",
	  ETH "8100 a000 0806 0001 0800 0604 0001 020000000001 0a000001 000000000000 0a000002",
	  .dl_type = 0x0806, .vlan_tci = 0xa000 | VLAN_CFI, .nw_src = "10.0.0.1",
	  .nw_dst = "10.0.0.2", .arp_sha = "02:00:00:00:00:01", .nw_proto = 1 },
	{ "QinQ: outer tag only, inner type is the ethertype",
	  ETH "88a8 000a 8100 0064 0800 4500 001c 0001 0000 4011 0000 0a000001 0a000002"
	  " 0035 0035 0008 0000",
	  .dl_type = 0x8100, .vlan_tci = 0x000a | VLAN_CFI },
	{ "802.1Q tag cut before the inner type",
	  ETH "8100 0064 08", },
	{ "tcp/ipv6, traffic class b8, flow label",
	  ETH "86dd 6b8a bcde 0014 0640 " V6_SRC V6_DST
	  "3039 0050 00000001 00000000 5002 ffff 0000 0000",
	  .dl_type = 0x86dd, .nw_src = "2001:db8::1", .nw_dst = "2001:db8::2", .nw_proto = 6,
	  .nw_tos = 0xb8, .nw_ttl = 64, .tp_src = 12345, .tp_dst = 80 },
	{ "udp/ipv6 after hop-by-hop and destination options",
	  ETH "86dd 6000 0000 0020 00ff " V6_SRC V6_DST
	  "3c00 0104 0000 0000 1101 010c 00000000 00000000 00000000 0035 0222 0008 0000",
	  .dl_type = 0x86dd, .nw_src = "2001:db8::1", .nw_dst = "2001:db8::2", .nw_proto = 17,
	  .nw_ttl = 255, .tp_src = 53, .tp_dst = 546 },
	{ "icmpv6 echo after a routing header",
	  ETH "86dd 6000 0000 0010 2b40 " V6_SRC V6_DST
	  "3a00 0400 0000 0000 8000 0000 0000 0001",
	  .dl_type = 0x86dd, .nw_src = "2001:db8::1", .nw_dst = "2001:db8::2", .nw_proto = 58,
	  .nw_ttl = 64, .tp_src = 128, .tp_dst = 0 },
	{ "icmpv6 neighbor solicitation",
	  ETH "86dd 6000 0000 0018 3aff " V6_SRC
	  "ff020000 00000000 00000001 ff000002"
	  " 8700 0000 00000000 20010db8 00000000 00000000 00000002",
	  .dl_type = 0x86dd, .nw_src = "2001:db8::1", .nw_dst = "ff02::1:ff00:2", .nw_proto = 58,
	  .nw_ttl = 255, .tp_src = 135, .tp_dst = 0 },
	{ "ipv6 first fragment: ports",
	  ETH "86dd 6000 0000 0010 2c40 " V6_SRC V6_DST "1100 0001 12345678 1111 2222 0010 0000",
	  .dl_type = 0x86dd, .nw_src = "2001:db8::1", .nw_dst = "2001:db8::2", .nw_proto = 17,
	  .nw_ttl = 64, .nw_frag = ANY, .tp_src = 0x1111, .tp_dst = 0x2222 },
	{ "ipv6 later fragment (offset 181): protocol, no ports",
	  ETH "86dd 6000 0000 0010 2c40 " V6_SRC V6_DST "1100 05a8 12345678 1111 2222 0010 0000",
	  .dl_type = 0x86dd, .nw_src = "2001:db8::1", .nw_dst = "2001:db8::2", .nw_proto = 17,
	  .nw_ttl = 64, .nw_frag = LATER },
	{ "ipv6 hop-by-hop longer than the packet: no protocol",
	  ETH "86dd 6000 0000 0010 0040 " V6_SRC V6_DST "1101 0000 0000 0000",
	  .dl_type = 0x86dd, .nw_src = "2001:db8::1", .nw_dst = "2001:db8::2", .nw_ttl = 64 },
	{ "ipv6 fragment header cut short",
	  ETH "86dd 6000 0000 0010 2c40 " V6_SRC V6_DST "1100 0001 1234",
	  .dl_type = 0x86dd, .nw_src = "2001:db8::1", .nw_dst = "2001:db8::2", .nw_ttl = 64 },
	{ "ipv6 header cut short: nothing past the ethertype",
	  ETH "86dd 6000 0000 0010 0640 " V6_SRC "20010db8",
	  .dl_type = 0x86dd },
	{ "ipv6 ethertype, version 4 inside",
	  ETH "86dd 4000 0000 0010 0640 " V6_SRC V6_DST "3039 0050 00000001",
	  .dl_type = 0x86dd },
	{ "arp request",
	  ETH "0806 0001 0800 0604 0001 020000000001 0a000001 000000000000 0a000002",
	  .dl_type = 0x0806, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2",
	  .arp_sha = "02:00:00:00:00:01", .nw_proto = 1 },
	{ "arp reply",
	  ETH "0806 0001 0800 0604 0002 020000000002 0a000002 020000000001 0a000001",
	  .dl_type = 0x0806, .nw_src = "10.0.0.2", .nw_dst = "10.0.0.1",
	  .arp_sha = "02:00:00:00:00:02", .arp_tha = "02:00:00:00:00:01", .nw_proto = 2 },
	{ "arp over another hardware type: no fields",
	  ETH "0806 0006 0800 0604 0001 020000000001 0a000001 000000000000 0a000002",
	  .dl_type = 0x0806 },
	{ "arp cut to 27 bytes: no fields",
	  ETH "0806 0001 0800 0604 0001 020000000001 0a000001 000000000000 0a0000",
	  .dl_type = 0x0806 },
	{ "ipv4 ethertype, version 6 inside",
	  ETH "0800 6500 001c 0001 0000 4011 0000 0a000001 0a000002 0035 0035 0008 0000",
	  .dl_type = 0x0800 },
	{ "ipv4 IHL 4 (below the minimum)",
	  ETH "0800 4400 001c 0001 0000 4011 0000 0a000001 0a000002 0035 0035 0008 0000",
	  .dl_type = 0x0800 },
	{ "ipv4 IHL 15, only 28 bytes",
	  ETH "0800 4f00 001c 0001 0000 4011 0000 0a000001 0a000002 0035 0035 0008 0000",
	  .dl_type = 0x0800 },
	{ "lldp: ethertype only", ETH "88cc 0207 0402 0000 0000 0001", .dl_type = 0x88cc },
	{ "runt: 13 bytes", ETH "08" },
	{ "runt: 7 bytes", "020000000002 02" },
	{ "empty", "" },
};

/* --- Expected keys. --- */

static void
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		fail_msg("bad MAC \"%s\" in a vector", s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
}

static void
parse_addr(const char *s, uint32_t *v4, struct in6_addr *v6)
{
	if (strchr(s, ':') ? inet_pton(AF_INET6, s, v6) != 1 : inet_pton(AF_INET, s, v4) != 1)
		fail_msg("bad address \"%s\" in a vector", s);
}

static void
expected_flow(const struct vec *v, size_t size, struct flow *f)
{
	memset(f, 0, sizeof *f);
	f->in_port = IN_PORT;
	if (size >= 6)
		memcpy(f->dl_dst, eth_dst, 6);
	if (size >= 12)
		memcpy(f->dl_src, eth_src, 6);
	f->dl_type = htons(v->dl_type);
	f->vlan_tci = htons(v->vlan_tci);
	if (v->nw_src)
		parse_addr(v->nw_src, &f->nw_src, &f->ipv6_src);
	if (v->nw_dst)
		parse_addr(v->nw_dst, &f->nw_dst, &f->ipv6_dst);
	if (v->arp_sha)
		parse_mac(v->arp_sha, f->arp_sha);
	if (v->arp_tha)
		parse_mac(v->arp_tha, f->arp_tha);
	f->nw_proto = v->nw_proto;
	f->nw_tos = v->nw_tos;
	f->nw_ttl = v->nw_ttl;
	f->nw_frag = v->nw_frag;
	f->tp_src = htons(v->tp_src);
	f->tp_dst = htons(v->tp_dst);
}

/* Every member of struct flow, in order. */
#define FIELD(f) { #f, offsetof(struct flow, f), sizeof ((struct flow *)0)->f }
static const struct {
	const char *name;
	size_t ofs, size;
} fields[] = {
	FIELD(tun_id), FIELD(tun_src), FIELD(tun_dst), FIELD(tun_ipv6_src), FIELD(tun_ipv6_dst),
	FIELD(in_port), FIELD(dl_dst), FIELD(dl_src), FIELD(dl_type), FIELD(vlan_tci),
	FIELD(nw_src), FIELD(nw_dst), FIELD(ipv6_src), FIELD(ipv6_dst), FIELD(arp_sha),
	FIELD(arp_tha), FIELD(nw_proto), FIELD(nw_tos), FIELD(nw_ttl), FIELD(nw_frag),
	FIELD(tp_src), FIELD(tp_dst),
};
#undef FIELD

/* Prints the fields that differ, for a readable failure. */
static void
diff_flows(const struct flow *got, const struct flow *want)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const uint8_t *g = (const uint8_t *)got + fields[i].ofs;
		const uint8_t *w = (const uint8_t *)want + fields[i].ofs;

		if (memcmp(g, w, fields[i].size)) {
			print_error("  %s: got", fields[i].name);
			for (size_t j = 0; j < fields[i].size; j++)
				print_error(" %02x", g[j]);
			print_error(", want");
			for (size_t j = 0; j < fields[i].size; j++)
				print_error(" %02x", w[j]);
			print_error("\n");
		}
	}
}

/*
 * Runs flow_extract on 'size' bytes held in a buffer of exactly that size, with tunnel metadata
 * 'tun' (NULL: none).
 */
static void
extract_tun(const uint8_t *bytes, size_t size, const struct pkt_tunnel *tun, struct flow *flow)
{
	struct pkt *pkt = pkt_alloc();
	uint8_t *exact = malloc(size ? size : 1), *saved = pkt->data;

	memcpy(exact, bytes, size);
	pkt->data = exact;
	pkt->size = (uint32_t)size;
	pkt->in_port = IN_PORT;
	if (tun)
		pkt->tun = *tun;
	memset(flow, 0xa5, sizeof *flow);   /* flow_extract must clear what it does not set. */
	flow_extract(pkt, flow);
	pkt->data = saved;
	pkt_free(pkt);
	free(exact);
}

static void
extract(const uint8_t *bytes, size_t size, struct flow *flow)
{
	extract_tun(bytes, size, NULL, flow);
}

static void
check_vectors(const struct vec *v, size_t n)
{
	int failures = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t bytes[256];
		size_t size = unit_hex(v[i].hex, bytes, sizeof bytes);
		struct flow got, want;

		expected_flow(&v[i], size, &want);
		extract(bytes, size, &got);
		if (!flow_equal(&got, &want)) {
			print_error("vector \"%s\":\n", v[i].name);
			diff_flows(&got, &want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void
test_vectors(void **state)
{
	(void)state;
	check_vectors(vectors, sizeof vectors / sizeof vectors[0]);
}

/*
 * Every prefix of a full TCP/IPv4 packet: no crash, no read past the end, and each field set
 * exactly when its whole header is inside the prefix.
 */
static void
check_truncations(const char *hex, size_t l3_end, size_t l4_ports_end)
{
	uint8_t bytes[256];
	size_t size = unit_hex(hex, bytes, sizeof bytes);
	struct flow full;

	extract(bytes, size, &full);
	for (size_t cut = 0; cut <= size; cut++) {
		struct flow got, want;

		memset(&want, 0, sizeof want);
		want.in_port = IN_PORT;
		if (cut >= 6)
			memcpy(want.dl_dst, full.dl_dst, 6);
		if (cut >= 12)
			memcpy(want.dl_src, full.dl_src, 6);
		if (cut >= 14)
			want.dl_type = full.dl_type;
		if (cut >= l3_end) {
			want.nw_src = full.nw_src;
			want.nw_dst = full.nw_dst;
			want.ipv6_src = full.ipv6_src;
			want.ipv6_dst = full.ipv6_dst;
			want.nw_proto = full.nw_proto;
			want.nw_tos = full.nw_tos;
			want.nw_ttl = full.nw_ttl;
		}
		if (cut >= l4_ports_end) {
			want.tp_src = full.tp_src;
			want.tp_dst = full.tp_dst;
		}
		extract(bytes, cut, &got);
		if (!flow_equal(&got, &want)) {
			diff_flows(&got, &want);
			fail_msg("cut at %zu of %zu", cut, size);
		}
	}
	/* Guard against a vacuous pass: the full packet really has every layer. */
	assert_int_not_equal(full.nw_src | full.ipv6_src.s6_addr[0], 0);
	assert_int_not_equal(full.tp_src, 0);
	assert_int_not_equal(full.tp_dst, 0);
}

static void
test_truncation_tcp4(void **state)
{
	(void)state;
	check_truncations(vectors[0].hex, 14 + 20, 14 + 20 + 4);
}

static void
test_truncation_tcp6(void **state)
{
	(void)state;
	check_truncations(ETH "86dd 6b8a bcde 0014 0640 " V6_SRC V6_DST
			  "3039 0050 00000001 00000000 5002 ffff 0000 0000",
			  14 + 40, 14 + 40 + 4);
}

/* Every prefix of every vector: flow_extract must neither crash nor read past the end. */
static void
test_truncation_all_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		uint8_t bytes[256];
		size_t size = unit_hex(vectors[i].hex, bytes, sizeof bytes);

		for (size_t cut = 0; cut <= size; cut++) {
			struct flow f;

			extract(bytes, cut, &f);
			assert_int_equal(f.in_port, IN_PORT);
			assert_int_equal(f.tun_id, 0);
		}
	}
}

/* The key has no padding: each member starts where the one before ends, the last ends the
 * struct, so every byte hashed and compared as words is a field. */
static void
test_no_padding(void **state)
{
	size_t end = 0;

	(void)state;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		assert_int_equal(fields[i].ofs, end);
		end += fields[i].size;
	}
	assert_int_equal(end, sizeof(struct flow));
}

/* Equal packets give equal keys and hashes; one changed field changes both. */
static void
test_hash_equal(void **state)
{
	uint8_t bytes[256];
	size_t size = unit_hex(vectors[0].hex, bytes, sizeof bytes);
	struct flow a, b;

	(void)state;
	extract(bytes, size, &a);
	extract(bytes, size, &b);
	assert_true(flow_equal(&a, &b));
	assert_int_equal(flow_hash(&a, 0), flow_hash(&b, 0));
	assert_int_not_equal(flow_hash(&a, 0), flow_hash(&a, 1));
	bytes[size - 20 + 3] ^= 1;  /* TCP destination port 80 -> 81. */
	extract(bytes, size, &b);
	assert_false(flow_equal(&a, &b));
	assert_int_equal(ntohs(b.tp_dst), 81);
	assert_int_not_equal(flow_hash(&a, 0), flow_hash(&b, 0));
}

/* Tunnel metadata is copied into the key (tun_id in network order), even for a runt. */
static void
test_tunnel_metadata(void **state)
{
	struct pkt_tunnel tun = { .id = 0x0000000000abcdefull, .ipv4_src = htonl(0xc0000201),
				  .ipv4_dst = htonl(0xc0000202) };
	uint8_t bytes[256];
	size_t size = unit_hex(vectors[0].hex, bytes, sizeof bytes);
	struct flow plain, f;

	(void)state;
	inet_pton(AF_INET6, "2001:db8::a", &tun.ipv6_src);
	inet_pton(AF_INET6, "2001:db8::b", &tun.ipv6_dst);
	extract(bytes, size, &plain);
	for (size_t cut = 0; cut <= size; cut += size) {
		extract_tun(bytes, cut, &tun, &f);
		assert_memory_equal(&f.tun_id, "\0\0\0\0\0\xab\xcd\xef", 8);
		assert_int_equal(f.tun_src, htonl(0xc0000201));
		assert_int_equal(f.tun_dst, htonl(0xc0000202));
		assert_memory_equal(&f.tun_ipv6_src, &tun.ipv6_src, 16);
		assert_memory_equal(&f.tun_ipv6_dst, &tun.ipv6_dst, 16);
	}
	/* Apart from the metadata, the key is the one without a tunnel. */
	memset(&f.tun_id, 0, offsetof(struct flow, in_port));
	assert_true(flow_equal(&f, &plain));
}

/*
 * The IPv4 total length bounds L4. Here the datagram is 20 bytes (a
 * bare header, protocol TCP) and the frame is padded to the Ethernet minimum with nonzero bytes,
 * which must not be read as TCP ports.
 */
static const struct vec padding_vectors[] = {
	{ "ipv4 total length 20: Ethernet padding is not L4",
	  ETH "0800 4500 0014 0001 0000 4006 0000 0a000001 0a000002"
	  " 3039 0050 aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa",
	  .dl_type = 0x0800, .nw_src = "10.0.0.1", .nw_dst = "10.0.0.2", .nw_proto = 6,
	  .nw_ttl = 64 },
};

static void
test_ipv4_total_length(void **state)
{
	(void)state;
	check_vectors(padding_vectors, sizeof padding_vectors / sizeof padding_vectors[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_truncation_tcp4),
		cmocka_unit_test(test_truncation_tcp6),
		cmocka_unit_test(test_truncation_all_vectors),
		cmocka_unit_test(test_no_padding),
		cmocka_unit_test(test_hash_equal),
		cmocka_unit_test(test_tunnel_metadata),
		cmocka_unit_test(test_ipv4_total_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

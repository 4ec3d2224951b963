#include "field.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "util.h"

#define OFS(member) ((uint16_t)offsetof(struct flow, member))
#define SIZE(member) ((uint8_t)sizeof(((struct flow *)0)->member))

/* Rows for fields kept whole in a flow member. */
#define PLAIN(member_, syn_) \
	.syntax = syn_, .store = FIELD_ST_BYTES, .size = SIZE(member_), \
	.n_bits = SIZE(member_) * 8, .ofs = OFS(member_), .matchable = true

/* Rows for an integer of 'size_' bytes kept in a member of another width. */
#define RESIZED(member_, size_, syn_) \
	.syntax = syn_, .store = FIELD_ST_RESIZE, .size = size_, .n_bits = size_ * 8, \
	.ofs = OFS(member_), .st_size = SIZE(member_), .matchable = true

/* Rows for a few bits of a member. */
#define BITS(member_, size_, bits_, shift_, present_) \
	.syntax = FIELD_SYN_DEC, .store = FIELD_ST_BITS, .size = size_, .n_bits = size_ * 8, \
	.ofs = OFS(member_), .st_size = SIZE(member_), .bits = bits_, .shift = shift_, \
	.present = present_

/* Layer-4 ports: the generic name, then per-protocol OXM names with their NXM names. */
#define L4_PORT(id_, name_, member_, nxm_, pre_, mod_) \
	[FIELD_##id_] = { FIELD_##id_, name_, { NULL }, nxm_, PLAIN(member_, FIELD_SYN_DEC), \
	                  .maskable = true, .settable = true, .match_pre = FIELD_PRE_L4, \
	                  .action_pre = pre_, .mod_action = mod_ }

/* ICMP type and code: one byte kept in a 16-bit port member. */
#define ICMP(id_, name_, alias_, member_, nxm_, pre_) \
	[FIELD_##id_] = { FIELD_##id_, name_, { alias_ }, nxm_, \
	                  RESIZED(member_, 1, FIELD_SYN_DEC), .settable = true, \
	                  .match_pre = FIELD_PRE_L4, .action_pre = pre_ }

static const struct field_desc fields[FIELD_N] = {
	[FIELD_IN_PORT] = { FIELD_IN_PORT, "in_port", { NULL }, "NXM_OF_IN_PORT",
		.syntax = FIELD_SYN_PORT, .store = FIELD_ST_HOST32, .size = 2, .n_bits = 16,
		.ofs = OFS(in_port), .matchable = true, .settable = true },
	[FIELD_ETH_SRC] = { FIELD_ETH_SRC, "dl_src", { "eth_src" }, "NXM_OF_ETH_SRC",
		PLAIN(dl_src, FIELD_SYN_MAC), .maskable = true, .settable = true,
		.mod_action = "mod_dl_src" },
	[FIELD_ETH_DST] = { FIELD_ETH_DST, "dl_dst", { "eth_dst" }, "NXM_OF_ETH_DST",
		PLAIN(dl_dst, FIELD_SYN_MAC), .maskable = true, .settable = true,
		.mod_action = "mod_dl_dst" },
	[FIELD_ETH_TYPE] = { FIELD_ETH_TYPE, "dl_type", { "eth_type" }, "NXM_OF_ETH_TYPE",
		PLAIN(dl_type, FIELD_SYN_HEX4) },
	[FIELD_VLAN_TCI] = { FIELD_VLAN_TCI, "vlan_tci", { NULL }, "NXM_OF_VLAN_TCI",
		PLAIN(vlan_tci, FIELD_SYN_HEX4), .maskable = true, .settable = true },
	[FIELD_DL_VLAN] = { FIELD_DL_VLAN, "dl_vlan", { NULL }, NULL,
		BITS(vlan_tci, 2, VLAN_VID_MASK, 0, VLAN_CFI), .matchable = true,
		.settable = true, .action_pre = FIELD_PRE_VLAN, .mod_action = "mod_vlan_vid" },
	/* OXM's vlan_vid: the VID with the CFI bit standing for "a tag is present". */
	[FIELD_VLAN_VID] = { FIELD_VLAN_VID, "vlan_vid", { NULL }, NULL,
		BITS(vlan_tci, 2, VLAN_CFI | VLAN_VID_MASK, 0, 0), .matchable = true,
		.maskable = true, .settable = true,
		.action_pre = FIELD_PRE_VLAN, .mod_action = "mod_vlan_vid" },
	[FIELD_DL_VLAN_PCP] = { FIELD_DL_VLAN_PCP, "dl_vlan_pcp", { "vlan_pcp" }, NULL,
		BITS(vlan_tci, 1, 0xe000, VLAN_PCP_SHIFT, VLAN_CFI), .matchable = true,
		.settable = true, .action_pre = FIELD_PRE_VLAN, .mod_action = "mod_vlan_pcp" },
	[FIELD_NW_SRC] = { FIELD_NW_SRC, "nw_src", { "ip_src" }, "NXM_OF_IP_SRC",
		PLAIN(nw_src, FIELD_SYN_IPV4), .maskable = true, .settable = true,
		.match_pre = FIELD_PRE_L3, .action_pre = FIELD_PRE_IPV4,
		.mod_action = "mod_nw_src" },
	[FIELD_NW_DST] = { FIELD_NW_DST, "nw_dst", { "ip_dst" }, "NXM_OF_IP_DST",
		PLAIN(nw_dst, FIELD_SYN_IPV4), .maskable = true, .settable = true,
		.match_pre = FIELD_PRE_L3, .action_pre = FIELD_PRE_IPV4,
		.mod_action = "mod_nw_dst" },
	[FIELD_ARP_SPA] = { FIELD_ARP_SPA, "arp_spa", { NULL }, "NXM_OF_ARP_SPA",
		PLAIN(nw_src, FIELD_SYN_IPV4), .maskable = true, .settable = true,
		.match_pre = FIELD_PRE_L3, .action_pre = FIELD_PRE_ARP },
	[FIELD_ARP_TPA] = { FIELD_ARP_TPA, "arp_tpa", { NULL }, "NXM_OF_ARP_TPA",
		PLAIN(nw_dst, FIELD_SYN_IPV4), .maskable = true, .settable = true,
		.match_pre = FIELD_PRE_L3, .action_pre = FIELD_PRE_ARP },
	[FIELD_IPV6_SRC] = { FIELD_IPV6_SRC, "ipv6_src", { NULL }, "NXM_NX_IPV6_SRC",
		PLAIN(ipv6_src, FIELD_SYN_IPV6), .maskable = true, .settable = true,
		.match_pre = FIELD_PRE_IPV6, .action_pre = FIELD_PRE_IPV6 },
	[FIELD_IPV6_DST] = { FIELD_IPV6_DST, "ipv6_dst", { NULL }, "NXM_NX_IPV6_DST",
		PLAIN(ipv6_dst, FIELD_SYN_IPV6), .maskable = true, .settable = true,
		.match_pre = FIELD_PRE_IPV6, .action_pre = FIELD_PRE_IPV6 },
	[FIELD_NW_PROTO] = { FIELD_NW_PROTO, "nw_proto", { "ip_proto" }, "NXM_OF_IP_PROTO",
		PLAIN(nw_proto, FIELD_SYN_DEC), .match_pre = FIELD_PRE_IP_OR_ARP,
		.action_pre = FIELD_PRE_IP_ANY },
	[FIELD_ARP_OP] = { FIELD_ARP_OP, "arp_op", { NULL }, "NXM_OF_ARP_OP",
		RESIZED(nw_proto, 2, FIELD_SYN_DEC), .settable = true,
		.match_pre = FIELD_PRE_IP_OR_ARP, .action_pre = FIELD_PRE_ARP },
	[FIELD_NW_TOS] = { FIELD_NW_TOS, "nw_tos", { NULL }, "NXM_OF_IP_TOS",
		BITS(nw_tos, 1, 0xfc, 0, 0), .matchable = true, .settable = true,
		.match_pre = FIELD_PRE_IP_ANY, .action_pre = FIELD_PRE_IP_ANY,
		.mod_action = "mod_nw_tos" },
	[FIELD_IP_DSCP] = { FIELD_IP_DSCP, "ip_dscp", { NULL }, NULL,
		BITS(nw_tos, 1, 0xfc, 2, 0), .matchable = true, .settable = true,
		.match_pre = FIELD_PRE_IP_ANY, .action_pre = FIELD_PRE_IP_ANY,
		.mod_action = "mod_nw_tos" },
	[FIELD_NW_TTL] = { FIELD_NW_TTL, "nw_ttl", { NULL }, "NXM_NX_IP_TTL",
		PLAIN(nw_ttl, FIELD_SYN_DEC), .settable = true,
		.match_pre = FIELD_PRE_IP_ANY, .action_pre = FIELD_PRE_IP_ANY },
	L4_PORT(TP_SRC, "tp_src", tp_src, NULL, FIELD_PRE_PORTS, "mod_tp_src"),
	L4_PORT(TP_DST, "tp_dst", tp_dst, NULL, FIELD_PRE_PORTS, "mod_tp_dst"),
	L4_PORT(TCP_SRC, "tcp_src", tp_src, "NXM_OF_TCP_SRC", FIELD_PRE_TCP, "mod_tp_src"),
	L4_PORT(TCP_DST, "tcp_dst", tp_dst, "NXM_OF_TCP_DST", FIELD_PRE_TCP, "mod_tp_dst"),
	L4_PORT(UDP_SRC, "udp_src", tp_src, "NXM_OF_UDP_SRC", FIELD_PRE_UDP, "mod_tp_src"),
	L4_PORT(UDP_DST, "udp_dst", tp_dst, "NXM_OF_UDP_DST", FIELD_PRE_UDP, "mod_tp_dst"),
	L4_PORT(SCTP_SRC, "sctp_src", tp_src, NULL, FIELD_PRE_SCTP, "mod_tp_src"),
	L4_PORT(SCTP_DST, "sctp_dst", tp_dst, NULL, FIELD_PRE_SCTP, "mod_tp_dst"),
	ICMP(ICMP_TYPE, "icmp_type", NULL, tp_src, "NXM_OF_ICMP_TYPE", FIELD_PRE_ICMPV4),
	ICMP(ICMP_CODE, "icmp_code", NULL, tp_dst, "NXM_OF_ICMP_CODE", FIELD_PRE_ICMPV4),
	ICMP(ICMPV6_TYPE, "icmpv6_type", NULL, tp_src, "NXM_NX_ICMPV6_TYPE", FIELD_PRE_ICMPV6),
	ICMP(ICMPV6_CODE, "icmpv6_code", NULL, tp_dst, "NXM_NX_ICMPV6_CODE", FIELD_PRE_ICMPV6),
	[FIELD_ARP_SHA] = { FIELD_ARP_SHA, "arp_sha", { NULL }, "NXM_NX_ARP_SHA",
		PLAIN(arp_sha, FIELD_SYN_MAC), .maskable = true, .settable = true,
		.match_pre = FIELD_PRE_ARP, .action_pre = FIELD_PRE_ARP },
	[FIELD_ARP_THA] = { FIELD_ARP_THA, "arp_tha", { NULL }, "NXM_NX_ARP_THA",
		PLAIN(arp_tha, FIELD_SYN_MAC), .maskable = true, .settable = true,
		.match_pre = FIELD_PRE_ARP, .action_pre = FIELD_PRE_ARP },
	[FIELD_TUN_ID] = { FIELD_TUN_ID, "tun_id", { "tunnel_id" }, "NXM_NX_TUN_ID",
		PLAIN(tun_id, FIELD_SYN_HEX), .maskable = true, .settable = true },
	[FIELD_TUN_SRC] = { FIELD_TUN_SRC, "tun_src", { NULL }, "NXM_NX_TUN_IPV4_SRC",
		PLAIN(tun_src, FIELD_SYN_IPV4), .maskable = true, .settable = true },
	[FIELD_TUN_DST] = { FIELD_TUN_DST, "tun_dst", { NULL }, "NXM_NX_TUN_IPV4_DST",
		PLAIN(tun_dst, FIELD_SYN_IPV4), .maskable = true, .settable = true },
	[FIELD_TUN_IPV6_SRC] = { FIELD_TUN_IPV6_SRC, "tun_ipv6_src", { NULL },
		"NXM_NX_TUN_IPV6_SRC", PLAIN(tun_ipv6_src, FIELD_SYN_IPV6), .maskable = true,
		.settable = true },
	[FIELD_TUN_IPV6_DST] = { FIELD_TUN_IPV6_DST, "tun_ipv6_dst", { NULL },
		"NXM_NX_TUN_IPV6_DST", PLAIN(tun_ipv6_dst, FIELD_SYN_IPV6), .maskable = true,
		.settable = true },
};

/* Prerequisite descriptions for error messages: what is needed, and a keyword that gives it. */
static const struct {
	const char *desc;
	const char *example;
} prereqs[FIELD_PRE_N] = {
	[FIELD_PRE_NONE] = { "nothing", "" },
	[FIELD_PRE_L3] = { "ip or arp", "ip" },
	[FIELD_PRE_IP_OR_ARP] = { "ip, ipv6 or arp", "ip" },
	[FIELD_PRE_IP_ANY] = { "ip or ipv6", "ip" },
	[FIELD_PRE_IPV4] = { "ip", "ip" },
	[FIELD_PRE_IPV6] = { "ipv6", "ipv6" },
	[FIELD_PRE_ARP] = { "arp", "arp" },
	[FIELD_PRE_L4] = { "tcp, udp, sctp, icmp or icmp6", "tcp" },
	[FIELD_PRE_PORTS] = { "tcp, udp or sctp", "tcp" },
	[FIELD_PRE_TCP] = { "tcp or tcp6", "tcp" },
	[FIELD_PRE_UDP] = { "udp or udp6", "udp" },
	[FIELD_PRE_SCTP] = { "sctp or sctp6", "sctp" },
	[FIELD_PRE_ICMPV4] = { "icmp", "icmp" },
	[FIELD_PRE_ICMPV6] = { "icmp6", "icmp6" },
	[FIELD_PRE_VLAN] = { "a VLAN tag", "dl_vlan=N" },
};

const struct field_desc *
field_get_desc(enum field_id id)
{
	return &fields[id];
}

const struct field_desc *
field_by_name(const char *name)
{
	for (size_t i = 0; i < FIELD_N; i++) {
		const struct field_desc *f = &fields[i];

		if (!strcmp(f->name, name))
			return f;
		for (size_t j = 0; j < ARRAY_SIZE(f->aliases) && f->aliases[j]; j++)
			if (!strcmp(f->aliases[j], name))
				return f;
	}
	return NULL;
}

const struct field_desc *
field_by_nxm(const char *nxm)
{
	for (size_t i = 0; i < FIELD_N; i++)
		if (fields[i].nxm && !strcmp(fields[i].nxm, nxm))
			return &fields[i];
	return NULL;
}

const char *
field_prereq_desc(enum field_prereq pre)
{
	return prereqs[pre].desc;
}

const char *
field_prereq_example(enum field_prereq pre)
{
	return prereqs[pre].example;
}

uint64_t
field_value_u64(const union field_value *v, size_t size)
{
	uint64_t x = 0;

	for (size_t i = size > 8 ? size - 8 : 0; i < size; i++)
		x = x << 8 | v->be[i];
	return x;
}

void
field_value_set_u64(union field_value *v, size_t size, uint64_t x)
{
	memset(v, 0, sizeof *v);
	for (size_t i = size; i-- > 0 && x; x >>= 8)
		v->be[i] = (uint8_t)x;
}

bool
field_value_is_zero(const union field_value *v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (v->be[i])
			return false;
	return true;
}

bool
field_value_is_ones(const union field_value *v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (v->be[i] != 0xff)
			return false;
	return true;
}

/* The big-endian integer of 'size' bytes at 'p'. */
static uint64_t
be_load(const uint8_t *p, size_t size)
{
	uint64_t x = 0;

	for (size_t i = 0; i < size; i++)
		x = x << 8 | p[i];
	return x;
}

static void
be_store(uint8_t *p, size_t size, uint64_t x)
{
	for (size_t i = size; i-- > 0; x >>= 8)
		p[i] = (uint8_t)x;
}

void
field_read(const struct field_desc *f, const struct flow *flow, union field_value *v)
{
	const uint8_t *p = (const uint8_t *)flow + f->ofs;

	memset(v, 0, sizeof *v);
	switch (f->store) {
	case FIELD_ST_BYTES:
		memcpy(v->be, p, f->size);
		break;
	case FIELD_ST_RESIZE:
		field_value_set_u64(v, f->size, be_load(p, f->st_size));
		break;
	case FIELD_ST_HOST32:
		field_value_set_u64(v, f->size, flow->in_port & 0xffff);
		break;
	case FIELD_ST_BITS:
		field_value_set_u64(v, f->size, (be_load(p, f->st_size) & f->bits) >> f->shift);
		break;
	}
}

/* RESIZE and HOST32 masks widen with ones: the bytes a value does not reach must be zero. */
static uint64_t
widen(uint64_t x, size_t from_bytes, size_t to_bytes, bool as_mask)
{
	uint64_t from_max = from_bytes >= 8 ? UINT64_MAX : (1ULL << (from_bytes * 8)) - 1;
	uint64_t to_max = to_bytes >= 8 ? UINT64_MAX : (1ULL << (to_bytes * 8)) - 1;

	if (as_mask && x)
		x |= to_max & ~from_max;
	return x & to_max;
}

void
field_write(const struct field_desc *f, const union field_value *v, bool as_mask,
            struct flow *flow)
{
	uint8_t *p = (uint8_t *)flow + f->ofs;
	uint64_t x = field_value_u64(v, f->size), old;

	switch (f->store) {
	case FIELD_ST_BYTES:
		memcpy(p, v->be, f->size);
		break;
	case FIELD_ST_RESIZE:
		be_store(p, f->st_size, widen(x, f->size, f->st_size, as_mask));
		break;
	case FIELD_ST_HOST32:
		flow->in_port = (uint32_t)widen(x, f->size, 4, as_mask);
		break;
	case FIELD_ST_BITS:
		old = be_load(p, f->st_size) & ~(uint64_t)f->bits;
		x = (x << f->shift) & f->bits;
		be_store(p, f->st_size, old | x | f->present);
		break;
	}
}

/* Writes a one-line reason into 'err'; always returns -EINVAL for the caller to pass on. */
static int PRINTF_FMT(3, 4)
fail(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const struct {
	uint32_t port;
	const char *name;
} reserved_ports[] = {
	{ OFPP_IN_PORT, "IN_PORT" }, { OFPP_TABLE, "TABLE" }, { OFPP_NORMAL, "NORMAL" },
	{ OFPP_FLOOD, "FLOOD" }, { OFPP_ALL, "ALL" }, { OFPP_CONTROLLER, "CONTROLLER" },
	{ OFPP_LOCAL, "LOCAL" }, { OFPP_NONE, "ANY" }, { OFPP_NONE, "NONE" },
};

bool
field_port_from_string(const char *s, uint32_t *port)
{
	uint64_t x;

	for (size_t i = 0; i < ARRAY_SIZE(reserved_ports); i++) {
		if (!strcasecmp(s, reserved_ports[i].name)) {
			*port = reserved_ports[i].port;
			return true;
		}
	}
	/* Decimal only, as ovs-ofctl: "0x10" is a port name, not a number. */
	if (!*s || strspn(s, "0123456789") != strlen(s) || !str_to_u64(s, 0xffff, &x))
		return false;
	*port = (uint32_t)x;
	return true;
}

void
field_port_format(uint32_t port, struct strbuf *sb)
{
	for (size_t i = 0; i < ARRAY_SIZE(reserved_ports); i++) {
		if (reserved_ports[i].port == port) {
			strbuf_put(sb, reserved_ports[i].name);
			return;
		}
	}
	strbuf_printf(sb, "%u", port);
}

static int
parse_int(const struct field_desc *f, const char *s, const char *what, union field_value *v,
          char *err, size_t err_size)
{
	uint64_t max = f->size >= 8 ? UINT64_MAX : (1ULL << (f->size * 8)) - 1;
	uint64_t x;

	if (!str_to_u64(s, UINT64_MAX, &x))
		return fail(err, err_size, "invalid %s", what);
	if (x > max)
		return fail(err, err_size, "%s too large for %u-byte field", what, f->size);
	field_value_set_u64(v, f->size, x);
	return 0;
}

static bool
parse_mac(const char *s, union field_value *v)
{
	unsigned int b[6];
	int n = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
	           &n) != 6 || s[n] || strspn(s, "0123456789abcdefABCDEF:") != strlen(s))
		return false;
	memset(v, 0, sizeof *v);
	for (int i = 0; i < 6; i++)
		v->be[i] = (uint8_t)b[i];
	return true;
}

/* Sets the first 'n' bits of a 'size'-byte mask. */
static void
prefix_mask(union field_value *m, size_t size, unsigned int n)
{
	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < size; i++, n = n > 8 ? n - 8 : 0)
		m->be[i] = n >= 8 ? 0xff : (uint8_t)(0xff00 >> n);
}

/* Parses an IPv4 or IPv6 address ('f->size' 4 or 16). */
static bool
parse_ip(const struct field_desc *f, const char *s, union field_value *v)
{
	memset(v, 0, sizeof *v);
	return inet_pton(f->size == 4 ? AF_INET : AF_INET6, s, v->be) == 1;
}

static int
parse_ip_mask(const struct field_desc *f, const char *s, union field_value *m, char *err,
              size_t err_size)
{
	unsigned int bits = f->size * 8;
	uint64_t n;

	/* Like ovs-ofctl, an IPv6 mask that starts with a digit is a prefix length. */
	if (strspn(s, "0123456789") == strlen(s) || (f->size == 16 && isdigit((unsigned char)*s))) {
		if (!str_to_u64(s, bits, &n))
			return fail(err, err_size, "prefix length not between 0 and %u", bits);
		prefix_mask(m, f->size, (unsigned int)n);
		return 0;
	}
	if (!parse_ip(f, s, m))
		return fail(err, err_size, "invalid %s mask", f->size == 4 ? "IPv4" : "IPv6");
	return 0;
}

static int
parse_port(const char *s, field_port_lookup *lookup, void *aux, union field_value *v,
           char *err, size_t err_size)
{
	uint32_t port;

	if (!field_port_from_string(s, &port) && (!lookup || lookup(aux, s, &port)))
		return fail(err, err_size, "unknown port");
	field_value_set_u64(v, 2, port);
	return 0;
}

static int
parse_one(const struct field_desc *f, const char *s, bool is_mask, field_port_lookup *lookup,
          void *aux, union field_value *v, char *err, size_t err_size)
{
	switch (f->syntax) {
	case FIELD_SYN_DEC:
	case FIELD_SYN_HEX:
	case FIELD_SYN_HEX4:
		return parse_int(f, s, is_mask ? "mask" : "value", v, err, err_size);
	case FIELD_SYN_MAC:
		return parse_mac(s, v) ? 0 : fail(err, err_size, "invalid MAC address");
	case FIELD_SYN_IPV4:
	case FIELD_SYN_IPV6:
		if (is_mask)
			return parse_ip_mask(f, s, v, err, err_size);
		return parse_ip(f, s, v) ? 0 : fail(err, err_size, "invalid %s address",
		                                      f->size == 4 ? "IPv4" : "IPv6");
	case FIELD_SYN_PORT:
		return parse_port(s, lookup, aux, v, err, err_size);
	}
	return fail(err, err_size, "invalid value");
}

int
field_parse(const struct field_desc *f, const char *text, field_port_lookup *lookup,
            void *aux, union field_value *v, union field_value *mask, char *err,
            size_t err_size)
{
	char buf[128];
	char *slash;
	int r;

	if (!str_copy(buf, text, sizeof buf))
		return fail(err, err_size, "value too long");
	slash = mask ? strchr(buf, '/') : NULL;
	if (slash)
		*slash = '\0';
	r = parse_one(f, buf, false, lookup, aux, v, err, err_size);
	if (r || !mask)
		return r;
	if (!slash) {
		memset(mask, 0xff, sizeof *mask);
		return 0;
	}
	r = parse_one(f, slash + 1, true, lookup, aux, mask, err, err_size);
	/* An all-ones mask is no mask: ovs-ofctl accepts "nw_proto=6/0xff". */
	if (!r && !f->maskable && !field_mask_is_exact(f, mask))
		return fail(err, err_size, "field does not support masking");
	return r;
}

void
field_full_mask(const struct field_desc *f, union field_value *m)
{
	size_t n = f->store == FIELD_ST_RESIZE ? MIN(f->size, f->st_size) : f->size;

	if (f->store == FIELD_ST_BITS) {
		field_value_set_u64(m, f->size, (uint64_t)f->bits >> f->shift);
		return;
	}
	memset(m, 0, sizeof *m);
	memset(m->be + f->size - n, 0xff, n);
}

bool
field_mask_is_exact(const struct field_desc *f, const union field_value *mask)
{
	union field_value full;

	field_full_mask(f, &full);
	for (size_t i = 0; i < f->size; i++)
		if ((mask->be[i] & full.be[i]) != full.be[i])
			return false;
	return true;
}

/* Bits in a CIDR mask, or -1 if 'm' is not a prefix. */
static int
mask_prefix_len(const union field_value *m, size_t size)
{
	union field_value p;

	for (unsigned int n = 0; n <= size * 8; n++) {
		prefix_mask(&p, size, n);
		if (!memcmp(p.be, m->be, size))
			return (int)n;
	}
	return -1;
}

static void
format_ip(const struct field_desc *f, const union field_value *v, const union field_value *m,
          struct strbuf *sb)
{
	char text[INET6_ADDRSTRLEN];
	int af = f->size == 4 ? AF_INET : AF_INET6;
	int plen;

	strbuf_put(sb, inet_ntop(af, v->be, text, sizeof text));
	if (!m || field_mask_is_exact(f, m))
		return;
	plen = mask_prefix_len(m, f->size);
	if (plen >= 0)
		strbuf_printf(sb, "/%d", plen);
	else
		strbuf_printf(sb, "/%s", inet_ntop(af, m->be, text, sizeof text));
}

static void
format_mac(const union field_value *v, struct strbuf *sb)
{
	const uint8_t *b = v->be;

	strbuf_printf(sb, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

static void
format_int(const struct field_desc *f, const union field_value *v, const union field_value *m,
           struct strbuf *sb)
{
	uint64_t x = field_value_u64(v, f->size);
	bool masked = m && !field_mask_is_exact(f, m);

	if (f->syntax == FIELD_SYN_HEX4)
		strbuf_printf(sb, "0x%04" PRIx64, x);
	else if (masked)
		strbuf_printf(sb, "0x%" PRIx64, x);
	else if (f->syntax == FIELD_SYN_HEX)
		strbuf_printf(sb, "%#" PRIx64, x);
	else
		strbuf_printf(sb, "%" PRIu64, x);
	if (!masked)
		return;
	if (f->syntax == FIELD_SYN_HEX4)
		strbuf_printf(sb, "/0x%04" PRIx64, field_value_u64(m, f->size));
	else
		strbuf_printf(sb, "/%#" PRIx64, field_value_u64(m, f->size));
}

void
field_format(const struct field_desc *f, const union field_value *v,
             const union field_value *mask, struct strbuf *sb)
{
	switch (f->syntax) {
	case FIELD_SYN_DEC:
	case FIELD_SYN_HEX:
	case FIELD_SYN_HEX4:
		format_int(f, v, mask, sb);
		break;
	case FIELD_SYN_MAC:
		format_mac(v, sb);
		if (mask && !field_mask_is_exact(f, mask)) {
			strbuf_putc(sb, '/');
			format_mac(mask, sb);
		}
		break;
	case FIELD_SYN_IPV4:
	case FIELD_SYN_IPV6:
		format_ip(f, v, mask, sb);
		break;
	case FIELD_SYN_PORT:
		field_port_format((uint32_t)field_value_u64(v, f->size), sb);
		break;
	}
}

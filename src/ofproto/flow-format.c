/*
 * Printing flows in ovs-ofctl's normal form: fields in a fixed order, the protocol as a
 * keyword ("tcp" rather than "dl_type=0x0800,nw_proto=6"), ARP and ICMP fields under their own
 * names, VLAN matches as dl_vlan/dl_vlan_pcp when they can be.
 */
#include "flow-text.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include "strbuf.h"
#include "util.h"

/* When a field in the print order is printed, beyond being matched at all. */
enum print_when {
	PRINT_ALWAYS,
	PRINT_IF_ARP,           /* The match is ARP or RARP. */
	PRINT_IF_NOT_ARP,
	PRINT_IF_ICMP,          /* nw_proto is ICMP or ICMPv6. */
	PRINT_IF_NOT_ICMP,
	PRINT_IF_NO_KEYWORD,    /* No protocol keyword already says it. */
	PRINT_VLAN,             /* vlan_tci, printed by print_vlan(). */
};

static const struct {
	enum field_id field;
	enum print_when when;
} print_order[] = {
	{ FIELD_TUN_ID, PRINT_ALWAYS },
	{ FIELD_TUN_SRC, PRINT_ALWAYS },
	{ FIELD_TUN_DST, PRINT_ALWAYS },
	{ FIELD_TUN_IPV6_SRC, PRINT_ALWAYS },
	{ FIELD_TUN_IPV6_DST, PRINT_ALWAYS },
	{ FIELD_IN_PORT, PRINT_ALWAYS },
	{ FIELD_VLAN_TCI, PRINT_VLAN },
	{ FIELD_ETH_SRC, PRINT_ALWAYS },
	{ FIELD_ETH_DST, PRINT_ALWAYS },
	{ FIELD_ETH_TYPE, PRINT_IF_NO_KEYWORD },
	{ FIELD_IPV6_SRC, PRINT_ALWAYS },
	{ FIELD_IPV6_DST, PRINT_ALWAYS },
	{ FIELD_NW_SRC, PRINT_IF_NOT_ARP },
	{ FIELD_NW_DST, PRINT_IF_NOT_ARP },
	{ FIELD_ARP_SPA, PRINT_IF_ARP },
	{ FIELD_ARP_TPA, PRINT_IF_ARP },
	{ FIELD_NW_PROTO, PRINT_IF_NO_KEYWORD },
	{ FIELD_ARP_OP, PRINT_IF_ARP },
	{ FIELD_ARP_SHA, PRINT_ALWAYS },
	{ FIELD_ARP_THA, PRINT_ALWAYS },
	{ FIELD_NW_TOS, PRINT_ALWAYS },
	{ FIELD_NW_TTL, PRINT_ALWAYS },
	{ FIELD_TP_SRC, PRINT_IF_NOT_ICMP },
	{ FIELD_TP_DST, PRINT_IF_NOT_ICMP },
	{ FIELD_ICMP_TYPE, PRINT_IF_ICMP },
	{ FIELD_ICMP_CODE, PRINT_IF_ICMP },
};

/* What the print conditions depend on, worked out once per match. */
struct print_info {
	bool arp;
	bool icmp;
	bool keyword_dl_type;   /* A keyword was printed for dl_type. */
	bool keyword_proto;     /* ... and it covers nw_proto too. */
};

static void
put_item(struct strbuf *sb, const char *name)
{
	if (sb->len)
		strbuf_putc(sb, ',');
	strbuf_printf(sb, "%s=", name);
}

/* A tagged match on exactly the VID, the PCP or both prints as dl_vlan/dl_vlan_pcp. */
static void
print_vlan(const struct match *m, struct strbuf *sb)
{
	uint16_t tci = ntohs(m->flow.vlan_tci), mask = ntohs(m->wc.vlan_tci);

	if (!mask)
		return;
	if (tci & mask & VLAN_CFI && (mask == 0xffff || mask == 0x1fff || mask == 0xf000)) {
		if (mask & VLAN_VID_MASK) {
			put_item(sb, "dl_vlan");
			strbuf_printf(sb, "%u", tci & VLAN_VID_MASK);
		}
		if (mask & 0xe000) {
			put_item(sb, "dl_vlan_pcp");
			strbuf_printf(sb, "%u", tci >> VLAN_PCP_SHIFT);
		}
		return;
	}
	put_item(sb, "vlan_tci");
	strbuf_printf(sb, "0x%04x", tci);
	if (mask != 0xffff)
		strbuf_printf(sb, "/0x%04x", mask);
}

static bool
should_print(const struct print_info *pi, enum print_when when, enum field_id id)
{
	switch (when) {
	case PRINT_ALWAYS:
	case PRINT_VLAN:
		return true;
	case PRINT_IF_ARP:
		return pi->arp;
	case PRINT_IF_NOT_ARP:
		return !pi->arp;
	case PRINT_IF_ICMP:
		return pi->icmp;
	case PRINT_IF_NOT_ICMP:
		return !pi->icmp;
	case PRINT_IF_NO_KEYWORD:
		/* Under arp, nw_proto is the opcode and prints as arp_op. */
		return id == FIELD_ETH_TYPE ? !pi->keyword_dl_type
		                            : !pi->keyword_proto && !pi->arp;
	}
	return false;
}

static void
print_field(const struct match *m, const struct field_desc *f, struct strbuf *sb)
{
	union field_value v, mask;

	match_get(m, f, &v, &mask);
	if (field_value_is_zero(&mask, f->size))
		return;
	put_item(sb, f->name);
	field_format(f, &v, &mask, sb);
}

static void
print_info_init(const struct match *m, const char *keyword, bool covers_proto,
                struct print_info *pi)
{
	pi->arp = match_prereq_ok(m, FIELD_PRE_ARP);
	pi->icmp = match_prereq_ok(m, FIELD_PRE_ICMPV4) || match_prereq_ok(m, FIELD_PRE_ICMPV6);
	pi->keyword_dl_type = keyword != NULL;
	pi->keyword_proto = covers_proto;
}

void
flow_format_match(const struct match *m, uint16_t priority, struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT;
	struct print_info pi;
	bool covers_proto;
	const char *keyword = match_proto_name(m, &covers_proto);

	if (priority != FLOW_PRIORITY_DEFAULT)
		strbuf_printf(&sb, "priority=%u", priority);
	if (keyword) {
		if (sb.len)
			strbuf_putc(&sb, ',');
		strbuf_put(&sb, keyword);
	}
	print_info_init(m, keyword, covers_proto, &pi);
	for (size_t i = 0; i < ARRAY_SIZE(print_order); i++) {
		if (!should_print(&pi, print_order[i].when, print_order[i].field))
			continue;
		if (print_order[i].when == PRINT_VLAN)
			print_vlan(m, &sb);
		else
			print_field(m, field_get_desc(print_order[i].field), &sb);
	}
	strbuf_put(out, strbuf_cstr(&sb));
	strbuf_uninit(&sb);
}

void
flow_format(const struct ofp_flow_spec *spec, struct strbuf *sb)
{
	size_t len = sb->len;

	/* ovs-ofctl leaves out table 0 and "all tables", and the "no cookie" cookies. */
	if (spec->table_id != 0 && spec->table_id != FLOW_TABLE_ANY)
		strbuf_printf(sb, "table:%u ", spec->table_id);
	flow_format_match(&spec->match, spec->priority, sb);
	if (sb->len > len && sb->s[sb->len - 1] != ' ')
		strbuf_putc(sb, ' ');
	if (spec->cookie && spec->cookie != UINT64_MAX)
		strbuf_printf(sb, "cookie:%#" PRIx64 " ", spec->cookie);
	if (spec->idle_timeout)
		strbuf_printf(sb, "idle:%u ", spec->idle_timeout);
	if (spec->hard_timeout)
		strbuf_printf(sb, "hard:%u ", spec->hard_timeout);
	strbuf_put(sb, "actions=");
	actions_format(spec->actions, spec->n_actions, sb);
}

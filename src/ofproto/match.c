#include "match.h"

#include <arpa/inet.h>
#include <string.h>

#include "hash.h"

enum {
	ETH_TYPE_IP = 0x0800,
	ETH_TYPE_ARP = 0x0806,
	ETH_TYPE_RARP = 0x8035,
	ETH_TYPE_IPV6 = 0x86dd,
};

void
match_init_catchall(struct match *m)
{
	memset(m, 0, sizeof *m);
}

void
match_set(struct match *m, const struct field_desc *f, const union field_value *value,
          const union field_value *mask)
{
	union field_value v, exact;

	if (!mask) {
		memset(&exact, 0xff, sizeof exact);
		mask = &exact;
	}
	for (size_t i = 0; i < sizeof v.be; i++)
		v.be[i] = value->be[i] & mask->be[i];
	field_write(f, &v, false, &m->flow);
	field_write(f, mask, true, &m->wc);
}

void
match_set_u64(struct match *m, enum field_id id, uint64_t value, uint64_t mask)
{
	const struct field_desc *f = field_get_desc(id);
	union field_value v, mv;

	field_value_set_u64(&v, f->size, value);
	field_value_set_u64(&mv, f->size, mask);
	match_set(m, f, &v, &mv);
}

void
match_get(const struct match *m, const struct field_desc *f, union field_value *value,
          union field_value *mask)
{
	field_read(f, &m->flow, value);
	field_read(f, &m->wc, mask);
}

bool
match_uses(const struct match *m, const struct field_desc *f)
{
	union field_value v, mask;

	match_get(m, f, &v, &mask);
	return !field_value_is_zero(&mask, f->size);
}

int
match_dl_type(const struct match *m)
{
	return m->wc.dl_type == 0xffff ? ntohs(m->flow.dl_type) : -1;
}

int
match_nw_proto(const struct match *m)
{
	return m->wc.nw_proto == 0xff ? m->flow.nw_proto : -1;
}

static bool
is_ip_any(int dl_type)
{
	return dl_type == ETH_TYPE_IP || dl_type == ETH_TYPE_IPV6;
}

static bool
is_arp(int dl_type)
{
	return dl_type == ETH_TYPE_ARP || dl_type == ETH_TYPE_RARP;
}

/* Whether 'm' is IPv4 or IPv6 carrying 'proto'. */
static bool
is_ip_proto(const struct match *m, int proto)
{
	return is_ip_any(match_dl_type(m)) && match_nw_proto(m) == proto;
}

/* Whether 'm' has a transport header with ports or ICMP type/code for its IP version. */
static bool
is_l4(const struct match *m)
{
	int icmp = match_dl_type(m) == ETH_TYPE_IP ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	return is_ip_proto(m, IPPROTO_TCP) || is_ip_proto(m, IPPROTO_UDP) ||
	       is_ip_proto(m, IPPROTO_SCTP) || is_ip_proto(m, icmp);
}

bool
match_prereq_ok(const struct match *m, enum field_prereq pre)
{
	int dl_type = match_dl_type(m);

	switch (pre) {
	case FIELD_PRE_NONE:
	case FIELD_PRE_N:
		return true;
	case FIELD_PRE_L3:
		return dl_type == ETH_TYPE_IP || is_arp(dl_type);
	case FIELD_PRE_IP_OR_ARP:
		return is_ip_any(dl_type) || is_arp(dl_type);
	case FIELD_PRE_IP_ANY:
		return is_ip_any(dl_type);
	case FIELD_PRE_IPV4:
		return dl_type == ETH_TYPE_IP;
	case FIELD_PRE_IPV6:
		return dl_type == ETH_TYPE_IPV6;
	case FIELD_PRE_ARP:
		return is_arp(dl_type);
	case FIELD_PRE_L4:
		return is_l4(m);
	case FIELD_PRE_PORTS:
		return is_ip_proto(m, IPPROTO_TCP) || is_ip_proto(m, IPPROTO_UDP) ||
		       is_ip_proto(m, IPPROTO_SCTP);
	case FIELD_PRE_TCP:
		return is_ip_proto(m, IPPROTO_TCP);
	case FIELD_PRE_UDP:
		return is_ip_proto(m, IPPROTO_UDP);
	case FIELD_PRE_SCTP:
		return is_ip_proto(m, IPPROTO_SCTP);
	case FIELD_PRE_ICMPV4:
		return dl_type == ETH_TYPE_IP && match_nw_proto(m) == IPPROTO_ICMP;
	case FIELD_PRE_ICMPV6:
		return dl_type == ETH_TYPE_IPV6 && match_nw_proto(m) == IPPROTO_ICMPV6;
	case FIELD_PRE_VLAN:
		return m->wc.vlan_tci & m->flow.vlan_tci & htons(VLAN_CFI);
	}
	return false;
}

bool
match_matches(const struct match *m, const struct flow *flow)
{
	const uint64_t *k = (const uint64_t *)flow;
	const uint64_t *v = (const uint64_t *)&m->flow;
	const uint64_t *w = (const uint64_t *)&m->wc;

	for (size_t i = 0; i < FLOW_U64S; i++)
		if ((k[i] ^ v[i]) & w[i])
			return false;
	return true;
}

bool
match_equal(const struct match *a, const struct match *b)
{
	return flow_equal(&a->flow, &b->flow) && flow_equal(&a->wc, &b->wc);
}

uint32_t
match_hash(const struct match *m, uint32_t basis)
{
	return flow_hash(&m->wc, flow_hash(&m->flow, basis));
}

/* Protocol keywords. Printing prefers the first row that fits, so the ones that also pin
 * nw_proto come before the plain ethertypes. */
static const struct {
	const char *name;
	uint16_t dl_type;
	int nw_proto;           /* -1: the keyword leaves nw_proto alone. */
} protos[] = {
	{ "icmp", ETH_TYPE_IP, IPPROTO_ICMP },
	{ "tcp", ETH_TYPE_IP, IPPROTO_TCP },
	{ "udp", ETH_TYPE_IP, IPPROTO_UDP },
	{ "sctp", ETH_TYPE_IP, IPPROTO_SCTP },
	{ "icmp6", ETH_TYPE_IPV6, IPPROTO_ICMPV6 },
	{ "tcp6", ETH_TYPE_IPV6, IPPROTO_TCP },
	{ "udp6", ETH_TYPE_IPV6, IPPROTO_UDP },
	{ "sctp6", ETH_TYPE_IPV6, IPPROTO_SCTP },
	{ "ip", ETH_TYPE_IP, -1 },
	{ "ipv6", ETH_TYPE_IPV6, -1 },
	{ "arp", ETH_TYPE_ARP, -1 },
	{ "rarp", ETH_TYPE_RARP, -1 },
};

const char *
match_proto_name(const struct match *m, bool *covers_proto)
{
	int dl_type = match_dl_type(m), nw_proto = match_nw_proto(m);

	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
		if (protos[i].dl_type != dl_type)
			continue;
		if (protos[i].nw_proto >= 0 && protos[i].nw_proto != nw_proto)
			continue;
		*covers_proto = protos[i].nw_proto >= 0;
		return protos[i].name;
	}
	*covers_proto = false;
	return NULL;
}

bool
match_set_proto(struct match *m, const char *name)
{
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
		if (strcmp(protos[i].name, name))
			continue;
		match_set_u64(m, FIELD_ETH_TYPE, protos[i].dl_type, UINT64_MAX);
		if (protos[i].nw_proto >= 0)
			match_set_u64(m, FIELD_NW_PROTO, (uint64_t)protos[i].nw_proto, UINT64_MAX);
		return true;
	}
	return false;
}

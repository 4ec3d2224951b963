#include "xlate.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <endian.h>
#include <string.h>

#include "actions.h"
#include "commit.h"
#include "field.h"
#include "flow.h"
#include "netdev.h"
#include "ofproto.h"
#include "pkt-gso.h"
#include "pkt.h"
#include "rule.h"
#include "strbuf.h"
#include "util.h"

struct xlate_ctx {
	struct ofproto *ofp;
	struct ofport *in;
	struct pkt *pkt;
	struct flow flow;       /* The key as the actions have made it so far. */
	struct flow base;       /* The key the packet's bytes show. */
	int depth;              /* Resubmit nesting. */
	uint8_t table;          /* Table being run. */
	unsigned int n_outputs;
	int64_t now;
	struct strbuf *trace;   /* NULL: forward for real. */
	bool stop;              /* A drop decided by an action (TTL, loop). */
	bool loop;              /* Resubmits nested too deep: the whole translation fails. */
	bool matched;           /* Table 0 had a flow for the packet. */
	size_t n_xouts;         /* Outputs recorded in ofp->xouts. */
};

static void run_actions(struct xlate_ctx *ctx, const struct action *acts, size_t n);

static void
trace_line(struct xlate_ctx *ctx, const char *fmt, ...) PRINTF_FMT(2, 3);

static void
trace_line(struct xlate_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char line[512];

	if (!ctx->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* Actions are indented under the flow that runs them, one level per resubmit. */
	strbuf_printf(ctx->trace, "%*s%s\n", 4 * ctx->depth + 4, "", line);
}

static void
tunnel_from_flow(struct pkt_tunnel *t, const struct flow *f)
{
	t->id = be64toh(f->tun_id);
	t->ipv4_src = f->tun_src;
	t->ipv4_dst = f->tun_dst;
	t->ipv6_src = f->tun_ipv6_src;
	t->ipv6_dst = f->tun_ipv6_dst;
}

static void
trace_tunnel(struct xlate_ctx *ctx, const struct ofport *port)
{
	char dst[INET6_ADDRSTRLEN] = "(from the port's remote_ip)";
	const struct flow *f = &ctx->flow;

	if (f->tun_dst)
		inet_ntop(AF_INET, &f->tun_dst, dst, sizeof dst);
	else if (!IN6_IS_ADDR_UNSPECIFIED(&f->tun_ipv6_dst))
		inet_ntop(AF_INET6, &f->tun_ipv6_dst, dst, sizeof dst);
	trace_line(ctx, "  encapsulated: UDP + LISP to %s, instance ID %llu (port %s)", dst,
		   (unsigned long long)be64toh(f->tun_id), port->name);
}

static void
emit_fragment(struct pkt *frag, void *port)
{
	netdev_send(((struct ofport *)port)->netdev, frag);
}

/*
 * Path MTU for a tunnel port (RFC 9300 section 7): a packet too big for the path is cut into
 * IP fragments when IPv4 allows it (stateless, section 7.1), else answered with ICMP
 * "fragmentation needed" / ICMPv6 "packet too big" carrying the MTU left inside the tunnel.
 * Returns true if it dealt with the packet.
 */
static bool
too_big(struct xlate_ctx *ctx, struct ofport *port)
{
	struct pkt *pkt = ctx->pkt, *out = ctx->ofp->scratch;
	uint16_t type;
	uint32_t l3 = pkt_l3_offset(pkt, &type);
	int mtu;

	if (!l3 || pkt->size < l3 + 20 || !port->netdev->class->l3_mtu ||
	    !(mtu = port->netdev->class->l3_mtu(port->netdev, pkt)) || pkt_l3_wire_size(pkt, l3) <= (uint32_t)mtu)
		return false;
	if (type == 0x0800 && !(pkt->data[l3 + 6] & 0x40) &&
	    pkt->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		pkt_offload_csum(pkt);
		if (pkt_ipv4_fragment(pkt, l3, mtu, out, emit_fragment, port))
			return true;
	}
	port->netdev->drops[DROP_MTU]++;
	if (!ctx->in->netdev->class->l3 && pkt_icmp_too_big(pkt, l3, mtu, out))
		netdev_send(ctx->in->netdev, out);
	return true;
}

/*
 * Records an output with the key as it is now. Outputs are carried out only once translation
 * is over, so that a translation that fails (a resubmit loop) sends nothing at all, as in OVS.
 */
static void
send_to_port(struct xlate_ctx *ctx, struct ofport *port)
{
	ctx->n_outputs++;
	if (ctx->trace) {
		trace_line(ctx, "-> output to port %s", port->name);
		if (port->netdev->class->l3)
			trace_tunnel(ctx, port);
		return;
	}
	if (ctx->n_xouts == XLATE_MAX_OUTPUTS) {
		ctx->in->netdev->drops[DROP_OUTPUT_LIMIT]++;
		return;
	}
	ctx->ofp->xouts[ctx->n_xouts].port = port;
	ctx->ofp->xouts[ctx->n_xouts++].flow = ctx->flow;
}

/* Sends the packet out of one recorded output, its bytes made to agree with that output's key. */
static void
emit(struct xlate_ctx *ctx, const struct xlate_output *o)
{
	if (memcmp(&o->flow, &ctx->base, sizeof o->flow)) {
		if (!pkt_commit(ctx->pkt, &ctx->base, &o->flow)) {
			ctx->in->netdev->drops[DROP_GSO]++;
			return;
		}
		ctx->base = o->flow;
	}
	if (o->port->netdev->class->l3) {
		tunnel_from_flow(&ctx->pkt->tun, &o->flow);
		if (too_big(ctx, o->port))
			return;
	}
	if (o->port->ofp_port == OFPP_LOCAL && ctx->ofp->local_hook &&
	    ctx->ofp->local_hook(ctx->ofp->local_aux, ctx->pkt)) {
		/* Taken on its way to the host: counted as sent there, which it is, in effect. */
		o->port->netdev->stats.tx_packets++;
		o->port->netdev->stats.tx_bytes += ctx->pkt->size;
		return;
	}
	netdev_send(o->port->netdev, ctx->pkt);
}

static void
flood(struct xlate_ctx *ctx, bool all)
{
	struct ofport *port;

	(void)all; /* FLOOD and ALL differ only for ports marked no-flood, which we lack. */
	/* Layer-3 ports (tunnels) are never flooded to: they carry no Ethernet. */
	HMAP_FOR_EACH_SAFE(port, node, &ctx->ofp->ports)
		if (port != ctx->in && !port->netdev->class->l3)
			send_to_port(ctx, port);
}

/* The NORMAL action: learn the source, then forward to the known port or flood. */
static void
normal(struct xlate_ctx *ctx)
{
	const struct flow *f = &ctx->flow;
	uint16_t vlan = ntohs(f->vlan_tci) & VLAN_VID_MASK;
	struct fdb *fdb = &ctx->ofp->fdb;
	struct ofport *port;
	uint32_t out;

	/* Nothing to learn from a layer-3 port's made-up Ethernet source. */
	if (!ctx->trace && !ctx->in->netdev->class->l3)
		fdb_learn(fdb, f->dl_src, vlan, ctx->in->ofp_port, ctx->now);
	out = (f->dl_dst[0] & 1) ? OFPP_NONE : fdb_lookup(fdb, f->dl_dst, vlan, ctx->now);
	if (out == OFPP_NONE || !(port = ofproto_port_find(ctx->ofp, out))) {
		trace_line(ctx, "NORMAL: %s: flood", (f->dl_dst[0] & 1) ? "multicast" : "unknown destination");
		flood(ctx, false);
	} else if (port == ctx->in) {
		trace_line(ctx, "NORMAL: learned on the input port: drop");
		if (!ctx->trace)
			ctx->in->netdev->drops[DROP_HAIRPIN]++;
		ctx->n_outputs++;
	} else {
		trace_line(ctx, "NORMAL: learned on port %s", port->name);
		send_to_port(ctx, port);
	}
}

static void
output(struct xlate_ctx *ctx, uint32_t port_no)
{
	struct ofport *port;

	switch (port_no) {
	case OFPP_IN_PORT:
		send_to_port(ctx, ctx->in);
		return;
	case OFPP_NORMAL:
		normal(ctx);
		return;
	case OFPP_FLOOD:
	case OFPP_ALL:
		flood(ctx, port_no == OFPP_ALL);
		return;
	}
	port = ofproto_port_find(ctx->ofp, port_no);
	if (!port) {
		trace_line(ctx, "output: no port %u: skipped", port_no);
	} else if (port == ctx->in) {
		/* OpenFlow: only "in_port" sends a packet back where it came from. */
		trace_line(ctx, "output: %s is the input port: skipped", port->name);
	} else {
		send_to_port(ctx, port);
	}
}

/* Bit 'i' (0 = least significant) of a 'size'-byte big-endian value. */
static bool
bit_get(const union field_value *v, size_t size, unsigned int i)
{
	return v->be[size - 1 - i / 8] >> (i % 8) & 1;
}

static void
bit_set(union field_value *v, size_t size, unsigned int i, bool on)
{
	uint8_t *b = &v->be[size - 1 - i / 8];

	*b = (uint8_t)(on ? *b | 1 << (i % 8) : *b & ~(1 << (i % 8)));
}

/* Copies 'n' bits from 'src' (starting at bit 'src_ofs') into field 'dst' of the key. */
static void
write_bits(struct xlate_ctx *ctx, const struct subfield *dst, const union field_value *src,
	   size_t src_size, unsigned int src_ofs)
{
	const struct field_desc *f = field_get_desc(dst->field);
	union field_value v;

	/* Whole bytes in and out (the common "load:V->FIELD[]"): copy them, not bit by bit. */
	if (!(dst->ofs % 8) && !(dst->n_bits % 8) && !(src_ofs % 8) && dst->n_bits <= f->size * 8) {
		size_t n = dst->n_bits / 8;

		field_read(f, &ctx->flow, &v);
		memcpy(&v.be[f->size - dst->ofs / 8 - n], &src->be[src_size - src_ofs / 8 - n], n);
		field_write(f, &v, false, &ctx->flow);
		return;
	}
	field_read(f, &ctx->flow, &v);
	for (unsigned int i = 0; i < dst->n_bits; i++)
		bit_set(&v, f->size, dst->ofs + i, bit_get(src, src_size, src_ofs + i));
	field_write(f, &v, false, &ctx->flow);
}

static void
do_move(struct xlate_ctx *ctx, const struct action *a)
{
	const struct field_desc *src = field_get_desc(a->move.src.field);
	union field_value v;

	field_read(src, &ctx->flow, &v);
	write_bits(ctx, &a->move.dst, &v, src->size, a->move.src.ofs);
}

static void
do_set_field(struct xlate_ctx *ctx, const struct action *a)
{
	field_write(field_get_desc(a->set_field.field), &a->set_field.value, false, &ctx->flow);
	if (a->set_field.push_vlan)
		ctx->flow.vlan_tci |= htons(VLAN_CFI);
}

static bool
is_ip(const struct flow *f)
{
	return f->dl_type == htons(0x0800) || f->dl_type == htons(0x86dd);
}

static void
do_resubmit(struct xlate_ctx *ctx, const struct action *a)
{
	uint8_t table = a->resubmit.table == ACTION_TABLE_CURRENT ? ctx->table : a->resubmit.table;
	uint32_t saved_port = ctx->flow.in_port;
	uint8_t saved_table = ctx->table;
	struct rule *r;

	if (ctx->depth >= XLATE_MAX_DEPTH) {
		trace_line(ctx, "resubmit: deeper than %d: loop, drop", XLATE_MAX_DEPTH);
		ctx->stop = ctx->loop = true;
		return;
	}
	if (a->resubmit.port != OFPP_IN_PORT)
		ctx->flow.in_port = a->resubmit.port;
	/* The first lookup of a packet goes through the exact-match cache. */
	r = ctx->depth < 0 && !ctx->trace ? ofproto_lookup_cached(ctx->ofp, &ctx->flow) :
	    oftable_lookup(&ctx->ofp->flows, table, &ctx->flow);
	ctx->matched |= ctx->depth < 0 && r;
	if (!ctx->trace) {
		ctx->ofp->flows.stats[table].lookups++;
		ctx->ofp->flows.stats[table].matched += r != NULL;
	}
	ctx->depth++;
	ctx->table = table;
	if (r) {
		struct strbuf sb;
		struct match m;

		if (ctx->trace) {
			strbuf_init(&sb);
			rule_get_match(r, &m);
			flow_format_match(&m, (uint16_t)rule_priority(r), &sb);
			strbuf_printf(ctx->trace, "%*s%u. %s\n", 4 * ctx->depth + 1, "", table,
				      *strbuf_cstr(&sb) ? strbuf_cstr(&sb) : "priority=32768 (match all)");
			strbuf_uninit(&sb);
		} else {
			r->n_packets++;
			r->n_bytes += ctx->pkt->size;
			r->used_ms = ctx->now;
		}
		run_actions(ctx, r->actions, r->n_actions);
	} else {
		if (ctx->trace)
			strbuf_printf(ctx->trace, "%*s%u. no match: drop\n", 4 * ctx->depth + 1, "",
				      table);
	}
	ctx->depth--;
	ctx->table = saved_table;
	ctx->flow.in_port = saved_port;
}

static void
run_action(struct xlate_ctx *ctx, const struct action *a)
{
	switch (a->type) {
	case ACTION_OUTPUT:
		output(ctx, a->output.port);
		break;
	case ACTION_SET_FIELD:
		do_set_field(ctx, a);
		break;
	case ACTION_LOAD:
		/* A load's value is right-aligned in all 16 bytes. */
		write_bits(ctx, &a->load.dst, &a->load.value, sizeof a->load.value.be, 0);
		break;
	case ACTION_MOVE:
		do_move(ctx, a);
		break;
	case ACTION_DEC_TTL:
		if (is_ip(&ctx->flow) && ctx->flow.nw_ttl <= 1) {
			trace_line(ctx, "dec_ttl: TTL expired: drop");
			ctx->stop = true;
		} else if (is_ip(&ctx->flow)) {
			ctx->flow.nw_ttl--;
		}
		break;
	case ACTION_STRIP_VLAN:
		ctx->flow.vlan_tci = 0;
		break;
	case ACTION_PUSH_VLAN:
		ctx->flow.vlan_tci = htons(VLAN_CFI);
		break;
	case ACTION_SET_TUNNEL:
		ctx->flow.tun_id = htobe64(a->set_tunnel.tun_id);
		break;
	case ACTION_RESUBMIT:
		do_resubmit(ctx, a);
		break;
	case ACTION_NOTE:
	case ACTION_N_TYPES:
		break;
	}
}

static void
run_actions(struct xlate_ctx *ctx, const struct action *acts, size_t n)
{
	for (size_t i = 0; i < n && !ctx->stop; i++) {
		if (ctx->trace) {
			struct strbuf sb;

			strbuf_init(&sb);
			actions_format(&acts[i], 1, &sb);
			trace_line(ctx, "%s", strbuf_cstr(&sb));
			strbuf_uninit(&sb);
		}
		run_action(ctx, &acts[i]);
	}
}

static void
xlate_run(struct xlate_ctx *ctx)
{
	/* Table 0 is looked up like a resubmit from the input port: one code path. */
	static const struct action start = { .type = ACTION_RESUBMIT,
					     .resubmit = { OFPP_IN_PORT, 0 } };

	ctx->depth = -1;
	do_resubmit(ctx, &start);
}

void
xlate_packet(struct ofproto *ofp, struct ofport *in, struct pkt *pkt, const struct flow *flow,
	     int64_t now_ms)
{
	struct xlate_ctx ctx = { .ofp = ofp, .in = in, .pkt = pkt, .flow = *flow, .base = *flow,
				 .now = now_ms };

	xlate_run(&ctx);
	if (ctx.loop) {
		in->netdev->drops[DROP_LOOP]++;
		return;
	}
	if (!ctx.n_outputs)
		in->netdev->drops[ctx.matched ? DROP_ACTION_DROP : DROP_NO_FLOW]++;
	for (size_t i = 0; i < ctx.n_xouts; i++)
		emit(&ctx, &ofp->xouts[i]);
}

static void
put_mac(struct strbuf *sb, const char *name, const uint8_t m[6])
{
	strbuf_printf(sb, ",%s=%02x:%02x:%02x:%02x:%02x:%02x", name, m[0], m[1], m[2], m[3], m[4],
		      m[5]);
}

static void
put_addr(struct strbuf *sb, const char *name, int af, const void *a)
{
	char buf[INET6_ADDRSTRLEN];

	strbuf_printf(sb, ",%s=%s", name, inet_ntop(af, a, buf, sizeof buf));
}

static void
format_l3(const struct flow *f, struct strbuf *sb)
{
	uint16_t type = ntohs(f->dl_type);

	if (type == 0x0800 || type == 0x0806) {
		put_addr(sb, type == 0x0800 ? "nw_src" : "arp_spa", AF_INET, &f->nw_src);
		put_addr(sb, type == 0x0800 ? "nw_dst" : "arp_tpa", AF_INET, &f->nw_dst);
	} else if (type == 0x86dd) {
		put_addr(sb, "ipv6_src", AF_INET6, &f->ipv6_src);
		put_addr(sb, "ipv6_dst", AF_INET6, &f->ipv6_dst);
	}
	if (type == 0x0806) {
		strbuf_printf(sb, ",arp_op=%u", f->nw_proto);
		put_mac(sb, "arp_sha", f->arp_sha);
		put_mac(sb, "arp_tha", f->arp_tha);
	} else if (type == 0x0800 || type == 0x86dd) {
		strbuf_printf(sb, ",nw_proto=%u,nw_tos=%u,nw_ttl=%u", f->nw_proto, f->nw_tos, f->nw_ttl);
		if (!(f->nw_frag & FLOW_NW_FRAG_LATER))
			strbuf_printf(sb, ",tp_src=%u,tp_dst=%u", ntohs(f->tp_src), ntohs(f->tp_dst));
	}
}

void
xlate_format_flow(const struct flow *f, struct strbuf *sb)
{
	strbuf_printf(sb, "in_port=");
	field_port_format(f->in_port, sb);
	if (f->tun_id)
		strbuf_printf(sb, ",tun_id=0x%llx", (unsigned long long)be64toh(f->tun_id));
	if (f->tun_src || f->tun_dst) {
		put_addr(sb, "tun_src", AF_INET, &f->tun_src);
		put_addr(sb, "tun_dst", AF_INET, &f->tun_dst);
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&f->tun_ipv6_src)) {
		put_addr(sb, "tun_ipv6_src", AF_INET6, &f->tun_ipv6_src);
		put_addr(sb, "tun_ipv6_dst", AF_INET6, &f->tun_ipv6_dst);
	}
	strbuf_printf(sb, ",vlan_tci=0x%04x", ntohs(f->vlan_tci));
	put_mac(sb, "dl_src", f->dl_src);
	put_mac(sb, "dl_dst", f->dl_dst);
	strbuf_printf(sb, ",dl_type=0x%04x", ntohs(f->dl_type));
	format_l3(f, sb);
}

void
xlate_trace(struct ofproto *ofp, struct ofport *in, struct pkt *pkt, const struct flow *flow,
	    struct strbuf *out)
{
	struct xlate_ctx ctx = { .ofp = ofp, .in = in, .pkt = pkt, .flow = *flow, .base = *flow,
				 .now = time_msec(), .trace = out };

	strbuf_put(out, "Flow: ");
	xlate_format_flow(flow, out);
	strbuf_printf(out, "\n\nbridge(\"%s\")\n", ofp->name);
	xlate_run(&ctx);
	strbuf_put(out, "\nFinal flow: ");
	if (memcmp(&ctx.flow, flow, sizeof *flow))
		xlate_format_flow(&ctx.flow, out);
	else
		strbuf_put(out, "unchanged");
	strbuf_printf(out, "\nResult: %s\n", ctx.n_outputs ? "forwarded" :
		      ctx.matched ? "dropped by the flow's actions" : "dropped: no flow matched");
}

/*
 * The ovs-ofctl verbs on flows: add-flow(s), del-flows, mod-flows, replace-flows, dump-flows,
 * dump-tables, and ofproto/trace. Changes are parsed when the command runs (so a bad flow fails
 * the whole transaction before anything changes) and applied to the running tables at commit,
 * after which the tables are saved with the configuration.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "ctl-proto.h"
#include "flow.h"
#include "flows.h"
#include "ofproto.h"
#include "pkt.h"
#include "rule.h"
#include "strbuf.h"
#include "txn.h"
#include "xlate.h"

enum flow_mod_op { FM_ADD, FM_DEL, FM_MOD, FM_REPLACE };

struct flow_mod {
	enum flow_mod_op op;
	bool strict;
	char bridge[IFNAMSIZ];
	struct ofp_flow_spec *specs;  /* FM_DEL with none: every flow. */
	size_t n;
};

struct flow_mods {
	struct flow_mod *v;
	size_t n;
};

/* Resolves port names in flows against the bridge being edited. */
static int
port_by_name(void *aux, const char *name, uint32_t *ofport)
{
	const struct cfg_bridge *b = aux;

	if (!strcmp(name, b->name)) {
		*ofport = OFPP_LOCAL;
		return 0;
	}
	for (size_t i = 0; i < b->n_ports; i++) {
		if (!strcmp(b->ports[i].name, name) && b->ports[i].ofport) {
			*ofport = b->ports[i].ofport;
			return 0;
		}
	}
	return -1;
}

static bool
parse_one(const struct cmd *c, struct cfg_bridge *b, const char *text, enum flow_parse_mode mode,
	  struct ofp_flow_spec *spec, const char *where, struct rpc_error *err)
{
	const struct flow_parse_ctx ctx = { mode, port_by_name, b };
	char msg[400];

	if (!flow_parse(text, &ctx, spec, msg, sizeof msg))
		return true;
	txn_fail(err, CTL_ERR_INVALID, c->verb, b->name, "%s%s", where, msg);
	return false;
}

/* A line of a flow file that holds no flow: blank or a "#" comment. */
static bool
blank_line(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s || *s == '#';
}

static void
specs_free(struct ofp_flow_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ofp_flow_spec_uninit(&specs[i]);
	free(specs);
}

/* Flows 'b' would hold before this command: what runs now plus what the transaction adds. */
static size_t
flows_before(const struct txn *txn, const struct cfg_bridge *b)
{
	struct bridge *br = bridge_find(b->name);
	size_t n = br ? oftable_count(&br->ofproto.flows) : b->n_flows;

	for (size_t i = 0; txn->flow_mods && i < txn->flow_mods->n; i++) {
		const struct flow_mod *fm = &txn->flow_mods->v[i];

		if (!strcmp(fm->bridge, b->name))
			n = fm->op == FM_REPLACE ? fm->n : fm->op == FM_ADD ? n + fm->n : n;
	}
	return n;
}

/* Queues a change of 'op' with the flows in args[1..] (lines of a file for add-flows). */
static json_t *
queue(struct txn *txn, const struct cmd *c, enum flow_mod_op op, enum flow_parse_mode mode,
      struct rpc_error *err)
{
	struct cfg_bridge *b = txn_need_bridge(txn, c, c->args[0], err);
	/* Only the lines of a file may be blank or comments; a FLOW argument must be a flow. */
	bool file = ctl_verbs[ctl_verb_find(c->verb)].flags & CTL_FILE;
	struct ofp_flow_spec *specs;
	struct flow_mod *fm;
	size_t n = 0;

	if (!b)
		return NULL;
	specs = xcalloc(c->n_args, sizeof *specs);
	for (size_t i = 1; i < c->n_args; i++) {
		char where[32] = "";

		if (file && blank_line(c->args[i]))
			continue;
		if (c->n_args > 2 || op == FM_REPLACE)
			snprintf(where, sizeof where, "line %zu: ", i);
		if (!parse_one(c, b, c->args[i], mode, &specs[n], where, err)) {
			specs_free(specs, n);
			return NULL;
		}
		n++;
	}
	/* Bounded, so that no one can fill the daemon's memory with flows. */
	if ((op == FM_ADD || op == FM_REPLACE) &&
	    (op == FM_REPLACE ? 0 : flows_before(txn, b)) + n > OFTABLE_MAX_FLOWS) {
		specs_free(specs, n);
		return txn_fail(err, CTL_ERR_INVALID, c->verb, b->name,
				"flow table full: at most %d flows per bridge", OFTABLE_MAX_FLOWS);
	}
	if (!txn->flow_mods)
		txn->flow_mods = xcalloc(1, sizeof *txn->flow_mods);
	txn->flow_mods->v = xrealloc(txn->flow_mods->v,
				     (txn->flow_mods->n + 1) * sizeof *txn->flow_mods->v);
	fm = &txn->flow_mods->v[txn->flow_mods->n++];
	*fm = (struct flow_mod){ op, c->strict, "", specs, n };
	str_copy(fm->bridge, b->name, sizeof fm->bridge);
	txn->dirty = true;
	return json_null();
}

json_t *
cmd_add_flow(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	return queue(txn, c, FM_ADD, FLOW_PARSE_ADD, err);
}

json_t *
cmd_del_flows(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	return queue(txn, c, FM_DEL, FLOW_PARSE_FILTER, err);
}

json_t *
cmd_mod_flows(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	return queue(txn, c, FM_MOD, FLOW_PARSE_ADD, err);
}

json_t *
cmd_replace_flows(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	return queue(txn, c, FM_REPLACE, FLOW_PARSE_ADD, err);
}

static void
apply_one(struct oftable *t, const struct flow_mod *fm)
{
	switch (fm->op) {
	case FM_ADD:
		for (size_t i = 0; i < fm->n; i++)
			oftable_add(t, &fm->specs[i]);
		break;
	case FM_DEL:
		if (!fm->n) {
			oftable_replace(t, NULL, 0);
			break;
		}
		oftable_del(t, &fm->specs[0], fm->strict);
		break;
	case FM_MOD:
		oftable_mod(t, &fm->specs[0], fm->strict);
		break;
	case FM_REPLACE:
		oftable_replace(t, fm->specs, fm->n);
		break;
	}
}

void
cmd_flows_apply(struct txn *txn)
{
	for (size_t i = 0; txn->flow_mods && i < txn->flow_mods->n; i++) {
		const struct flow_mod *fm = &txn->flow_mods->v[i];
		struct bridge *br = bridge_find(fm->bridge);

		/* A bridge deleted later in the same transaction has nothing to change. */
		if (br)
			apply_one(&br->ofproto.flows, fm);
	}
}

void
cmd_flows_free(struct txn *txn)
{
	if (!txn->flow_mods)
		return;
	for (size_t i = 0; i < txn->flow_mods->n; i++)
		specs_free(txn->flow_mods->v[i].specs, txn->flow_mods->v[i].n);
	free(txn->flow_mods->v);
	free(txn->flow_mods);
	txn->flow_mods = NULL;
}

/* --- Reading the tables. --- */

static json_t *
rule_json(const struct rule *r, int64_t now)
{
	struct strbuf match, acts;
	struct match m;
	json_t *j;

	strbuf_init(&match);
	strbuf_init(&acts);
	rule_get_match(r, &m);
	flow_format_match(&m, FLOW_PRIORITY_DEFAULT, &match);
	actions_format(r->actions, r->n_actions, &acts);
	j = json_pack("{s:s, s:f, s:i, s:I, s:I, s:I, s:i, s:s, s:s, s:i, s:i}",
		      "cookie", "", "duration", (double)(now - r->created_ms) / 1000.0,
		      "table", r->table_id, "n_packets", (json_int_t)r->n_packets,
		      "n_bytes", (json_int_t)r->n_bytes,
		      "idle_age", (json_int_t)((now - r->used_ms) / 1000),
		      "priority", rule_priority(r), "match", strbuf_cstr(&match),
		      "actions", strbuf_cstr(&acts), "idle_timeout", r->idle_timeout,
		      "hard_timeout", r->hard_timeout);
	json_object_set_new(j, "cookie", json_sprintf("0x%llx", (unsigned long long)r->cookie));
	strbuf_uninit(&match);
	strbuf_uninit(&acts);
	return j;
}

json_t *
cmd_dump_flows(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = txn_need_running_bridge(c, err);
	struct cfg_bridge *b = br ? txn_need_bridge(txn, c, c->args[0], err) : NULL;
	struct ofp_flow_spec filter, *fp = NULL;
	struct rule **rules;
	int64_t now = time_msec();
	json_t *rows;
	size_t n;

	if (!b)
		return NULL;
	if (c->n_args > 1) {
		if (!parse_one(c, b, c->args[1], FLOW_PARSE_FILTER, &filter, "", err))
			return NULL;
		fp = &filter;
	}
	rules = oftable_collect(&br->ofproto.flows, fp, &n);
	rows = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, rule_json(rules[i], now));
	free(rules);
	if (fp)
		ofp_flow_spec_uninit(fp);
	return rows;
}

json_t *
cmd_dump_tables(struct txn *txn UNUSED, const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = txn_need_running_bridge(c, err);
	const struct oftable *t;
	json_t *rows;

	if (!br)
		return NULL;
	t = &br->ofproto.flows;
	rows = json_array();
	for (int i = 0; i < OFTABLE_N; i++) {
		/* Like ovs-ofctl, tables nobody uses are not listed (table 0 always is). */
		if (i && !classifier_count(&t->cls[i]) && !t->stats[i].lookups)
			continue;
		json_array_append_new(rows, json_pack("{s:i, s:I, s:I, s:I}", "table", i,
						      "active", (json_int_t)classifier_count(&t->cls[i]),
						      "lookups", (json_int_t)t->stats[i].lookups,
						      "matched", (json_int_t)t->stats[i].matched));
	}
	return rows;
}

/* Parses a packet in hex ("0a1b..." with optional spaces or colons) into 'pkt'. */
static bool
parse_hex_packet(const char *hex, struct pkt *pkt)
{
	pkt_reset(pkt);
	while (*hex) {
		unsigned int byte;

		if (*hex == ' ' || *hex == ':') {
			hex++;
			continue;
		}
		if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]) ||
		    pkt->size >= PKT_MAX_SIZE || sscanf(hex, "%2x", &byte) != 1)
			return false;
		pkt->data[pkt->size++] = (uint8_t)byte;
		hex += 2;
	}
	return pkt->size >= 14;
}

/* The packet and key to trace: from a flow's fields, or a packet in hex with the flow's
 * in_port and tunnel fields. */
static bool
trace_input(const struct cmd *c, const struct ofp_flow_spec *spec, struct pkt *pkt,
	    struct flow *flow, struct rpc_error *err)
{
	if (c->n_args < 3) {
		*flow = spec->match.flow;
		pkt_reset(pkt);
		pkt->size = 64;
		memset(pkt->data, 0, 64);
		return true;
	}
	if (!parse_hex_packet(c->args[2], pkt)) {
		txn_fail(err, CTL_ERR_INVALID, c->verb, c->args[0],
			 "packet: not an Ethernet frame in hex digits");
		return false;
	}
	pkt->in_port = spec->match.flow.in_port;
	pkt->tun.id = be64toh(spec->match.flow.tun_id);
	pkt->tun.ipv4_src = spec->match.flow.tun_src;
	pkt->tun.ipv4_dst = spec->match.flow.tun_dst;
	flow_extract(pkt, flow);
	return true;
}

json_t *
cmd_trace(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = txn_need_running_bridge(c, err);
	struct cfg_bridge *b = br ? txn_need_bridge(txn, c, c->args[0], err) : NULL;
	struct ofp_flow_spec spec;
	struct ofport *in;
	struct strbuf out;
	struct flow flow;
	struct pkt *pkt;
	json_t *result = NULL;

	if (!b || !parse_one(c, b, c->args[1], FLOW_PARSE_FILTER, &spec, "", err))
		return NULL;
	in = ofproto_port_find(&br->ofproto, spec.match.flow.in_port);
	pkt = pkt_alloc();
	if (!spec.match.wc.in_port || !in) {
		txn_fail(err, CTL_ERR_INVALID, c->verb, c->args[0],
			 "the flow must name an existing in_port");
	} else if (trace_input(c, &spec, pkt, &flow, err)) {
		strbuf_init(&out);
		xlate_trace(&br->ofproto, in, pkt, &flow, &out);
		result = json_string(strbuf_cstr(&out));
		strbuf_uninit(&out);
	}
	pkt_free(pkt);
	ofp_flow_spec_uninit(&spec);
	return result;
}

/* The lisp/ verbs: map-cache views and static entries, the built-in map-server's sites. */
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "ctl-proto.h"
#include "lisp-cfg.h"
#include "lisp-cp.h"
#include "lisp-port.h"
#include "lisp-xtr.h"
#include "map-server.h"
#include "mapping.h"
#include "netdev.h"
#include "strbuf.h"
#include "txn.h"

static const char *const action_names[] = {
	[LISP_ACT_NO_ACTION] = "no-action",
	[LISP_ACT_NATIVE_FORWARD] = "natively-forward",
	[LISP_ACT_SEND_MAP_REQUEST] = "send-map-request",
	[LISP_ACT_DROP] = "drop",
	[LISP_ACT_POLICY_DENIED] = "policy-denied",
	[LISP_ACT_AUTH_FAILURE] = "auth-failure",
};

static json_t *
addr_json(const struct in6_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	return json_string(lisp_addr_format(a, buf));
}

static json_t *
prefix_json(const struct lisp_prefix *p)
{
	char buf[LISP_PREFIX_STRLEN];

	return json_string(lisp_prefix_format(p, buf));
}

static const char *
action_name(uint8_t a)
{
	return a < ARRAY_SIZE(action_names) ? action_names[a] : "unknown";
}

/* Seconds from 'now' to 'ms' (negative: past), or null for "never". */
static json_t *
seconds_json(int64_t ms, int64_t now)
{
	return ms == MC_NEVER ? json_null() : json_integer((ms - now) / 1000);
}

static json_t *
locator_json(const struct mc_locator *l)
{
	return json_pack("{s:o, s:i, s:i, s:b, s:o}", "rloc", addr_json(&l->loc.rloc),
			 "priority", l->loc.priority, "weight", l->loc.weight, "up", l->up,
			 "rtt_us", l->rtt_us < 0 ? json_null() : json_integer(l->rtt_us));
}

static json_t *
entry_json(const struct mc_entry *e, int64_t now)
{
	json_t *locs = json_array();

	for (uint8_t i = 0; i < e->n_locators; i++)
		json_array_append_new(locs, locator_json(&e->locators[i]));
	return json_pack("{s:o, s:s, s:I, s:o, s:o, s:I, s:I, s:o}", "eid", prefix_json(&e->eid),
			 "source", e->source == MC_STATIC ? "static" : "map-reply",
			 "age_s", (json_int_t)((now - e->created_ms) / 1000),
			 "expires_s", seconds_json(e->expires_ms, now),
			 "action", e->n_locators ? json_null() : json_string(action_name(e->action)),
			 "packets", (json_int_t)e->packets, "bytes", (json_int_t)e->bytes,
			 "locators", locs);
}

static json_t *
xtr_counters_json(const struct xtr_counters *c)
{
	json_t *o = json_object();

#define XTR_COUNTER_JSON(name, text) json_object_set_new(o, #name, json_integer((json_int_t)c->name));
	XTR_COUNTERS(XTR_COUNTER_JSON)
#undef XTR_COUNTER_JSON
	return o;
}

static json_t *
servers_json(const struct lisp_xtr *x, int64_t now)
{
	const struct lisp_cp_cfg *cp = &lisp_xtr_cfg(x)->cp;
	json_t *a = json_array();

	for (size_t i = 0; i < cp->n_servers; i++) {
		int64_t acked = lisp_xtr_acked_ms(x, i);

		json_array_append_new(a, json_pack("{s:o, s:o}", "address",
						   addr_json(&cp->servers[i]),
						   "registered_s_ago", acked ?
						   json_integer((now - acked) / 1000) :
						   json_null()));
	}
	return a;
}

static json_t *
port_json(const struct ofport *op, int64_t now)
{
	struct lisp_xtr *x = lisp_port_xtr(op->netdev);
	const struct lisp_cp_cfg *cp = &lisp_xtr_cfg(x)->cp;
	struct map_cache *mc = lisp_xtr_cache(x);
	json_t *entries = json_array(), *eids = json_array();
	const struct mc_entry *e = NULL;
	size_t pending, waiting = lisp_xtr_waiting(x, &pending);

	while ((e = map_cache_next(mc, e)))
		json_array_append_new(entries, entry_json(e, now));
	for (size_t i = 0; i < cp->n_eids; i++)
		json_array_append_new(eids, prefix_json(&cp->eids[i]));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:o}",
			 "port", op->name, "bridge", op->ofproto->name,
			 "map_resolver", cp->has_resolver ? addr_json(&cp->resolver) : json_null(),
			 "map_servers", servers_json(x, now), "eid_prefixes", eids,
			 "size", (json_int_t)map_cache_count(mc), "max", (json_int_t)mc->max,
			 "queued", (json_int_t)waiting, "asking", (json_int_t)pending,
			 "counters", xtr_counters_json(lisp_xtr_counters(x)), "entries", entries);
}

/* The running lisp port named 'name', or NULL with 'err' filled. */
static struct ofport *
need_lisp_port(const struct cmd *c, const char *name, struct rpc_error *err)
{
	size_t n;
	struct bridge **brs = bridge_all(&n);

	for (size_t i = 0; i < n; i++) {
		struct port *p = bridge_port_find(brs[i], name);

		if (p && p->ofport.netdev->class == &netdev_lisp_class)
			return &p->ofport;
		if (p)
			return txn_fail(err, CTL_ERR_INVALID, c->verb, name, "not a lisp port"),
			       NULL;
	}
	txn_fail(err, CTL_ERR_NO_PORT, c->verb, name, "no such lisp port");
	return NULL;
}

json_t *
cmd_map_cache_show(struct txn *txn UNUSED, const struct cmd *c, struct rpc_error *err)
{
	int64_t now = time_msec();
	json_t *ports = json_array();
	size_t n;
	struct bridge **brs = bridge_all(&n);

	if (c->n_args) {
		struct ofport *op = need_lisp_port(c, c->args[0], err);

		if (!op) {
			json_decref(ports);
			return NULL;
		}
		json_array_append_new(ports, port_json(op, now));
		return ports;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ofport *op;

		HMAP_FOR_EACH_SAFE(op, node, &brs[i]->ofproto.ports)
			if (op->netdev->class == &netdev_lisp_class)
				json_array_append_new(ports, port_json(op, now));
	}
	return ports;
}

/* The configured lisp port named by the first argument, with its instance for bare prefixes. */
static struct cfg_port *
need_cfg_lisp_port(struct txn *txn, const struct cmd *c, struct ofport **opp, uint32_t *iid,
		   struct rpc_error *err)
{
	struct ofport *op = need_lisp_port(c, c->args[0], err);
	struct cfg_port *p = op ? cfg_find_port(&txn->cfg, c->args[0], NULL) : NULL;

	if (op && !p)
		txn_fail(err, CTL_ERR_NO_PORT, c->verb, c->args[0], "no such lisp port");
	if (p) {
		*iid = (uint32_t)MAX(lisp_port_cfg(op->netdev)->out_key, 0);
		*opp = op;
	}
	return p;
}

/* The index of the static entry for 'eid' in 'p's list, or -1. */
static long
find_static(const struct cfg_port *p, const struct lisp_prefix *eid, uint32_t iid)
{
	for (size_t i = 0; i < p->map_cache.n; i++) {
		struct lisp_record r;
		char err[256];

		if (!mapping_parse_static(p->map_cache.v[i], iid, &r, err, sizeof err) &&
		    lisp_prefix_equal(&r.eid, eid))
			return (long)i;
	}
	return -1;
}

json_t *
cmd_map_cache_add(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct lisp_record r;
	struct ofport *op;
	struct strbuf line;
	uint32_t iid = 0;
	struct cfg_port *p = need_cfg_lisp_port(txn, c, &op, &iid, err);
	json_t *out = NULL;
	char msg[256];
	long old;

	if (!p)
		return NULL;
	strbuf_init(&line);
	for (size_t i = 1; i < c->n_args; i++)
		strbuf_printf(&line, "%s%s", i > 1 ? " " : "", c->args[i]);
	if (mapping_parse_static(strbuf_cstr(&line), iid, &r, msg, sizeof msg) < 0) {
		txn_fail(err, CTL_ERR_INVALID, c->verb, c->args[0], "%s", msg);
		goto out;
	}
	if ((old = find_static(p, &r.eid, iid)) >= 0) {
		if (!c->may_exist) {
			txn_fail(err, CTL_ERR_EXISTS, c->verb, c->args[0],
				 "a static entry for %s exists", c->args[1]);
			goto out;
		}
		strlist_del(&p->map_cache, (size_t)old);
	}
	strlist_add(&p->map_cache, strbuf_cstr(&line));
	txn->dirty = true;
	out = json_null();
out:
	strbuf_uninit(&line);
	return out;
}

json_t *
cmd_map_cache_del(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct lisp_prefix eid;
	struct ofport *op;
	uint32_t iid = 0;
	struct cfg_port *p = need_cfg_lisp_port(txn, c, &op, &iid, err);
	struct map_cache *mc;
	struct mc_entry *e;
	long i;

	if (!p)
		return NULL;
	if (!lisp_prefix_parse(c->args[1], iid, &eid))
		return txn_fail(err, CTL_ERR_INVALID, c->verb, c->args[0],
				"\"%.64s\": not an EID prefix ([IID]ADDRESS/LENGTH)", c->args[1]);
	if ((i = find_static(p, &eid, iid)) >= 0) {
		strlist_del(&p->map_cache, (size_t)i);
		txn->dirty = true;
		return json_null();
	}
	/* A learnt entry: forgotten now (the next packet asks again); nothing to save. */
	mc = lisp_xtr_cache(lisp_port_xtr(op->netdev));
	if ((e = map_cache_find(mc, &eid))) {
		map_cache_remove(mc, e);
		return json_null();
	}
	return c->if_exists ? json_null() :
	       txn_fail(err, CTL_ERR_NOT_FOUND, c->verb, c->args[0], "no entry for %s",
			c->args[1]);
}

json_t *
cmd_ms_add_site(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_site *s = cfg_find_site(&txn->cfg, c->args[0]);
	char msg[256];

	if (s) {
		if (c->may_exist)
			return json_null();
		return txn_fail(err, CTL_ERR_EXISTS, c->verb, c->args[0], "site already exists");
	}
	s = cfg_add_site(&txn->cfg, c->args[0], c->args[1]);
	for (size_t i = 2; i < c->n_args; i++)
		strlist_add(&s->eids, c->args[i]);
	if (mapping_check_sites(&txn->cfg, msg, sizeof msg) < 0)
		return txn_fail(err, CTL_ERR_INVALID, c->verb, c->args[0], "%s", msg);
	txn->dirty = true;
	return json_null();
}

json_t *
cmd_ms_del_site(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_site *s = cfg_find_site(&txn->cfg, c->args[0]);

	if (!s)
		return c->if_exists ? json_null() :
		       txn_fail(err, CTL_ERR_NOT_FOUND, c->verb, c->args[0], "no such site");
	cfg_del_site(&txn->cfg, s);
	txn->dirty = true;
	return json_null();
}

static json_t *
registration_json(const struct ms_registration *g, int64_t now)
{
	json_t *locs = json_array();

	for (uint8_t i = 0; i < g->record.n_locators; i++)
		json_array_append_new(locs, json_pack("{s:o, s:i, s:i}", "rloc",
						      addr_json(&g->record.locators[i].rloc),
						      "priority", g->record.locators[i].priority,
						      "weight", g->record.locators[i].weight));
	return json_pack("{s:o, s:o, s:I, s:I, s:b, s:I, s:o}", "eid",
			 prefix_json(&g->record.eid), "etr", addr_json(&g->etr),
			 "last_s_ago", (json_int_t)((now - g->last_ms) / 1000),
			 "expires_s", (json_int_t)((g->expires_ms - now) / 1000),
			 "proxy_reply", g->proxy_reply, "registers", (json_int_t)g->count,
			 "locators", locs);
}

json_t *
cmd_ms_show(struct txn *txn UNUSED, const struct cmd *c UNUSED, struct rpc_error *err UNUSED)
{
	const struct map_server *ms = mapping_server();
	json_t *sites = json_array(), *counters = json_object(), *cp = json_object();
	const struct lisp_cp_counters *k = lisp_cp_counters();
	int64_t now = time_msec();

	for (size_t i = 0; i < ms->n_sites; i++) {
		const struct ms_site *s = &ms->sites[i];
		json_t *eids = json_array(), *regs = json_array();

		for (size_t j = 0; j < s->n_prefixes; j++)
			json_array_append_new(eids, prefix_json(&s->prefixes[j]));
		for (size_t j = 0; j < s->n_regs; j++)
			json_array_append_new(regs, registration_json(&s->regs[j], now));
		json_array_append_new(sites, json_pack("{s:s, s:o, s:o}", "name", s->name,
						       "eid_prefixes", eids, "registrations",
						       regs));
	}
#define MS_COUNTER_JSON(name, text) \
	json_object_set_new(counters, #name, json_integer((json_int_t)ms->stats.name));
	MS_COUNTERS(MS_COUNTER_JSON)
#undef MS_COUNTER_JSON
#define CP_COUNTER_JSON(name, text) json_object_set_new(cp, #name, json_integer((json_int_t)k->name));
	LISP_CP_COUNTERS(CP_COUNTER_JSON)
#undef CP_COUNTER_JSON
	return json_pack("{s:o, s:o, s:o}", "sites", sites, "counters", counters, "control",
			 cp);
}

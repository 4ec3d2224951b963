/* Views of the running switch: show, dump-ports, fdb-show, and run-time logging levels. */
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "ctl-proto.h"
#include "flow.h"
#include "log.h"
#include "txn.h"

/* --- Views of the running switch. --- */

static json_t *
port_json(const struct cfg_port *p)
{
	return json_pack("{s:s, s:s, s:o, s:o}", "name", p->name, "type", p->type, "ofport",
			 bridge_ofport_json(p->ofport), "options", options_json(p));
}

json_t *
cmd_show(struct txn *txn, const struct cmd *c UNUSED, struct rpc_error *err UNUSED)
{
	json_t *bridges = json_array();

	for (size_t i = 0; i < txn->cfg.n_bridges; i++) {
		const struct cfg_bridge *b = &txn->cfg.bridges[i];
		json_t *ports = json_array();

		json_array_append_new(ports, json_pack("{s:s, s:s, s:s, s:{}}", "name", b->name,
						       "type", "internal", "ofport", "LOCAL",
						       "options"));
		for (size_t j = 0; j < b->n_ports; j++)
			json_array_append_new(ports, port_json(&b->ports[j]));
		json_array_append_new(bridges, json_pack("{s:s, s:o}", "name", b->name, "ports",
							 ports));
	}
	return json_pack("{s:o}", "bridges", bridges);
}

static int
cmp_port(const void *a, const void *b)
{
	const struct port *pa = *(struct port *const *)a, *pb = *(struct port *const *)b;
	/* LOCAL first, then by number, as ovs-ofctl lists them. */
	uint32_t na = pa->ofport.ofp_port == OFPP_LOCAL ? 0 : pa->ofport.ofp_port;
	uint32_t nb = pb->ofport.ofp_port == OFPP_LOCAL ? 0 : pb->ofport.ofp_port;

	return na < nb ? -1 : na > nb;
}

json_t *
cmd_dump_ports(struct txn *txn UNUSED, const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = txn_need_running_bridge(c, err);
	struct port **v;
	struct ofport *op;
	json_t *rows;
	size_t n = 0;

	if (!br)
		return NULL;
	if (c->n_args == 2) {
		struct port *port = bridge_port_find(br, c->args[1]);

		if (!port)
			return txn_fail(err, CTL_ERR_NO_PORT, c->verb, c->args[1], "no such port on %s",
				    c->args[0]);
		rows = json_array();
		json_array_append_new(rows, bridge_port_stats_json(port));
		return rows;
	}
	v = xcalloc(hmap_count(&br->ofproto.ports), sizeof *v);
	HMAP_FOR_EACH_SAFE(op, node, &br->ofproto.ports)
		v[n++] = CONTAINER_OF(op, struct port, ofport);
	qsort(v, n, sizeof *v, cmp_port);
	rows = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, bridge_port_stats_json(v[i]));
	free(v);
	return rows;
}

json_t *
cmd_fdb_show(struct txn *txn UNUSED, const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = txn_need_running_bridge(c, err);

	return br ? bridge_fdb_json(br) : NULL;
}

/* --- Logging. --- */

json_t *
cmd_vlog_set(struct txn *txn UNUSED, const struct cmd *c, struct rpc_error *err)
{
	enum log_category cat;
	enum log_level level;
	bool any = !strcmp(c->args[0], "any");

	if (!any && !log_category_from_name(c->args[0], &cat))
		return txn_fail(err, CTL_ERR_INVALID, c->verb, c->args[0], "unknown log category");
	if (!log_level_from_name(c->args[1], &level))
		return txn_fail(err, CTL_ERR_INVALID, c->verb, c->args[1],
			    "unknown log level (err, warn, info or dbg)");
	for (int i = 0; i < LOG_N_CATEGORIES; i++)
		if (any || (enum log_category)i == cat)
			log_set_level((enum log_category)i, level);
	return json_null();
}

json_t *
cmd_vlog_list(struct txn *txn UNUSED, const struct cmd *c UNUSED, struct rpc_error *err UNUSED)
{
	json_t *o = json_object();

	for (int i = 0; i < LOG_N_CATEGORIES; i++)
		json_object_set_new(o, log_category_name((enum log_category)i),
				    json_string(log_level_name(log_get_level((enum log_category)i))));
	return o;
}


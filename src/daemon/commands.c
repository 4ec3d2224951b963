#include "commands.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "capture.h"
#include "config.h"
#include "flows.h"
#include "txn.h"
#include "ctl-proto.h"
#include "flow.h"
#include "log.h"
#include "mapping.h"
#include "netdev.h"
#include "util.h"

static struct cfg running;
static char *config_path;

json_t *
txn_fail(struct rpc_error *err, int code, const char *verb, const char *object, const char *fmt, ...)
{
	char reason[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	err->code = code;
	snprintf(err->message, sizeof err->message, "%s%s%s: %s", verb, object ? " " : "",
		 object ? object : "", reason);
	return NULL;
}

void
txn_touch(struct txn *txn, const char *verb, const char *port)
{
	if (txn->n_touched < ARRAY_SIZE(txn->touched_port)) {
		txn->touched_verb[txn->n_touched] = verb;
		str_copy(txn->touched_port[txn->n_touched++], port, IFNAMSIZ);
	}
	txn->dirty = true;
}

static const char *
touched_by(const struct txn *txn, const char *port)
{
	for (size_t i = txn->n_touched; i-- > 0;)
		if (!strcmp(txn->touched_port[i], port))
			return txn->touched_verb[i];
	return "transaction";
}

struct cfg_bridge *
txn_need_bridge(struct txn *txn, const struct cmd *c, const char *name, struct rpc_error *err)
{
	struct cfg_bridge *b = cfg_find_bridge(&txn->cfg, name);

	if (!b)
		txn_fail(err, CTL_ERR_NO_BRIDGE, c->verb, name, "no such bridge");
	return b;
}

struct bridge *
txn_need_running_bridge(const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = bridge_find(c->args[0]);

	if (!br)
		txn_fail(err, CTL_ERR_NO_BRIDGE, c->verb, c->args[0], "no such bridge");
	return br;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

json_t *
txn_sorted(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = xcalloc(n, sizeof *v);

	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof *v, cmp_str);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
	return arr;
}

/* Handlers by verb; arity and usage are in the shared table (ctl-proto.h). */
static cmd_fn *const handlers[CTL_N_VERBS] = {
	[CTL_VERB_ADD_BR] = cmd_add_br,
	[CTL_VERB_DEL_BR] = cmd_del_br,
	[CTL_VERB_LIST_BR] = cmd_list_br,
	[CTL_VERB_BR_EXISTS] = cmd_br_exists,
	[CTL_VERB_ADD_PORT] = cmd_add_port,
	[CTL_VERB_DEL_PORT] = cmd_del_port,
	[CTL_VERB_LIST_PORTS] = cmd_list_ports,
	[CTL_VERB_SET] = cmd_set,
	[CTL_VERB_GET] = cmd_get,
	[CTL_VERB_SHOW] = cmd_show,
	[CTL_VERB_DUMP_PORTS] = cmd_dump_ports,
	[CTL_VERB_FDB_SHOW] = cmd_fdb_show,
	[CTL_VERB_VLOG_SET] = cmd_vlog_set,
	[CTL_VERB_VLOG_LIST] = cmd_vlog_list,
	[CTL_VERB_ADD_FLOW] = cmd_add_flow,
	[CTL_VERB_ADD_FLOWS] = cmd_add_flow,
	[CTL_VERB_DEL_FLOWS] = cmd_del_flows,
	[CTL_VERB_MOD_FLOWS] = cmd_mod_flows,
	[CTL_VERB_REPLACE_FLOWS] = cmd_replace_flows,
	[CTL_VERB_DUMP_FLOWS] = cmd_dump_flows,
	[CTL_VERB_DUMP_TABLES] = cmd_dump_tables,
	[CTL_VERB_TRACE] = cmd_trace,
	[CTL_VERB_DUMP_DROPS] = cmd_dump_drops,
	[CTL_VERB_METRICS] = cmd_metrics,
	[CTL_VERB_MC_SHOW] = cmd_map_cache_show,
	[CTL_VERB_MC_ADD] = cmd_map_cache_add,
	[CTL_VERB_MC_DEL] = cmd_map_cache_del,
	[CTL_VERB_MS_ADD_SITE] = cmd_ms_add_site,
	[CTL_VERB_MS_DEL_SITE] = cmd_ms_del_site,
	[CTL_VERB_MS_SHOW] = cmd_ms_show,
};

/* Checks one command of the request against the table: verb, arity, argument types. */
static cmd_fn *
parse_cmd(json_t *j, struct cmd *c, struct rpc_error *err)
{
	const struct ctl_verb_info *d;
	json_t *args = NULL, *opts = NULL, *a;
	const char *verb;
	size_t i;
	int v;

	memset(c, 0, sizeof *c);
	if (json_unpack(j, "{s:s, s?o, s?o}", "verb", &verb, "args", &args, "opts", &opts) ||
	    (args && !json_is_array(args)) || (opts && !json_is_object(opts))) {
		txn_fail(err, RPC_INVALID_PARAMS, "transact", NULL, "malformed command object");
		return NULL;
	}
	if ((v = ctl_verb_find(verb)) < 0) {
		txn_fail(err, RPC_METHOD_NOT_FOUND, verb, NULL, "unknown command");
		return NULL;
	}
	d = &ctl_verbs[v];
	if (!handlers[v]) {
		txn_fail(err, CTL_ERR_USAGE, verb, NULL, "%s",
			 d->flags & CTL_STREAM ? "runs alone, as its own method, not in a transaction"
					       : "runs inside lispctl, not in the daemon");
		return NULL;
	}
	c->verb = d->name;
	c->n_args = json_array_size(args);
	if (c->n_args < d->min_args || c->n_args > d->max_args) {
		txn_fail(err, CTL_ERR_USAGE, verb, NULL, "expects %s%s%s (got %zu argument%s)",
		     d->name, *d->usage ? " " : "", d->usage, c->n_args, c->n_args == 1 ? "" : "s");
		return NULL;
	}
	c->args = xcalloc(c->n_args + 1, sizeof *c->args);
	json_array_foreach(args, i, a) {
		if (!json_is_string(a)) {
			txn_fail(err, RPC_INVALID_PARAMS, verb, NULL, "argument %zu is not a string", i + 1);
			return NULL;
		}
		c->args[i] = json_string_value(a);
	}
	c->may_exist = json_is_true(json_object_get(opts, "may_exist"));
	c->if_exists = json_is_true(json_object_get(opts, "if_exists"));
	c->strict = json_is_true(json_object_get(opts, "strict"));
	return handlers[v];
}

/* Checks what only the whole transaction can: port types, options, numbers. */
static bool
validate(struct txn *txn, struct rpc_error *err)
{
	const struct cfg_port *bad;
	char msg[256];

	for (size_t i = 0; i < txn->cfg.n_bridges; i++) {
		struct cfg_bridge *b = &txn->cfg.bridges[i];

		for (size_t j = 0; j < b->n_ports; j++) {
			const struct cfg_port *p = &b->ports[j];
			const char *verb = touched_by(txn, p->name);

			if (netdev_validate(p->type, p->options, p->n_options, msg, sizeof msg)) {
				txn_fail(err, CTL_ERR_INVALID, verb, p->name, "%s", msg);
				return false;
			}
		}
		if (!cfg_assign_ofports(b, &bad, msg, sizeof msg)) {
			txn_fail(err, CTL_ERR_INVALID, touched_by(txn, bad->name), bad->name, "%s",
				 msg);
			return false;
		}
	}
	return true;
}

/* Applies the edited configuration to the bridges and the disk, or nothing at all. */
static bool
commit(struct txn *txn, struct rpc_error *err)
{
	char port[IFNAMSIZ] = "", msg[512];
	bool ok = false;

	if (!validate(txn, err))
		return false;
	/* The running flows as text: what bridge_restore() puts back if the file cannot be
	 * written, after the tables (and bridges) have changed. */
	flows_save(&running);
	if (bridge_reconfigure(&txn->cfg, &running, port, sizeof port, msg, sizeof msg) < 0) {
		txn_fail(err, CTL_ERR_DEVICE, touched_by(txn, port), port, "%s", msg);
		bridge_reconfigure(&running, &running, port, sizeof port, msg, sizeof msg);
		goto out;
	}
	cmd_flows_apply(txn);
	flows_save(&txn->cfg);
	if (cfg_save(&txn->cfg, config_path, msg, sizeof msg) < 0) {
		txn_fail(err, CTL_ERR_IO, "transaction", NULL, "%s", msg);
		bridge_restore(&running);
		goto out;
	}
	cfg_free(&running);
	running = txn->cfg;
	cfg_init(&txn->cfg);
	mapping_apply(&running);
	ok = true;
out:
	flows_forget(&running);
	return ok;
}

static json_t *
transact(json_t *params, struct rpc_error *err)
{
	struct txn txn = { .dirty = false };
	json_t *outputs = json_array(), *j;
	size_t i;

	if (!json_is_array(params) || !json_array_size(params)) {
		txn_fail(err, RPC_INVALID_PARAMS, "transact", NULL, "params must be a non-empty array");
		goto fail;
	}
	cfg_clone(&txn.cfg, &running);
	json_array_foreach(params, i, j) {
		struct cmd c = { 0 };
		cmd_fn *run = parse_cmd(j, &c, err);
		json_t *out = run ? run(&txn, &c, err) : NULL;

		free(c.args);
		if (!out)
			goto fail;
		json_array_append_new(outputs, out);
	}
	if (txn.dirty && !commit(&txn, err))
		goto fail;
	cmd_flows_free(&txn);
	cfg_free(&txn.cfg);
	return outputs;
fail:
	cmd_flows_free(&txn);
	cfg_free(&txn.cfg);
	json_decref(outputs);
	return NULL;
}

json_t *
commands_rpc(const char *method, json_t *params, struct rpc_error *err)
{
	if (!strcmp(method, "transact"))
		return transact(params, err);
	if (!strcmp(method, ctl_verbs[CTL_VERB_CAPTURE].name))
		return capture_rpc(params, err);
	txn_fail(err, RPC_METHOD_NOT_FOUND, method, NULL, "unknown method");
	return NULL;
}

const struct cfg *
commands_running(void)
{
	return &running;
}

struct port *
commands_port_find(const char *name)
{
	for (size_t i = 0; i < running.n_bridges; i++) {
		struct bridge *br = bridge_find(running.bridges[i].name);
		struct port *port = br ? bridge_port_find(br, name) : NULL;

		if (port)
			return port;
	}
	return NULL;
}

void
commands_save_flows(void)
{
	char msg[512];

	flows_save(&running);
	if (cfg_save(&running, config_path, msg, sizeof msg) < 0)
		log_err(CONFIG, "saving flows after timeouts: %s", msg);
	flows_forget(&running);
	heap_trim();
}

void
commands_init(struct cfg *cfg, const char *path)
{
	running = *cfg;
	cfg_init(cfg);
	config_path = xstrdup(path);
	/* The bridges that came up have their flows in their tables now. */
	flows_forget(&running);
}

void
commands_uninit(void)
{
	cfg_free(&running);
	free(config_path);
}

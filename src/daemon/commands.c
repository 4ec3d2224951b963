#include "commands.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "bridge.h"
#include "config.h"
#include "ctl-proto.h"
#include "flow.h"
#include "log.h"
#include "netdev.h"
#include "util.h"

#define CMD_MAX_ARGS 64

struct cmd {
	const char *verb;
	const char *args[CMD_MAX_ARGS];
	size_t n_args;
	bool may_exist;   /* --may-exist: adding what exists is not an error. */
	bool if_exists;   /* --if-exists: removing what does not exist is not an error. */
};

struct txn {
	struct cfg cfg;   /* The configuration being edited: a copy of the running one. */
	bool dirty;       /* Whether a command changed 'cfg'. */
	const char *touched_verb[64]; /* Verb that last changed each port (by index below). */
	char touched_port[64][IFNAMSIZ];
	size_t n_touched;
};

typedef json_t *cmd_fn(struct txn *, const struct cmd *, struct rpc_error *);


static struct cfg running;
static char *config_path;

/* Fills 'err' with "VERB OBJECT: reason" and returns NULL, for handlers to return. */
static json_t * PRINTF_FMT(5, 6)
fail(struct rpc_error *err, int code, const char *verb, const char *object, const char *fmt, ...)
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

static void
touch(struct txn *txn, const char *verb, const char *port)
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

static struct cfg_bridge *
need_bridge(struct txn *txn, const struct cmd *c, const char *name, struct rpc_error *err)
{
	struct cfg_bridge *b = cfg_find_bridge(&txn->cfg, name);

	if (!b)
		fail(err, CTL_ERR_NO_BRIDGE, c->verb, name, "no such bridge");
	return b;
}

static bool
check_name(const struct cmd *c, const char *what, const char *name, struct rpc_error *err)
{
	if (cfg_valid_ifname(name))
		return true;
	fail(err, CTL_ERR_INVALID, c->verb, name,
	     "invalid %s name (1 to 15 characters, no '/', ':' or spaces)", what);
	return false;
}

static void
random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x5a, 6);
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* Unicast, locally administered. */
}

/* --- Bridges. --- */

static json_t *
cmd_add_br(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	const char *name = c->args[0];
	struct cfg_bridge *owner;
	uint8_t mac[6];

	if (!check_name(c, "bridge", name, err))
		return NULL;
	if (cfg_find_bridge(&txn->cfg, name)) {
		if (c->may_exist)
			return json_null();
		return fail(err, CTL_ERR_EXISTS, c->verb, name, "bridge already exists");
	}
	if (cfg_find_port(&txn->cfg, name, &owner))
		return fail(err, CTL_ERR_EXISTS, c->verb, name, "a port named %s exists on bridge %s",
			    name, owner->name);
	random_mac(mac);
	cfg_add_bridge(&txn->cfg, name, mac);
	touch(txn, c->verb, name);
	return json_null();
}

static json_t *
cmd_del_br(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_bridge *b = cfg_find_bridge(&txn->cfg, c->args[0]);

	if (!b)
		return c->if_exists ? json_null() :
		       fail(err, CTL_ERR_NO_BRIDGE, c->verb, c->args[0], "no such bridge");
	cfg_del_bridge(&txn->cfg, b);
	txn->dirty = true;
	return json_null();
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* Sorts a JSON array of strings in place, as ovs-vsctl lists names. */
static json_t *
sorted(json_t *arr)
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

static json_t *
cmd_list_br(struct txn *txn, const struct cmd *c UNUSED, struct rpc_error *err UNUSED)
{
	json_t *names = json_array();

	for (size_t i = 0; i < txn->cfg.n_bridges; i++)
		json_array_append_new(names, json_string(txn->cfg.bridges[i].name));
	return sorted(names);
}

static json_t *
cmd_br_exists(struct txn *txn, const struct cmd *c, struct rpc_error *err UNUSED)
{
	return json_boolean(cfg_find_bridge(&txn->cfg, c->args[0]) != NULL);
}

/* --- Ports. --- */

static json_t *cmd_set_column(struct txn *txn, const struct cmd *c, struct cfg_port *p,
			      const char *assignment, struct rpc_error *err);

static json_t *
cmd_add_port(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	const char *bname = c->args[0], *pname = c->args[1];
	struct cfg_bridge *b = need_bridge(txn, c, bname, err), *owner;
	struct cfg_port *p;

	if (!b || !check_name(c, "port", pname, err))
		return NULL;
	if (cfg_find_bridge(&txn->cfg, pname))
		return fail(err, CTL_ERR_EXISTS, c->verb, pname,
			    "a bridge named %s exists (its internal port has that name)", pname);
	if ((p = cfg_find_port(&txn->cfg, pname, &owner))) {
		if (c->may_exist && owner == b)
			return json_null();
		return fail(err, CTL_ERR_EXISTS, c->verb, pname, "port already exists on bridge %s",
			    owner->name);
	}
	p = cfg_add_port(b, pname);
	touch(txn, c->verb, p->name);
	for (size_t i = 2; i < c->n_args; i++)
		if (!cmd_set_column(txn, c, p, c->args[i], err))
			return NULL;
	return json_null();
}

static json_t *
cmd_del_port(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	const char *pname = c->args[c->n_args - 1];
	struct cfg_bridge *b = NULL, *owner;
	struct cfg_port *p;

	if (c->n_args == 2 && !(b = need_bridge(txn, c, c->args[0], err)))
		return NULL;
	if (cfg_find_bridge(&txn->cfg, pname))
		return fail(err, CTL_ERR_INVALID, c->verb, pname,
			    "is a bridge's internal port: use del-br to remove the bridge");
	p = cfg_find_port(&txn->cfg, pname, &owner);
	if (!p)
		return c->if_exists ? json_null() :
		       fail(err, CTL_ERR_NO_PORT, c->verb, pname, "no such port");
	if (b && owner != b)
		return fail(err, CTL_ERR_NO_PORT, c->verb, pname, "port is on bridge %s, not %s",
			    owner->name, b->name);
	cfg_del_port(owner, p);
	txn->dirty = true;
	return json_null();
}

static json_t *
cmd_list_ports(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_bridge *b = need_bridge(txn, c, c->args[0], err);
	json_t *names;

	if (!b)
		return NULL;
	names = json_array();
	for (size_t i = 0; i < b->n_ports; i++)
		json_array_append_new(names, json_string(b->ports[i].name));
	return sorted(names);
}

/* --- set / get on the Interface table. --- */

/* ovs-vsctl values may be quoted: "flow" and flow are the same. */
static char *
unquote(const char *v)
{
	size_t len = strlen(v);

	if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
		return strndup(v + 1, len - 2);
	return xstrdup(v);
}

static bool
set_options_map(struct cfg_port *p, const char *value)
{
	char *copy, *tok, *save = NULL;
	size_t len = strlen(value);

	if (len < 2 || value[0] != '{' || value[len - 1] != '}')
		return false;
	copy = strndup(value + 1, len - 2);
	cfg_option_clear(p);
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char *eq = strchr(tok, '='), *k, *v;

		if (!eq || eq == tok) {
			free(copy);
			return false;
		}
		*eq = '\0';
		k = unquote(tok);
		v = unquote(eq + 1);
		cfg_option_set(p, k, v);
		free(k);
		free(v);
	}
	free(copy);
	return true;
}

static json_t *
cmd_set_column(struct txn *txn, const struct cmd *c, struct cfg_port *p, const char *assignment,
	       struct rpc_error *err)
{
	const char *eq = strchr(assignment, '=');
	char column[64];
	char *value;
	uint64_t n;
	bool ok = true;

	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof column)
		return fail(err, CTL_ERR_USAGE, c->verb, p->name,
			    "\"%s\": expected COLUMN=VALUE or options:KEY=VALUE", assignment);
	memcpy(column, assignment, (size_t)(eq - assignment));
	column[eq - assignment] = '\0';
	value = unquote(eq + 1);
	if (!strcmp(column, "type")) {
		ok = strlen(value) < sizeof p->type;
		if (ok)
			str_copy(p->type, value, sizeof p->type);
	} else if (!strncmp(column, "options:", 8) && column[8]) {
		cfg_option_set(p, column + 8, value);
	} else if (!strcmp(column, "options")) {
		ok = set_options_map(p, value);
	} else if (!strcmp(column, "ofport_request")) {
		ok = (*value == '\0' && (n = 0, true)) || (str_to_u64(value, OFPP_MAX - 1, &n) && n);
		if (ok) {
			p->ofport_request = (uint32_t)n;
			p->ofport = 0;
		}
	} else {
		free(value);
		return fail(err, CTL_ERR_USAGE, c->verb, p->name, "unknown column \"%s\"", column);
	}
	if (!ok) {
		json_t *r = fail(err, CTL_ERR_INVALID, c->verb, p->name,
				 "%s: invalid value \"%s\"", column, value);
		free(value);
		return r;
	}
	free(value);
	touch(txn, c->verb, p->name);
	return json_null();
}

static struct cfg_port *
need_interface(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	const char *table = c->args[0], *record = c->args[1];
	struct cfg_port *p;

	if (strcmp(table, "Interface") && strcmp(table, "Port")) {
		fail(err, CTL_ERR_USAGE, c->verb, table, "unknown table (Interface or Port)");
		return NULL;
	}
	p = cfg_find_port(&txn->cfg, record, NULL);
	if (!p)
		fail(err, CTL_ERR_NO_PORT, c->verb, record,
		     cfg_find_bridge(&txn->cfg, record) ?
		     "is a bridge's internal port, which has no settable columns" : "no such port");
	return p;
}

static json_t *
cmd_set(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_port *p = need_interface(txn, c, err);

	if (!p)
		return NULL;
	for (size_t i = 2; i < c->n_args; i++)
		if (!cmd_set_column(txn, c, p, c->args[i], err))
			return NULL;
	return json_null();
}

static json_t *
options_json(const struct cfg_port *p)
{
	json_t *o = json_object();

	for (size_t i = 0; i < p->n_options; i++)
		json_object_set_new(o, p->options[i].key, json_string(p->options[i].value));
	return o;
}

static json_t *
get_column(const struct cmd *c, const struct cfg_port *p, const char *column,
	   struct rpc_error *err)
{
	if (!strcmp(column, "name"))
		return json_string(p->name);
	if (!strcmp(column, "type"))
		return json_string(p->type);
	if (!strcmp(column, "ofport"))  /* Numbers are given at commit: [] until then, as OVS. */
		return p->ofport ? json_integer(p->ofport) : json_array();
	if (!strcmp(column, "ofport_request"))
		return p->ofport_request ? json_integer(p->ofport_request) : json_array();
	if (!strcmp(column, "options"))
		return options_json(p);
	if (!strncmp(column, "options:", 8)) {
		const char *v = cfg_option_get(p, column + 8);

		if (!v)
			return fail(err, CTL_ERR_NOT_FOUND, c->verb, p->name,
				    "no key \"%s\" in column options", column + 8);
		return json_string(v);
	}
	return fail(err, CTL_ERR_USAGE, c->verb, p->name, "unknown column \"%s\"", column);
}

static json_t *
cmd_get(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_port *p = need_interface(txn, c, err);
	json_t *values;

	if (!p)
		return NULL;
	values = json_array();
	for (size_t i = 2; i < c->n_args; i++) {
		json_t *v = get_column(c, p, c->args[i], err);

		if (!v) {
			json_decref(values);
			return NULL;
		}
		json_array_append_new(values, v);
	}
	return values;
}

/* --- Views of the running switch. --- */

static json_t *
port_json(const struct cfg_port *p)
{
	return json_pack("{s:s, s:s, s:o, s:o}", "name", p->name, "type", p->type, "ofport",
			 bridge_ofport_json(p->ofport), "options", options_json(p));
}

static json_t *
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

static struct bridge *
need_running_bridge(const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = bridge_find(c->args[0]);

	if (!br)
		fail(err, CTL_ERR_NO_BRIDGE, c->verb, c->args[0], "no such bridge");
	return br;
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

static json_t *
cmd_dump_ports(struct txn *txn UNUSED, const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = need_running_bridge(c, err);
	struct port **v;
	struct ofport *op;
	json_t *rows;
	size_t n = 0;

	if (!br)
		return NULL;
	if (c->n_args == 2) {
		struct port *port = bridge_port_find(br, c->args[1]);

		if (!port)
			return fail(err, CTL_ERR_NO_PORT, c->verb, c->args[1], "no such port on %s",
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

static json_t *
cmd_fdb_show(struct txn *txn UNUSED, const struct cmd *c, struct rpc_error *err)
{
	struct bridge *br = need_running_bridge(c, err);

	return br ? bridge_fdb_json(br) : NULL;
}

/* --- Logging. --- */

static json_t *
cmd_vlog_set(struct txn *txn UNUSED, const struct cmd *c, struct rpc_error *err)
{
	enum log_category cat;
	enum log_level level;
	bool any = !strcmp(c->args[0], "any");

	if (!any && !log_category_from_name(c->args[0], &cat))
		return fail(err, CTL_ERR_INVALID, c->verb, c->args[0], "unknown log category");
	if (!log_level_from_name(c->args[1], &level))
		return fail(err, CTL_ERR_INVALID, c->verb, c->args[1],
			    "unknown log level (err, warn, info or dbg)");
	for (int i = 0; i < LOG_N_CATEGORIES; i++)
		if (any || (enum log_category)i == cat)
			log_set_level((enum log_category)i, level);
	return json_null();
}

static json_t *
cmd_vlog_list(struct txn *txn UNUSED, const struct cmd *c UNUSED, struct rpc_error *err UNUSED)
{
	json_t *o = json_object();

	for (int i = 0; i < LOG_N_CATEGORIES; i++)
		json_object_set_new(o, log_category_name((enum log_category)i),
				    json_string(log_level_name(log_get_level((enum log_category)i))));
	return o;
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
		fail(err, RPC_INVALID_PARAMS, "transact", NULL, "malformed command object");
		return NULL;
	}
	if ((v = ctl_verb_find(verb)) < 0 || !handlers[v]) {
		fail(err, RPC_METHOD_NOT_FOUND, verb, NULL, "unknown command");
		return NULL;
	}
	d = &ctl_verbs[v];
	c->verb = d->name;
	c->n_args = json_array_size(args);
	if (c->n_args < d->min_args || c->n_args > d->max_args) {
		fail(err, CTL_ERR_USAGE, verb, NULL, "expects %s%s%s (got %zu argument%s)",
		     d->name, *d->usage ? " " : "", d->usage, c->n_args, c->n_args == 1 ? "" : "s");
		return NULL;
	}
	json_array_foreach(args, i, a) {
		if (!json_is_string(a)) {
			fail(err, RPC_INVALID_PARAMS, verb, NULL, "argument %zu is not a string", i + 1);
			return NULL;
		}
		c->args[i] = json_string_value(a);
	}
	c->may_exist = json_is_true(json_object_get(opts, "may_exist"));
	c->if_exists = json_is_true(json_object_get(opts, "if_exists"));
	return handlers[v];
}

/* Checks what only the whole transaction can: port types, options, numbers. */
static bool
validate(struct txn *txn, struct rpc_error *err)
{
	char msg[256];

	for (size_t i = 0; i < txn->cfg.n_bridges; i++) {
		struct cfg_bridge *b = &txn->cfg.bridges[i];

		for (size_t j = 0; j < b->n_ports; j++) {
			const struct cfg_port *p = &b->ports[j];
			const char *verb = touched_by(txn, p->name);

			if (netdev_validate(p->type, p->options, p->n_options, msg, sizeof msg)) {
				fail(err, CTL_ERR_INVALID, verb, p->name, "%s", msg);
				return false;
			}
		}
		if (!cfg_assign_ofports(b, msg, sizeof msg)) {
			fail(err, CTL_ERR_INVALID, "set", b->name, "%s", msg);
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

	if (!validate(txn, err))
		return false;
	if (bridge_reconfigure(&txn->cfg, &running, port, sizeof port, msg, sizeof msg) < 0) {
		fail(err, CTL_ERR_DEVICE, touched_by(txn, port), port, "%s", msg);
		bridge_reconfigure(&running, &running, port, sizeof port, msg, sizeof msg);
		return false;
	}
	if (cfg_save(&txn->cfg, config_path, msg, sizeof msg) < 0) {
		fail(err, CTL_ERR_IO, "transaction", NULL, "%s", msg);
		bridge_reconfigure(&running, &running, port, sizeof port, msg, sizeof msg);
		return false;
	}
	cfg_free(&running);
	running = txn->cfg;
	cfg_init(&txn->cfg);
	return true;
}

static json_t *
transact(json_t *params, struct rpc_error *err)
{
	struct txn txn = { .dirty = false };
	json_t *outputs = json_array(), *j;
	size_t i;

	if (!json_is_array(params) || !json_array_size(params)) {
		fail(err, RPC_INVALID_PARAMS, "transact", NULL, "params must be a non-empty array");
		goto fail;
	}
	cfg_clone(&txn.cfg, &running);
	json_array_foreach(params, i, j) {
		struct cmd c;
		cmd_fn *run = parse_cmd(j, &c, err);
		json_t *out;

		if (!run || !(out = run(&txn, &c, err)))
			goto fail;
		json_array_append_new(outputs, out);
	}
	if (txn.dirty && !commit(&txn, err))
		goto fail;
	cfg_free(&txn.cfg);
	return outputs;
fail:
	cfg_free(&txn.cfg);
	json_decref(outputs);
	return NULL;
}

json_t *
commands_rpc(const char *method, json_t *params, struct rpc_error *err)
{
	if (!strcmp(method, "transact"))
		return transact(params, err);
	fail(err, RPC_METHOD_NOT_FOUND, method, NULL, "unknown method");
	return NULL;
}

void
commands_init(struct cfg *cfg, const char *path)
{
	running = *cfg;
	cfg_init(cfg);
	config_path = xstrdup(path);
}

void
commands_uninit(void)
{
	cfg_free(&running);
	free(config_path);
}

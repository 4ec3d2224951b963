/* The ovs-vsctl verbs: bridges, ports, and the Interface columns lispctl can set and get. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "config.h"
#include "ctl-proto.h"
#include "flow.h"
#include "flows.h"
#include "lisp-cfg.h"
#include "txn.h"

static bool
check_name(const struct cmd *c, const char *what, const char *name, struct rpc_error *err)
{
	char quoted[80];

	if (cfg_valid_ifname(name))
		return true;
	snprintf(quoted, sizeof quoted, "\"%.64s\"", name);
	txn_fail(err, CTL_ERR_INVALID, c->verb, quoted,
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

json_t *
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
		return txn_fail(err, CTL_ERR_EXISTS, c->verb, name, "bridge already exists");
	}
	if (cfg_find_port(&txn->cfg, name, &owner))
		return txn_fail(err, CTL_ERR_EXISTS, c->verb, name, "a port named %s exists on bridge %s",
			    name, owner->name);
	random_mac(mac);
	cfg_flows_set(cfg_add_bridge(&txn->cfg, name, mac), (const char *[]){ FLOWS_DEFAULT }, 1);
	txn_touch(txn, c->verb, name);
	return json_null();
}

json_t *
cmd_del_br(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_bridge *b = cfg_find_bridge(&txn->cfg, c->args[0]);

	if (!b)
		return c->if_exists ? json_null() :
		       txn_fail(err, CTL_ERR_NO_BRIDGE, c->verb, c->args[0], "no such bridge");
	cfg_del_bridge(&txn->cfg, b);
	txn->dirty = true;
	return json_null();
}

json_t *
cmd_list_br(struct txn *txn, const struct cmd *c UNUSED, struct rpc_error *err UNUSED)
{
	json_t *names = json_array();

	for (size_t i = 0; i < txn->cfg.n_bridges; i++)
		json_array_append_new(names, json_string(txn->cfg.bridges[i].name));
	return txn_sorted(names);
}

json_t *
cmd_br_exists(struct txn *txn, const struct cmd *c, struct rpc_error *err UNUSED)
{
	return json_boolean(cfg_find_bridge(&txn->cfg, c->args[0]) != NULL);
}

/* --- Ports. --- */

static json_t *set_column(struct txn *txn, const struct cmd *c, struct cfg_port *p,
			  const char *assignment, struct rpc_error *err);

json_t *
cmd_add_port(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	const char *bname = c->args[0], *pname = c->args[1];
	struct cfg_bridge *b = txn_need_bridge(txn, c, bname, err), *owner;
	struct cfg_port *p;

	if (!b || !check_name(c, "port", pname, err))
		return NULL;
	if (cfg_find_bridge(&txn->cfg, pname))
		return txn_fail(err, CTL_ERR_EXISTS, c->verb, pname,
			    "a bridge named %s exists (its internal port has that name)", pname);
	if (cfg_find_port(&txn->cfg, pname, &owner)) {
		if (c->may_exist && owner == b)
			return json_null();
		return txn_fail(err, CTL_ERR_EXISTS, c->verb, pname, "port already exists on bridge %s",
			    owner->name);
	}
	p = cfg_add_port(b, pname);
	txn_touch(txn, c->verb, p->name);
	for (size_t i = 2; i < c->n_args; i++)
		if (!set_column(txn, c, p, c->args[i], err))
			return NULL;
	return json_null();
}

json_t *
cmd_del_port(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	const char *pname = c->args[c->n_args - 1];
	struct cfg_bridge *b = NULL, *owner;
	struct cfg_port *p;

	if (c->n_args == 2 && !(b = txn_need_bridge(txn, c, c->args[0], err)))
		return NULL;
	if (cfg_find_bridge(&txn->cfg, pname))
		return txn_fail(err, CTL_ERR_INVALID, c->verb, pname,
			    "is a bridge's internal port: use del-br to remove the bridge");
	p = cfg_find_port(&txn->cfg, pname, &owner);
	if (!p)
		return c->if_exists ? json_null() :
		       txn_fail(err, CTL_ERR_NO_PORT, c->verb, pname, "no such port");
	if (b && owner != b)
		return txn_fail(err, CTL_ERR_NO_PORT, c->verb, pname, "port is on bridge %s, not %s",
			    owner->name, b->name);
	cfg_del_port(owner, p);
	txn->dirty = true;
	return json_null();
}

json_t *
cmd_list_ports(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_bridge *b = txn_need_bridge(txn, c, c->args[0], err);
	json_t *names;

	if (!b)
		return NULL;
	names = json_array();
	for (size_t i = 0; i < b->n_ports; i++)
		json_array_append_new(names, json_string(b->ports[i].name));
	return txn_sorted(names);
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
set_column(struct txn *txn, const struct cmd *c, struct cfg_port *p, const char *assignment,
	       struct rpc_error *err)
{
	const char *eq = strchr(assignment, '=');
	char column[64];
	char *value;
	uint64_t n;
	bool ok = true;

	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof column)
		return txn_fail(err, CTL_ERR_USAGE, c->verb, p->name,
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
		/* A new request renumbers the port; clearing it keeps the number it has. */
		if (ok && n && n != p->ofport)
			p->ofport = 0;
		if (ok)
			p->ofport_request = (uint32_t)n;
	} else {
		free(value);
		return txn_fail(err, CTL_ERR_USAGE, c->verb, p->name, "unknown column \"%s\"", column);
	}
	if (!ok) {
		json_t *r = txn_fail(err, CTL_ERR_INVALID, c->verb, p->name,
				 "%s: invalid value \"%s\"", column, value);
		free(value);
		return r;
	}
	free(value);
	txn_touch(txn, c->verb, p->name);
	return json_null();
}

static struct cfg_port *
need_interface(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	const char *table = c->args[0], *record = c->args[1];
	struct cfg_port *p;

	if (strcmp(table, "Interface") && strcmp(table, "Port")) {
		txn_fail(err, CTL_ERR_USAGE, c->verb, table, "unknown table (Interface or Port)");
		return NULL;
	}
	p = cfg_find_port(&txn->cfg, record, NULL);
	if (!p)
		txn_fail(err, CTL_ERR_NO_PORT, c->verb, record,
		     cfg_find_bridge(&txn->cfg, record) ?
		     "is a bridge's internal port, which has no settable columns" : "no such port");
	return p;
}

json_t *
cmd_set(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct cfg_port *p = need_interface(txn, c, err);

	if (!p)
		return NULL;
	for (size_t i = 2; i < c->n_args; i++)
		if (!set_column(txn, c, p, c->args[i], err))
			return NULL;
	return json_null();
}

/* Secrets (map-server keys) are never shown: only that one is set. */
static const char *
shown_value(const char *key, const char *value)
{
	return lisp_cfg_is_secret(key) ? "(secret)" : value;
}

json_t *
options_json(const struct cfg_port *p)
{
	json_t *o = json_object();

	for (size_t i = 0; i < p->n_options; i++)
		json_object_set_new(o, p->options[i].key,
				    json_string(shown_value(p->options[i].key, p->options[i].value)));
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
			return txn_fail(err, CTL_ERR_NOT_FOUND, c->verb, p->name,
				    "no key \"%s\" in column options", column + 8);
		return json_string(shown_value(column + 8, v));
	}
	return txn_fail(err, CTL_ERR_USAGE, c->verb, p->name, "unknown column \"%s\"", column);
}

json_t *
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


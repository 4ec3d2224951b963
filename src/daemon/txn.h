/*
 * What command handlers share: the parsed command, the transaction it runs in, and helpers for
 * the one-line errors every handler reports ("VERB OBJECT: reason").
 */
#ifndef LS_TXN_H
#define LS_TXN_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>

#include "config.h"
#include "rpc.h"
#include "util.h"

struct bridge;

struct cmd {
	const char *verb;
	const char **args;
	size_t n_args;
	bool may_exist;   /* --may-exist: adding what exists is not an error. */
	bool if_exists;   /* --if-exists: removing what does not exist is not an error. */
	bool strict;      /* --strict: flows by exact match and priority. */
};

struct flow_mods;

struct txn {
	struct cfg cfg;   /* The configuration being edited: a copy of the running one. */
	bool dirty;       /* Whether a command changed 'cfg'. */
	const char *touched_verb[64]; /* Verb that last changed each port (by index below). */
	char touched_port[64][IFNAMSIZ];
	size_t n_touched;
	struct flow_mods *flow_mods;  /* Flow table changes, applied at commit (cmd-flows.c). */
};

/* A handler returns its output (json_null() if none), or NULL with 'err' filled. */
typedef json_t *cmd_fn(struct txn *, const struct cmd *, struct rpc_error *);

/* Fills 'err' with "VERB OBJECT: reason" and returns NULL, for handlers to return. */
json_t *txn_fail(struct rpc_error *err, int code, const char *verb, const char *object,
		 const char *fmt, ...) PRINTF_FMT(5, 6);
/* Records that 'verb' changed port 'port', for errors found only at commit. */
void txn_touch(struct txn *txn, const char *verb, const char *port);
struct cfg_bridge *txn_need_bridge(struct txn *txn, const struct cmd *c, const char *name,
				   struct rpc_error *err);
/* The running bridge named by the command's first argument, or NULL with 'err' filled. */
struct bridge *txn_need_running_bridge(const struct cmd *c, struct rpc_error *err);
/* Sorts a JSON array of strings in place, as ovs-vsctl lists names; returns it. */
json_t *txn_sorted(json_t *arr);

/* Handlers, by file. */
cmd_fn cmd_add_br, cmd_del_br, cmd_list_br, cmd_br_exists, cmd_add_port, cmd_del_port,
	cmd_list_ports, cmd_set, cmd_get;
cmd_fn cmd_show, cmd_dump_ports, cmd_fdb_show, cmd_vlog_set, cmd_vlog_list;
cmd_fn cmd_dump_drops, cmd_metrics;
cmd_fn cmd_map_cache_show, cmd_map_cache_add, cmd_map_cache_del, cmd_ms_add_site,
	cmd_ms_del_site, cmd_ms_show;
cmd_fn cmd_add_flow, cmd_del_flows, cmd_mod_flows, cmd_replace_flows, cmd_dump_flows,
	cmd_dump_tables, cmd_trace;
/* Applies the transaction's flow changes to the running tables (cmd-flows.c). */
void cmd_flows_apply(struct txn *txn);
void cmd_flows_free(struct txn *txn);
json_t *options_json(const struct cfg_port *p);

#endif

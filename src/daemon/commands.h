/*
 * The commands lispctl can send, in one table: name, arity, and handler. A command line (one or
 * several commands chained with "--") runs as one transaction on a copy of the configuration;
 * only if every command succeeds is the copy applied to the running bridges and saved, so a
 * chain succeeds or fails as a whole.
 */
#ifndef LS_COMMANDS_H
#define LS_COMMANDS_H

#include <jansson.h>
#include "rpc.h"

struct cfg;
struct port;

/* Takes ownership of 'running' (the loaded configuration) and the path to save it to. */
void commands_init(struct cfg *running, const char *config_path);
void commands_uninit(void);

/* Saves the running flow tables (after flows expired by themselves). */
void commands_save_flows(void);

/* The running configuration (bridges in the order they were added). */
const struct cfg *commands_running(void);
/* The running port named 'name' on any bridge (a bridge's own port too), or NULL. */
struct port *commands_port_find(const char *name);

/* The JSON-RPC method handler for the control socket. */
json_t *commands_rpc(const char *method, json_t *params, struct rpc_error *err);

#endif

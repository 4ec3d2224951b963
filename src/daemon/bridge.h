/*
 * Runtime bridges and ports, kept in step with the configuration. bridge_reconfigure() takes a
 * new configuration in two phases: first it opens every interface the new configuration adds
 * (the only step that can fail), then it removes what is gone and installs what is new.
 */
#ifndef LS_BRIDGE_H
#define LS_BRIDGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ofproto.h"

struct cfg;
struct loop_source;

struct port {
	struct ofport ofport;            /* The datapath's view: name, number, netdev. */
	char type[16];                   /* As configured: "" for system ports. */
	struct kv *options;              /* As configured, to tell when they change. */
	size_t n_options;
	struct loop_source *rx;          /* Readable-packets watch on the netdev. */
	struct bridge *bridge;
};

struct bridge {
	struct ofproto ofproto;          /* Name, ports, MAC table. */
	struct port *local;              /* The internal port with the bridge's name. */
};

/* Allocates the packet pool; call once at start. */
void bridge_init(void);

/*
 * Makes the running bridges match 'cfg'. If an interface cannot be opened, -1 is returned, 'err'
 * says which and why (with 'port' set to its name), and only ports whose settings changed have
 * been touched: reconfiguring with the previous configuration restores them.
 *
 * Ports that 'known' already has with the same settings are opened on a best-effort basis: one
 * whose interface has gone away is logged and left out, so that a vanished interface never
 * blocks changes to the rest (and start-up restores everything still there).
 */
int bridge_reconfigure(const struct cfg *cfg, const struct cfg *known, char *port,
		       size_t port_size, char *err, size_t err_size);
/* Goes back to 'cfg' after a failed commit: bridges, ports and flow tables (counters reset). */
void bridge_restore(const struct cfg *cfg);
/* Closes everything; 'destroy' also removes the TAP devices (clean shutdown). */
void bridge_shutdown(bool destroy);
/* Periodic work (MAC aging, flow timeouts); true if a flow table changed. */
bool bridge_run(int64_t now_ms);

struct bridge *bridge_find(const char *name);
/* Every running bridge: an array of '*n'. */
struct bridge **bridge_all(size_t *n);
struct port *bridge_port_find(const struct bridge *br, const char *name);

/* Read-side views for the control socket. */
json_t *bridge_port_stats_json(const struct port *port);
json_t *bridge_fdb_json(const struct bridge *br);
/* "LOCAL" or the number, as ovs-ofctl prints port numbers. */
json_t *bridge_ofport_json(uint32_t ofp_port);

#endif

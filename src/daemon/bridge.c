#include "bridge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "config.h"
#include "flows.h"
#include "bridge-tunnel.h"
#include "flow.h"
#include "log.h"
#include "loop.h"
#include "netdev.h"
#include "pkt.h"
#include "util.h"

/* Batches of packets read per port per wake-up, before other ports get their turn. */
#define RX_BATCHES_PER_WAKE 4

static struct bridge **bridges;
static size_t n_bridges;
static struct pkt_batch rx_batch;

void
bridge_init(void)
{
	for (int i = 0; i < PKT_BATCH; i++)
		rx_batch.pkts[i] = pkt_alloc();
	tunnel_init();
}

struct bridge **
bridge_all(size_t *n)
{
	*n = n_bridges;
	return bridges;
}

struct bridge *
bridge_find(const char *name)
{
	for (size_t i = 0; i < n_bridges; i++)
		if (!strcmp(bridges[i]->ofproto.name, name))
			return bridges[i];
	return NULL;
}

struct port *
bridge_port_find(const struct bridge *br, const char *name)
{
	struct ofport *op;

	HMAP_FOR_EACH_SAFE(op, node, &br->ofproto.ports)
		if (!strcmp(op->name, name))
			return CONTAINER_OF(op, struct port, ofport);
	return NULL;
}

static void
port_input(void *arg, uint32_t events UNUSED)
{
	struct port *port = arg;
	struct ofproto *ofp = &port->bridge->ofproto;

	for (int i = 0; i < RX_BATCHES_PER_WAKE; i++) {
		rx_batch.count = 0;
		if (netdev_recv(port->ofport.netdev, &rx_batch) == 0)
			break;
		ofproto_receive(ofp, &port->ofport, &rx_batch);
		ofproto_flush(ofp);
		tunnel_drain();
	}
}

static bool
port_rx_ready(void *arg)
{
	struct port *port = arg;

	return port->ofport.netdev->class->rx_ready(port->ofport.netdev);
}

/* A port of the new configuration, opened but not yet part of any bridge. */
struct pending_port {
	const char *bridge;
	const struct cfg_bridge *bridge_cfg;
	const struct cfg_port *cfg;
	const uint8_t *mac;
	struct netdev *netdev;
};

static struct port *
port_create(struct bridge *br, const struct cfg_port *cp, uint32_t ofp_port,
	    struct netdev *netdev)
{
	struct port *port = xcalloc(1, sizeof *port);
	const char *name = cp ? cp->name : br->ofproto.name;
	const char *type = cp ? cp->type : "internal";

	if (cp) {
		port->options = kv_clone(cp->options, cp->n_options);
		port->n_options = cp->n_options;
	}
	str_copy(port->ofport.name, name, sizeof port->ofport.name);
	str_copy(port->type, type, sizeof port->type);
	port->ofport.ofp_port = ofp_port;
	port->ofport.netdev = netdev;
	netdev->bridge_local = br->local ? br->local->ofport.netdev : NULL;
	port->bridge = br;
	ofproto_port_add(&br->ofproto, &port->ofport);
	if (netdev->fd >= 0)
		port->rx = loop_add(netdev->fd, EPOLLIN, port_input, port);
	if (port->rx && netdev->class->rx_ready)
		loop_set_ready(port->rx, port_rx_ready);
	log_info(PORT, "bridge %s: added port %s (%s) as %u", br->ofproto.name, name,
		 *type ? type : "system", ofp_port);
	return port;
}

static void
port_destroy(struct port *port, bool destroy)
{
	loop_remove(port->rx);
	ofproto_port_del(&port->bridge->ofproto, &port->ofport);
	netdev_close(port->ofport.netdev, destroy);
	log_info(PORT, "bridge %s: removed port %s", port->bridge->ofproto.name, port->ofport.name);
	kv_free(port->options, port->n_options);
	free(port);
}

static void
bridge_destroy(struct bridge *br, bool destroy)
{
	struct ofport *op;

	HMAP_FOR_EACH_SAFE(op, node, &br->ofproto.ports)
		port_destroy(CONTAINER_OF(op, struct port, ofport), destroy);
	ofproto_uninit(&br->ofproto);
	log_info(MAIN, "removed bridge %s", br->ofproto.name);
	free(br);
}

static const struct cfg_port *
cfg_bridge_port(const struct cfg_bridge *cb, const char *name)
{
	for (size_t i = 0; i < cb->n_ports; i++)
		if (!strcmp(cb->ports[i].name, name))
			return &cb->ports[i];
	return NULL;
}

/* Whether running 'port' can stay as it is under configuration 'cb'. */
static bool
port_unchanged(const struct port *port, const struct cfg_bridge *cb)
{
	const struct cfg_port *cp;

	if (port == port->bridge->local)
		return !memcmp(port->ofport.netdev->mac, cb->mac, 6);
	cp = cfg_bridge_port(cb, port->ofport.name);
	return cp && cp->ofport == port->ofport.ofp_port && !strcmp(cp->type, port->type) &&
	       kv_equal(cp->options, cp->n_options, port->options, port->n_options);
}

/*
 * Removes running bridges and ports that 'cfg' has with other settings ('changed') or does not
 * have at all (!'changed').
 */
static void
remove_stale(const struct cfg *cfg, bool changed)
{
	for (size_t i = 0; i < n_bridges;) {
		struct bridge *br = bridges[i];
		const struct cfg_bridge *cb = cfg_find_bridge(cfg, br->ofproto.name);
		struct ofport *op;

		if (changed ? cb && !port_unchanged(br->local, cb) : !cb) {
			bridge_destroy(br, true);
			memmove(&bridges[i], &bridges[i + 1], (n_bridges - i - 1) * sizeof *bridges);
			n_bridges--;
			continue;
		}
		if (!cb) {
			/* Going away, in the second pass. */
			i++;
			continue;
		}
		HMAP_FOR_EACH_SAFE(op, node, &br->ofproto.ports) {
			struct port *port = CONTAINER_OF(op, struct port, ofport);
			bool present = port == br->local ||
				       cfg_bridge_port(cb, port->ofport.name) != NULL;

			if (changed ? present && !port_unchanged(port, cb) : !present)
				port_destroy(port, true);
		}
		i++;
	}
}

static bool
port_running(const char *bridge, const char *name)
{
	struct bridge *br = bridge_find(bridge);

	return br && bridge_port_find(br, name);
}

/* Lists the interfaces 'cfg' has that are not running yet (bridges' own ports first). */
static size_t
collect_new(const struct cfg *cfg, struct pending_port **out)
{
	struct pending_port *pend = NULL;
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_bridges; i++) {
		const struct cfg_bridge *cb = &cfg->bridges[i];

		pend = xrealloc(pend, (n + cb->n_ports + 1) * sizeof *pend);
		if (!bridge_find(cb->name))
			pend[n++] = (struct pending_port){ cb->name, cb, NULL, cb->mac, NULL };
		for (size_t j = 0; j < cb->n_ports; j++) {
			const struct cfg_port *cp = &cb->ports[j];

			if (!bridge_find(cb->name) || !port_running(cb->name, cp->name))
				pend[n++] = (struct pending_port){ cb->name, cb, cp, cb->mac, NULL };
		}
	}
	*out = pend;
	return n;
}

static int
open_pending(struct pending_port *pp)
{
	const char *name = pp->cfg ? pp->cfg->name : pp->bridge;
	const char *type = pp->cfg ? pp->cfg->type : "internal";
	const struct netdev_class *class = netdev_class_find(type);
	uint8_t mac[6];

	/* Extra internal ports get an address derived from the bridge's, made unique by name. */
	memcpy(mac, pp->mac, 6);
	if (pp->cfg) {
		uint32_t h = (uint32_t)strlen(name) * 2654435761u;

		for (const char *c = name; *c; c++)
			h = h * 31 + (uint8_t)*c;
		mac[3] ^= (uint8_t)(h >> 16);
		mac[4] ^= (uint8_t)(h >> 8);
		mac[5] ^= (uint8_t)h;
	}
	if (!class)
		return -EPROTONOSUPPORT;
	return class->open(name, &(struct netdev_args){ mac, pp->cfg ? pp->cfg->options : NULL,
						   pp->cfg ? pp->cfg->n_options : 0 },
			   &pp->netdev);
}

static void
install_pending(struct pending_port *pp)
{
	struct bridge *br = bridge_find(pp->bridge);

	if (!pp->netdev)
		return;
	if (!br && pp->cfg) {
		/* Its bridge's own port could not be opened: nothing to attach it to. */
		netdev_close(pp->netdev, false);
		return;
	}
	if (!pp->cfg) {
		br = xcalloc(1, sizeof *br);
		ofproto_init(&br->ofproto, pp->bridge);
		br->ofproto.local_hook = tunnel_intercept;
		br->ofproto.local_aux = br;
		bridges = xrealloc(bridges, (n_bridges + 1) * sizeof *bridges);
		bridges[n_bridges++] = br;
		br->local = port_create(br, NULL, OFPP_LOCAL, pp->netdev);
		flows_load(&br->ofproto, pp->bridge_cfg);
		log_info(MAIN, "created bridge %s", pp->bridge);
		return;
	}
	port_create(br, pp->cfg, pp->cfg->ofport, pp->netdev);
}

/* Whether 'pp' is a port that 'known' has with the same settings. */
static bool
pending_known(const struct pending_port *pp, const struct cfg *known)
{
	const struct cfg_bridge *kb = cfg_find_bridge(known, pp->bridge);
	const struct cfg_port *kp;

	if (!kb)
		return false;
	if (!pp->cfg)
		return !memcmp(kb->mac, pp->mac, 6);
	kp = cfg_bridge_port(kb, pp->cfg->name);
	return kp && !strcmp(kp->type, pp->cfg->type) && kp->ofport == pp->cfg->ofport &&
	       kv_equal(kp->options, kp->n_options, pp->cfg->options, pp->cfg->n_options);
}

int
bridge_reconfigure(const struct cfg *cfg, const struct cfg *known, char *port, size_t port_size,
		   char *err, size_t err_size)
{
	struct pending_port *pend;
	size_t n, i;
	int r = 0;

	/* A changed port is reopened under the same name, so it must go first. */
	remove_stale(cfg, true);
	n = collect_new(cfg, &pend);
	for (i = 0; i < n; i++) {
		int e = open_pending(&pend[i]);
		const char *name = pend[i].cfg ? pend[i].cfg->name : pend[i].bridge;

		if (e && pending_known(&pend[i], known)) {
			log_warn(PORT, "bridge %s: cannot open %s: %s (left out)", pend[i].bridge,
				 name, strerror(-e));
			pend[i].netdev = NULL;
		} else if (e) {
			str_copy(port, name, port_size);
			snprintf(err, err_size, "cannot open %s: %s", name,
				 e == -ENODEV ? "no such network device" : strerror(-e));
			r = -1;
			break;
		}
	}
	if (r) {
		while (i-- > 0)
			if (pend[i].netdev)
				netdev_close(pend[i].netdev, true);
	} else {
		remove_stale(cfg, false);
		for (i = 0; i < n; i++)
			install_pending(&pend[i]);
	}
	tunnel_rx_sync();
	free(pend);
	return r;
}

void
bridge_restore(const struct cfg *cfg)
{
	char port[IFNAMSIZ], err[256];

	bridge_reconfigure(cfg, cfg, port, sizeof port, err, sizeof err);
	for (size_t i = 0; i < cfg->n_bridges; i++) {
		struct bridge *br = bridge_find(cfg->bridges[i].name);

		if (br) {
			oftable_replace(&br->ofproto.flows, NULL, 0);
			flows_load(&br->ofproto, &cfg->bridges[i]);
		}
	}
}

void
bridge_shutdown(bool destroy)
{
	for (size_t i = 0; i < n_bridges; i++)
		bridge_destroy(bridges[i], destroy);
	free(bridges);
	bridges = NULL;
	n_bridges = 0;
	for (int i = 0; i < PKT_BATCH; i++)
		pkt_free(rx_batch.pkts[i]);
	tunnel_uninit();
}

bool
bridge_run(int64_t now_ms)
{
	bool changed = false;

	for (size_t i = 0; i < n_bridges; i++)
		changed |= ofproto_run(&bridges[i]->ofproto, now_ms);
	return changed;
}

json_t *
bridge_ofport_json(uint32_t ofp_port)
{
	return ofp_port == OFPP_LOCAL ? json_string("LOCAL") : json_integer(ofp_port);
}

json_t *
bridge_port_stats_json(const struct port *port)
{
	const struct netdev_stats *s = netdev_get_stats(port->ofport.netdev);
	json_t *drops = json_object();

	for (int r = 0; r < N_DROP_REASONS; r++)
		json_object_set_new(drops, drop_reason_name(r), json_integer((json_int_t)port->ofport.netdev->drops[r]));
	return json_pack("{s:o, s:s, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:o}",
			 "port", bridge_ofport_json(port->ofport.ofp_port), "name", port->ofport.name,
			 "rx", "packets", (json_int_t)s->rx_packets, "bytes", (json_int_t)s->rx_bytes,
			 "dropped", (json_int_t)s->rx_dropped, "errors", (json_int_t)s->rx_errors,
			 "tx", "packets", (json_int_t)s->tx_packets, "bytes", (json_int_t)s->tx_bytes,
			 "dropped", (json_int_t)s->tx_dropped, "errors", (json_int_t)s->tx_errors,
			 "drops", drops);
}

json_t *
bridge_fdb_json(const struct bridge *br)
{
	const struct fdb *fdb = &br->ofproto.fdb;
	int64_t now = time_msec();
	json_t *rows = json_array();
	struct fdb_entry *e;

	LIST_FOR_EACH_SAFE(e, lru, &fdb->lru) {
		char mac[18];

		if (now - e->learned_ms >= fdb->aging_ms)
			continue;
		snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
			 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
		json_array_append_new(rows, json_pack("{s:o, s:i, s:s, s:I}", "port",
						      bridge_ofport_json(e->port), "vlan", e->vlan,
						      "mac", mac,
						      "age", (json_int_t)((now - e->learned_ms) / 1000)));
	}
	return rows;
}

#include "metrics.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "config.h"
#include "drop.h"
#include "lisp-cp.h"
#include "lisp-port.h"
#include "lisp-xtr.h"
#include "loop.h"
#include "map-server.h"
#include "mapping.h"
#include "netdev.h"
#include "prom.h"
#include "rule.h"

/* Port counters (struct netdev_stats), labelled bridge, port and type. */
#define PORT_COUNTERS(X) \
	X(rx_packets, "packets received") \
	X(rx_bytes, "bytes received") \
	X(rx_dropped, "received packets the kernel dropped before the switch read them") \
	X(rx_errors, "receive errors") \
	X(tx_packets, "packets sent") \
	X(tx_bytes, "bytes sent") \
	X(tx_dropped, "packets the kernel did not accept for sending") \
	X(tx_errors, "send errors")

static const struct {
	const char *name, *help;
	size_t offset;
} port_counters[] = {
#define PORT_COUNTER(field, help) \
	{ "lispswitch_port_" #field "_total", help, offsetof(struct netdev_stats, field) },
	PORT_COUNTERS(PORT_COUNTER)
#undef PORT_COUNTER
};

/* Per-table figures: the tables' own statistics and sums over their current flows. */
struct table_sums {
	uint64_t flows[OFTABLE_N], packets[OFTABLE_N], bytes[OFTABLE_N];
};

struct table_ctx {
	const struct oftable *t;
	const struct table_sums *sums;
};

static uint64_t tbl_flows(const struct table_ctx *c, int i) { return c->sums->flows[i]; }
static uint64_t tbl_packets(const struct table_ctx *c, int i) { return c->sums->packets[i]; }
static uint64_t tbl_bytes(const struct table_ctx *c, int i) { return c->sums->bytes[i]; }
static uint64_t tbl_lookups(const struct table_ctx *c, int i) { return c->t->stats[i].lookups; }
static uint64_t tbl_matched(const struct table_ctx *c, int i) { return c->t->stats[i].matched; }

static const struct {
	const char *name, *type, *help;
	uint64_t (*get)(const struct table_ctx *c, int table);
} table_metrics[] = {
	{ "lispswitch_table_flows", "gauge", "flows in the table", tbl_flows },
	{ "lispswitch_table_flow_packets", "gauge",
	  "sum of n_packets of the table's current flows (falls when flows are deleted)",
	  tbl_packets },
	{ "lispswitch_table_flow_bytes", "gauge", "sum of n_bytes of the table's current flows",
	  tbl_bytes },
	{ "lispswitch_table_lookups_total", "counter", "packets looked up in the table",
	  tbl_lookups },
	{ "lispswitch_table_matched_total", "counter", "lookups that found a flow", tbl_matched },
};

static uint64_t br_mac_entries(const struct bridge *b) { return fdb_count(&b->ofproto.fdb); }
static uint64_t br_mac_evicted(const struct bridge *b) { return b->ofproto.fdb.n_evicted; }
static uint64_t br_emc_hits(const struct bridge *b) { return b->ofproto.emc_hits; }
static uint64_t br_emc_misses(const struct bridge *b) { return b->ofproto.emc_misses; }

static const struct {
	const char *name, *type, *help;
	uint64_t (*get)(const struct bridge *br);
} bridge_metrics[] = {
	{ "lispswitch_mac_entries", "gauge", "entries in the MAC learning table", br_mac_entries },
	{ "lispswitch_mac_evicted_total", "counter",
	  "MAC entries evicted because the table was full", br_mac_evicted },
	{ "lispswitch_emc_hits_total", "counter", "exact-match cache hits", br_emc_hits },
	{ "lispswitch_emc_misses_total", "counter", "exact-match cache misses", br_emc_misses },
};

/* The running bridges of 'cfg', in its order; '*n' of them (free() the array). */
static struct bridge **
running_bridges(const struct cfg *cfg, size_t *n)
{
	struct bridge **v = xcalloc(cfg->n_bridges + 1, sizeof *v);

	*n = 0;
	for (size_t i = 0; i < cfg->n_bridges; i++)
		if ((v[*n] = bridge_find(cfg->bridges[i].name)))
			++*n;
	return v;
}

static const char *
port_type(const struct port *port)
{
	return *port->type ? port->type : "system";
}

static void
write_port_counters(struct bridge **brs, size_t n, struct strbuf *sb)
{
	for (size_t m = 0; m < ARRAY_SIZE(port_counters); m++) {
		prom_family(sb, port_counters[m].name, "counter", port_counters[m].help);
		for (size_t i = 0; i < n; i++) {
			struct ofport *op;

			HMAP_FOR_EACH_SAFE(op, node, &brs[i]->ofproto.ports) {
				const struct port *p = CONTAINER_OF(op, struct port, ofport);
				const char *stats = (const char *)netdev_get_stats(op->netdev);
				struct prom_label l[] = { { "bridge", brs[i]->ofproto.name },
							  { "port", op->name }, { "type", port_type(p) } };

				prom_sample(sb, port_counters[m].name, l, ARRAY_SIZE(l),
					    *(const uint64_t *)(stats + port_counters[m].offset));
			}
		}
	}
}

static void
write_port_drops(struct bridge **brs, size_t n, struct strbuf *sb)
{
	static const char name[] = "lispswitch_port_drops_total";

	prom_family(sb, name, "counter",
		    "datapath drops of packets from or to the port, by reason (see dump-drops)");
	for (size_t i = 0; i < n; i++) {
		struct ofport *op;

		HMAP_FOR_EACH_SAFE(op, node, &brs[i]->ofproto.ports) {
			for (int r = 0; r < N_DROP_REASONS; r++) {
				struct prom_label l[] = { { "bridge", brs[i]->ofproto.name },
							  { "port", op->name },
							  { "reason", drop_reason_name(r) } };

				prom_sample(sb, name, l, ARRAY_SIZE(l), op->netdev->drops[r]);
			}
		}
	}
}

static void
sum_tables(const struct oftable *t, struct table_sums *s)
{
	size_t n;
	struct rule **rules = oftable_collect(t, NULL, &n);

	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < n; i++) {
		uint8_t table = rules[i]->table_id;

		s->flows[table]++;
		s->packets[table] += rules[i]->n_packets;
		s->bytes[table] += rules[i]->n_bytes;
	}
	free(rules);
}

static void
write_tables(struct bridge **brs, size_t n, struct strbuf *sb)
{
	struct table_sums *sums = xcalloc(n + 1, sizeof *sums);

	for (size_t i = 0; i < n; i++)
		sum_tables(&brs[i]->ofproto.flows, &sums[i]);
	for (size_t m = 0; m < ARRAY_SIZE(table_metrics); m++) {
		prom_family(sb, table_metrics[m].name, table_metrics[m].type, table_metrics[m].help);
		for (size_t i = 0; i < n; i++) {
			struct table_ctx c = { &brs[i]->ofproto.flows, &sums[i] };

			for (int t = 0; t < OFTABLE_N; t++) {
				char num[4];
				struct prom_label l[] = { { "bridge", brs[i]->ofproto.name },
							  { "table", num } };

				/* The tables dump-tables lists: table 0 and those in use. */
				if (t && !sums[i].flows[t] && !c.t->stats[t].lookups)
					continue;
				snprintf(num, sizeof num, "%d", t);
				prom_sample(sb, table_metrics[m].name, l, ARRAY_SIZE(l),
					    table_metrics[m].get(&c, t));
			}
		}
	}
	free(sums);
}

/* One family of counters named by label 'event', from an X-macro counter table. */
struct event_counter {
	const char *name;
	uint64_t value;
};

static void
write_events(struct strbuf *sb, const char *family, const char *help,
	     const struct prom_label *labels, size_t n_labels, const struct event_counter *ev,
	     size_t n_ev, bool header)
{
	struct prom_label l[4];

	if (header)
		prom_family(sb, family, "counter", help);
	if (n_labels)
		memcpy(l, labels, n_labels * sizeof *labels);
	for (size_t i = 0; i < n_ev; i++) {
		l[n_labels] = (struct prom_label){ "event", ev[i].name };
		prom_sample(sb, family, l, n_labels + 1, ev[i].value);
	}
}

/* Calls 'fn' for each lisp port with its labels (bridge, port); 'first' is true once. */
static void
for_each_lisp_port(struct bridge **brs, size_t n, struct strbuf *sb,
		   void (*fn)(struct strbuf *, const struct netdev *, const struct prom_label *,
			      size_t n_labels, bool first))
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		struct ofport *op;

		HMAP_FOR_EACH_SAFE(op, node, &brs[i]->ofproto.ports) {
			const struct prom_label l[] = { { "bridge", brs[i]->ofproto.name },
							{ "port", op->name } };

			if (op->netdev->class != &netdev_lisp_class)
				continue;
			fn(sb, op->netdev, l, ARRAY_SIZE(l), first);
			first = false;
		}
	}
}

/* How a lisp port's datagrams left: one through the kernel costs it far more. */
static void
write_tx_paths(struct strbuf *sb, const struct netdev *dev, const struct prom_label *l,
	       size_t n_labels, bool first)
{
	const struct lisp_tx_paths *p = lisp_port_tx_paths(dev);
	const struct event_counter ev[] = { { "direct", p->direct }, { "kernel", p->kernel } };

	write_events(sb, "lispswitch_lisp_tx_datagrams_total",
		     "datagrams each lisp port sent: built whole and run through the bridge (direct) "
		     "or handed to the host's kernel (kernel)", l, n_labels, ev, ARRAY_SIZE(ev), first);
}

/* A lisp port's xTR: its map-cache's size and its control-plane events. */
static void
write_xtr(struct strbuf *sb, const struct netdev *dev, const struct prom_label *l,
	  size_t n_labels, bool first)
{
	struct lisp_xtr *x = lisp_port_xtr(dev);
	const struct xtr_counters *c = lisp_xtr_counters(x);
	const struct event_counter ev[] = {
#define XTR_EVENT(name, text) { #name, c->name },
		XTR_COUNTERS(XTR_EVENT)
#undef XTR_EVENT
	};

	write_events(sb, "lispswitch_lisp_xtr_events_total",
		     "control-plane events of each lisp port (xTR)", l, n_labels, ev,
		     ARRAY_SIZE(ev), first);
}

static void
write_map_cache_size(struct strbuf *sb, const struct netdev *dev, const struct prom_label *l,
		     size_t n_labels, bool first)
{
	static const char family[] = "lispswitch_lisp_map_cache_entries";

	if (first)
		prom_family(sb, family, "gauge", "entries in the map-cache of each lisp port");
	prom_sample(sb, family, l, n_labels, map_cache_count(lisp_xtr_cache(lisp_port_xtr(dev))));
}

/* Each lisp port's map-cache, xTR and ways out; the map-server; the control endpoint. */
static void
write_mapping(struct bridge **brs, size_t n, struct strbuf *sb)
{
	const struct map_server *ms = mapping_server();
	const struct lisp_cp_counters *cp = lisp_cp_counters();

	for_each_lisp_port(brs, n, sb, write_map_cache_size);
	for_each_lisp_port(brs, n, sb, write_xtr);
	for_each_lisp_port(brs, n, sb, write_tx_paths);
	const struct event_counter ms_ev[] = {
#define MS_EVENT(name, text) { #name, ms->stats.name },
		MS_COUNTERS(MS_EVENT)
#undef MS_EVENT
	};
	const struct event_counter cp_ev[] = {
#define CP_EVENT(name, text) { #name, cp->name },
		LISP_CP_COUNTERS(CP_EVENT)
#undef CP_EVENT
	};
	write_events(sb, "lispswitch_map_server_events_total",
		     "events of the built-in map-server", NULL, 0, ms_ev, ARRAY_SIZE(ms_ev), true);
	write_events(sb, "lispswitch_lisp_control_messages_total",
		     "LISP control messages through UDP port 4342", NULL, 0, cp_ev, ARRAY_SIZE(cp_ev),
		     true);
}

/* How the main loop waited for packets: what busy-polling saves. */
static void
write_loop(struct strbuf *sb)
{
	struct loop_stats ls;

	loop_get_stats(&ls);
	const struct event_counter ev[] = {
		{ "wait", ls.waits }, { "poll", ls.polls }, { "poll_caught", ls.caught },
		{ "kick_sleep", ls.kicked },
	};
	write_events(sb, "lispswitch_loop_events_total",
		     "main loop: blocking waits that returned work (wait), busy polls started (poll), "
		     "polls that found work, each a wake-up saved (poll_caught), sleeps that sent the "
		     "ports' queued packets in the same system call (kick_sleep)",
		     NULL, 0, ev, ARRAY_SIZE(ev), true);
}

void
metrics_write(const struct cfg *running, struct strbuf *sb)
{
	size_t n;
	struct bridge **brs = running_bridges(running, &n);

	write_port_counters(brs, n, sb);
	write_port_drops(brs, n, sb);
	write_tables(brs, n, sb);
	write_mapping(brs, n, sb);
	write_loop(sb);
	for (size_t m = 0; m < ARRAY_SIZE(bridge_metrics); m++) {
		prom_family(sb, bridge_metrics[m].name, bridge_metrics[m].type, bridge_metrics[m].help);
		for (size_t i = 0; i < n; i++)
			prom_sample(sb, bridge_metrics[m].name,
				    &(struct prom_label){ "bridge", brs[i]->ofproto.name }, 1,
				    bridge_metrics[m].get(brs[i]));
	}
	free(brs);
}

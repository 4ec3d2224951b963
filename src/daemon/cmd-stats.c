/* Counters of the running switch as a whole: dump-drops and metrics. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "commands.h"
#include "config.h"
#include "ctl-proto.h"
#include "drop.h"
#include "metrics.h"
#include "netdev.h"
#include "txn.h"

/* Losses that are not datapath drop reasons but belong in the same list. */
static uint64_t
mac_evicted(const struct bridge *br)
{
	return br->ofproto.fdb.n_evicted;
}

static uint64_t
sum_ports(const struct bridge *br, size_t offset)
{
	const struct ofport *op;
	uint64_t sum = 0;

	HMAP_FOR_EACH_SAFE(op, node, &br->ofproto.ports)
		sum += *(const uint64_t *)((const char *)netdev_get_stats(op->netdev) + offset);
	return sum;
}

static uint64_t
kernel_rx_dropped(const struct bridge *br)
{
	return sum_ports(br, offsetof(struct netdev_stats, rx_dropped));
}

static uint64_t
kernel_tx_dropped(const struct bridge *br)
{
	return sum_ports(br, offsetof(struct netdev_stats, tx_dropped));
}

static const struct {
	const char *name, *text;
	uint64_t (*get)(const struct bridge *br);
} other_losses[] = {
	{ "mac_evicted", "MAC table full: the oldest entry was evicted (not a packet)",
	  mac_evicted },
	{ "kernel_rx_dropped", "dropped by the kernel before the switch read them (ring full)",
	  kernel_rx_dropped },
	{ "kernel_tx_dropped", "not sent: device down, ring full, or refused (lisp: also above)",
	  kernel_tx_dropped },
};

static uint64_t
reason_count(const struct bridge *br, int r)
{
	const struct ofport *op;
	uint64_t sum = 0;

	HMAP_FOR_EACH_SAFE(op, node, &br->ofproto.ports)
		sum += op->netdev->drops[r];
	return sum;
}

/* One row: the reason, its meaning, the total over 'brs' and the count per bridge. */
static json_t *
drop_row(const char *name, const char *text, struct bridge **brs, size_t n,
	 uint64_t (*count)(const struct bridge *, int), int r,
	 uint64_t (*get)(const struct bridge *))
{
	json_t *by_bridge = json_object();
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = count ? count(brs[i], r) : get(brs[i]);

		total += v;
		json_object_set_new(by_bridge, brs[i]->ofproto.name, json_integer((json_int_t)v));
	}
	return json_pack("{s:s, s:s, s:I, s:o}", "reason", name, "text", text, "packets",
			 (json_int_t)total, "bridges", by_bridge);
}

json_t *
cmd_dump_drops(struct txn *txn, const struct cmd *c, struct rpc_error *err)
{
	struct bridge **brs = xcalloc(txn->cfg.n_bridges + 1, sizeof *brs);
	json_t *rows;
	size_t n = 0;

	if (c->n_args) {
		if (!(brs[n++] = txn_need_running_bridge(c, err))) {
			free(brs);
			return NULL;
		}
	} else {
		for (size_t i = 0; i < txn->cfg.n_bridges; i++)
			if ((brs[n] = bridge_find(txn->cfg.bridges[i].name)))
				n++;
	}
	rows = json_array();
	for (int r = 0; r < N_DROP_REASONS; r++)
		json_array_append_new(rows, drop_row(drop_reason_name(r), drop_reason_text(r), brs,
						     n, reason_count, r, NULL));
	for (size_t i = 0; i < ARRAY_SIZE(other_losses); i++)
		json_array_append_new(rows, drop_row(other_losses[i].name, other_losses[i].text,
						     brs, n, NULL, 0, other_losses[i].get));
	free(brs);
	return rows;
}

json_t *
cmd_metrics(struct txn *txn, const struct cmd *c UNUSED, struct rpc_error *err UNUSED)
{
	struct strbuf sb;
	json_t *text;

	strbuf_init(&sb);
	metrics_write(&txn->cfg, &sb);
	text = json_string(strbuf_cstr(&sb));
	strbuf_uninit(&sb);
	return text;
}

#include "ofproto.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "hash.h"
#include "netdev.h"
#include "pkt.h"
#include "rule.h"
#include "util.h"
#include "xlate.h"

/* Direct-mapped: one slot per hash, the newest key wins the slot. */
#define EMC_SIZE 8192

struct emc_entry {
	uint64_t generation;    /* The flow tables' generation when filled; 0: empty. */
	struct flow key;
	struct rule *rule;      /* NULL caches a miss. */
};

void
ofproto_init(struct ofproto *ofp, const char *name)
{
	memset(ofp, 0, sizeof *ofp);
	str_copy(ofp->name, name, sizeof ofp->name);
	hmap_init(&ofp->ports);
	fdb_init(&ofp->fdb, FDB_DEFAULT_MAX, FDB_DEFAULT_AGING_MS);
	oftable_init(&ofp->flows);
	/* Generation 0 marks empty cache slots, so the tables start at 1. */
	ofp->flows.generation = 1;
	ofp->emc = xcalloc(EMC_SIZE, sizeof *ofp->emc);
	ofp->scratch = pkt_alloc();
	ofp->xouts = xcalloc(XLATE_MAX_OUTPUTS, sizeof *ofp->xouts);
}

void
ofproto_uninit(struct ofproto *ofp)
{
	oftable_uninit(&ofp->flows);
	fdb_uninit(&ofp->fdb);
	hmap_destroy(&ofp->ports);
	free(ofp->emc);
	pkt_free(ofp->scratch);
	free(ofp->xouts);
}

void
ofproto_port_add(struct ofproto *ofp, struct ofport *port)
{
	port->ofproto = ofp;
	hmap_insert(&ofp->ports, &port->node, port->ofp_port);
	ofp->flows.generation++;
}

void
ofproto_port_del(struct ofproto *ofp, struct ofport *port)
{
	hmap_remove(&ofp->ports, &port->node);
	fdb_flush_port(&ofp->fdb, port->ofp_port);
	ofp->flows.generation++;
}

struct ofport *
ofproto_port_find(const struct ofproto *ofp, uint32_t ofp_port)
{
	struct ofport *port;

	HMAP_FOR_EACH_WITH_HASH(port, node, ofp_port, &ofp->ports)
		if (port->ofp_port == ofp_port)
			return port;
	return NULL;
}

struct ofport *
ofproto_port_by_name(const struct ofproto *ofp, const char *name)
{
	struct ofport *port;

	HMAP_FOR_EACH_SAFE(port, node, &ofp->ports)
		if (!strcmp(port->name, name))
			return port;
	return NULL;
}

struct rule *
ofproto_lookup_cached(struct ofproto *ofp, const struct flow *flow)
{
	uint32_t h = flow_hash(flow, 0);
	struct emc_entry *e = &ofp->emc[h & (EMC_SIZE - 1)];

	if (e->generation == ofp->flows.generation && flow_equal(&e->key, flow)) {
		ofp->emc_hits++;
		return e->rule;
	}
	ofp->emc_misses++;
	e->generation = ofp->flows.generation;
	e->key = *flow;
	e->rule = oftable_lookup(&ofp->flows, 0, flow);
	return e->rule;
}

/* Whether a tunnel port's batch of frames for the direct path is half full. */
static bool
injection_crowded(struct ofproto *ofp)
{
	struct ofport *port;

	HMAP_FOR_EACH_SAFE(port, node, &ofp->ports)
		if (port->netdev->inject && port->netdev->inject->count >= PKT_BATCH / 2)
			return true;
	return false;
}

void
ofproto_receive(struct ofproto *ofp, struct ofport *in, struct pkt_batch *batch)
{
	int64_t now = time_msec();

	for (int i = 0; i < batch->count; i++) {
		struct pkt *pkt = batch->pkts[i];
		struct flow flow;

		netdev_tap_rx(in->netdev, pkt);
		if (pkt->size < 14) {
			in->netdev->drops[DROP_RUNT]++;
			continue;
		}
		pkt->in_port = in->ofp_port;
		flow_extract(pkt, &flow);
		xlate_packet(ofp, in, pkt, &flow, now);
		/* A large TCP packet becomes two or more frames for the direct path: a batch of
		 * them would fill the injection batch, and what does not fit would take the slow
		 * way through the kernel, a datagram at a time. So the frames run now. */
		if (pkt->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE && !ofp->flushing &&
		    injection_crowded(ofp))
			ofproto_flush(ofp);
	}
}

/*
 * Runs frames that tunnel ports built for the direct path through the pipeline, as if the host
 * had sent them on the internal port. Returns whether there were any.
 */
static bool
run_injected(struct ofproto *ofp)
{
	struct ofport *port, *local = ofproto_port_find(ofp, OFPP_LOCAL);
	bool any = false;

	HMAP_FOR_EACH_SAFE(port, node, &ofp->ports) {
		struct pkt_batch *b = port->netdev->inject;

		if (!b || !b->count)
			continue;
		if (local)
			ofproto_receive(ofp, local, b);
		b->count = 0;
		any = true;
	}
	return any;
}

void
ofproto_flush(struct ofproto *ofp)
{
	/* Injected frames may queue more output (and, through odd flows, more injection): a few
	 * rounds settle it; what is left waits for the next batch. */
	ofp->flushing = true;
	for (int round = 0; round < 4; round++) {
		struct ofport *port;

		HMAP_FOR_EACH_SAFE(port, node, &ofp->ports)
			netdev_flush(port->netdev);
		if (!run_injected(ofp))
			break;
	}
	ofp->flushing = false;
}

bool
ofproto_run(struct ofproto *ofp, int64_t now_ms)
{
	fdb_expire(&ofp->fdb, now_ms);
	return oftable_expire(&ofp->flows, now_ms) > 0;
}

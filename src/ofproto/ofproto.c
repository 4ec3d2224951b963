#include "ofproto.h"

#include <arpa/inet.h>
#include <string.h>

#include "flow.h"
#include "netdev.h"
#include "pkt.h"
#include "util.h"

void
ofproto_init(struct ofproto *ofp, const char *name)
{
	str_copy(ofp->name, name, sizeof ofp->name);
	hmap_init(&ofp->ports);
	fdb_init(&ofp->fdb, FDB_DEFAULT_MAX, FDB_DEFAULT_AGING_MS);
}

void
ofproto_uninit(struct ofproto *ofp)
{
	fdb_uninit(&ofp->fdb);
	hmap_destroy(&ofp->ports);
}

void
ofproto_port_add(struct ofproto *ofp, struct ofport *port)
{
	port->ofproto = ofp;
	hmap_insert(&ofp->ports, &port->node, port->ofp_port);
}

void
ofproto_port_del(struct ofproto *ofp, struct ofport *port)
{
	hmap_remove(&ofp->ports, &port->node);
	fdb_flush_port(&ofp->fdb, port->ofp_port);
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

static void
output(struct ofport *port, const struct pkt *pkt)
{
	netdev_send(port->netdev, pkt);
}

static void
flood(struct ofproto *ofp, const struct ofport *in, const struct pkt *pkt)
{
	struct ofport *port;

	/* Layer-3 ports (tunnels) are never flooded to: they carry no Ethernet. */
	HMAP_FOR_EACH_SAFE(port, node, &ofp->ports)
		if (port != in && !port->netdev->class->l3)
			output(port, pkt);
}

/* The NORMAL action: learn the source, then forward to the known port or flood. */
static void
normal(struct ofproto *ofp, struct ofport *in, const struct flow *flow, const struct pkt *pkt,
       int64_t now)
{
	uint16_t vlan = ntohs(flow->vlan_tci) & VLAN_VID_MASK;
	uint32_t out;
	struct ofport *port;

	/* Nothing to learn from a layer-3 port's made-up Ethernet source. */
	if (!in->netdev->class->l3)
		fdb_learn(&ofp->fdb, flow->dl_src, vlan, in->ofp_port, now);
	out = (flow->dl_dst[0] & 1) ? OFPP_NONE : fdb_lookup(&ofp->fdb, flow->dl_dst, vlan, now);
	if (out == OFPP_NONE || !(port = ofproto_port_find(ofp, out))) {
		flood(ofp, in, pkt);
	} else if (port == in) {
		in->netdev->drops[DROP_HAIRPIN]++;
	} else {
		output(port, pkt);
	}
}

void
ofproto_receive(struct ofproto *ofp, struct ofport *in, struct pkt_batch *batch)
{
	int64_t now = time_msec();

	for (int i = 0; i < batch->count; i++) {
		struct pkt *pkt = batch->pkts[i];
		struct flow flow;

		if (pkt->size < 14) {
			in->netdev->drops[DROP_RUNT]++;
			continue;
		}
		pkt->in_port = in->ofp_port;
		flow_extract(pkt, &flow);
		normal(ofp, in, &flow, pkt, now);
	}
}

void
ofproto_flush(struct ofproto *ofp)
{
	struct ofport *port;

	HMAP_FOR_EACH_SAFE(port, node, &ofp->ports)
		netdev_flush(port->netdev);
}

void
ofproto_run(struct ofproto *ofp, int64_t now_ms)
{
	fdb_expire(&ofp->fdb, now_ms);
}

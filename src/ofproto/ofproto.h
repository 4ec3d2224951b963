/*
 * A bridge's datapath: its ports by OpenFlow number, its MAC learning table, its flow tables
 * and the exact-match cache in front of them. A received batch goes through flow key
 * extraction, then the flow tables (xlate.c). Owned by the thread that runs the main loop;
 * configuration and flow changes arrive between batches, so a change is seen by the next
 * packet.
 */
#ifndef LS_OFPROTO_H
#define LS_OFPROTO_H

#include <net/if.h>
#include <stdint.h>

#include "drop.h"
#include "fdb.h"
#include "hmap.h"
#include "oftable.h"

struct netdev;
struct pkt_batch;
struct emc_entry;
struct pkt;
struct xlate_output;

struct ofport {
	struct hmap_node node;          /* In ofproto->ports, by 'ofp_port'. */
	struct ofproto *ofproto;
	char name[IFNAMSIZ];
	uint32_t ofp_port;              /* OpenFlow number, or OFPP_LOCAL. */
	struct netdev *netdev;          /* Where its packets come from and go to. */
};

struct ofproto {
	char name[IFNAMSIZ];
	struct hmap ports;              /* struct ofport by number. */
	struct fdb fdb;
	struct oftable flows;
	struct emc_entry *emc;          /* Exact-match cache of table 0 lookups. */
	struct pkt *scratch;            /* For packets the datapath makes (ICMP, fragments). */
	struct xlate_output *xouts;     /* Outputs of the packet being translated. */
	/* Offered every frame output to the internal port before the host gets it; true if it
	 * took the frame (the bridge takes tunnel packets addressed to the host itself). */
	bool (*local_hook)(void *aux, const struct pkt *pkt);
	void *local_aux;
	uint64_t emc_hits, emc_misses;
	bool flushing;                  /* In ofproto_flush(): injected frames are running. */
};

void ofproto_init(struct ofproto *ofp, const char *name);
void ofproto_uninit(struct ofproto *ofp);

/* Adds 'port' (name, number and netdev filled in) to 'ofp'. */
void ofproto_port_add(struct ofproto *ofp, struct ofport *port);
/* Removes 'port' and forgets the MACs learned on it; the caller frees it. */
void ofproto_port_del(struct ofproto *ofp, struct ofport *port);
struct ofport *ofproto_port_find(const struct ofproto *ofp, uint32_t ofp_port);
struct ofport *ofproto_port_by_name(const struct ofproto *ofp, const char *name);

/* Runs every packet of 'batch', received on 'in', through the pipeline. */
void ofproto_receive(struct ofproto *ofp, struct ofport *in, struct pkt_batch *batch);
/* Hands every port's queued packets to the kernel. */
void ofproto_flush(struct ofproto *ofp);
/* Periodic work: MAC aging, flow timeouts. Returns true if flows expired. */
bool ofproto_run(struct ofproto *ofp, int64_t now_ms);

/* Table 0's flow for 'flow', through the exact-match cache. */
struct rule *ofproto_lookup_cached(struct ofproto *ofp, const struct flow *flow);

#endif

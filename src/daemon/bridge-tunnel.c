/*
 * Where the bridges meet the LISP receive side: which lisp port a decapsulated packet belongs
 * to (by UDP port, key and remote, exact matches first, as OVS does), the receivers' sockets in
 * the main loop, and the direct path in: a LISP datagram the bridge is about to hand to the host
 * on its internal port, addressed to one of the host's own addresses and to a receiver's UDP
 * port, is taken there and decapsulated at once, without the trip through the kernel. A UDP GSO
 * packet of LISP datagrams (what a lisp port's direct path sends for a large TCP packet) is
 * joined back into the one TCP packet its segments were cut from, which goes on as GSO.
 */
#include "bridge-tunnel.h"

#include <string.h>
#include <sys/epoll.h>

#include "bridge.h"
#include "lisp-cfg.h"
#include "lisp-dp.h"
#include "lisp-port.h"
#include "lisp-rx.h"
#include "loop.h"
#include "netdev.h"
#include "pkt-gso.h"
#include "pkt.h"
#include "route.h"
#include "util.h"

/* Batches read per receiver per wake-up, before other sockets get their turn. */
#define RX_BATCHES_PER_WAKE 4

static struct pkt_batch rx_batch;      /* Datagrams read from a receiver. */
static struct pkt_batch taken[2];      /* Datagrams taken on their way to the host (two, so a
					* drain can take more while it runs). */
static uint16_t taken_port[2][PKT_BATCH];
static struct lisp_outer taken_outer[2][PKT_BATCH];
static int filling;                    /* Which of 'taken' new datagrams go to. */

/*
 * How well lisp port 'port' matches a packet from the tunnel 't' on UDP port 'udp': -1 if not at
 * all; else exact key and remote count more than "flow", as OVS tells its tunnel ports apart.
 */
static int
lisp_match_score(const struct port *port, uint16_t udp, const struct pkt_tunnel *t)
{
	const struct lisp_cfg *cfg = lisp_port_cfg(port->ofport.netdev);
	struct in6_addr src, dst;
	int score = 0;

	if (cfg->dst_port != udp)
		return -1;
	lisp_tunnel_addrs(t, &src, &dst);
	if (cfg->in_key != LISP_FROM_FLOW) {
		if ((uint64_t)cfg->in_key != t->id)
			return -1;
		score += 2;
	}
	if (cfg->remote.set) {
		if (memcmp(&cfg->remote.addr, &src, sizeof src))
			return -1;
		score += 1;
	}
	if (cfg->local.set && memcmp(&cfg->local.addr, &dst, sizeof dst))
		return -1;
	return score;
}

/* The best lisp port for a packet; 'first' gets any lisp port on 'udp' (to count drops on). */
static struct port *
lisp_demux(uint16_t udp, const struct pkt_tunnel *t, struct port **first)
{
	struct port *best = NULL;
	int best_score = -1;

	size_t n_bridges;
	struct bridge **bridges = bridge_all(&n_bridges);

	for (size_t i = 0; i < n_bridges; i++) {
		struct ofport *op;

		HMAP_FOR_EACH_SAFE(op, node, &bridges[i]->ofproto.ports) {
			struct port *port = CONTAINER_OF(op, struct port, ofport);
			int score;

			if (op->netdev->class != &netdev_lisp_class)
				continue;
			if (!*first && lisp_port_cfg(op->netdev)->dst_port == udp)
				*first = port;
			score = lisp_match_score(port, udp, t);
			if (score > best_score) {
				best = port;
				best_score = score;
			}
		}
	}
	return best;
}

/* Runs the packets gathered for 'port' through its bridge. */
static void
tunnel_deliver(struct port *port, struct pkt_batch *sub)
{
	struct ofproto *ofp = &port->bridge->ofproto;

	/* Datagrams, as the sender counts them: a joined packet counts its segments. */
	for (int i = 0; i < sub->count; i++) {
		port->ofport.netdev->stats.rx_packets += pkt_wire_count(sub->pkts[i]);
		port->ofport.netdev->stats.rx_bytes += sub->pkts[i]->size;
	}
	ofproto_receive(ofp, &port->ofport, sub);
	ofproto_flush(ofp);
	sub->count = 0;
}

/*
 * Runs decapsulated packets that came to UDP port 'udp' through the bridges of the lisp ports
 * they belong to; 'drops' (refusals counted so far) go to a lisp port on that UDP port.
 */
static void
dispatch(uint16_t udp, struct pkt_batch *batch, uint64_t drops[N_DROP_REASONS])
{
	struct port *first = NULL, *cur = NULL;
	struct pkt_batch sub = { .count = 0 };

	for (int i = 0; i < batch->count; i++) {
		struct port *port = lisp_demux(udp, &batch->pkts[i]->tun, &first);

		if (!port) {
			drops[DROP_LISP_NO_PORT]++;
			continue;
		}
		if (lisp_port_cfg(port->ofport.netdev)->ttl < 0)
			lisp_rx_lower_ttl(batch->pkts[i]);
		if (port != cur && sub.count)
			tunnel_deliver(cur, &sub);
		cur = port;
		sub.pkts[sub.count++] = batch->pkts[i];
	}
	if (sub.count)
		tunnel_deliver(cur, &sub);
	if (!first)
		lisp_demux(udp, &(struct pkt_tunnel){ 0 }, &first);
	for (int r = 0; first && r < N_DROP_REASONS; r++)
		first->ofport.netdev->drops[r] += drops[r];
}

static void
tunnel_input(void *arg, uint32_t events UNUSED)
{
	struct lisp_rx *rx = arg;

	for (int round = 0; round < RX_BATCHES_PER_WAKE; round++) {
		uint64_t drops[N_DROP_REASONS] = { 0 };

		rx_batch.count = 0;
		if (lisp_rx_recv(rx, &rx_batch, drops) == 0)
			break;
		dispatch(lisp_rx_port(rx), &rx_batch, drops);
	}
}

static void
tunnel_rx_closed(struct lisp_rx *rx)
{
	loop_remove(*lisp_rx_user(rx));
	*lisp_rx_user(rx) = NULL;
}

void
tunnel_rx_sync(void)
{
	for (struct lisp_rx *rx = lisp_rx_next(NULL); rx; rx = lisp_rx_next(rx))
		if (!*lisp_rx_user(rx))
			*lisp_rx_user(rx) = loop_add(lisp_rx_fd(rx), EPOLLIN, tunnel_input, rx);
}


bool
tunnel_intercept(void *aux UNUSED, const struct pkt *pkt)
{
	struct pkt_batch *b = &taken[filling];
	struct lisp_outer o;
	uint32_t payload;
	uint16_t udp;
	struct pkt *copy;

	if (b->count == PKT_BATCH || !lisp_rx_parse_frame(pkt, &o, &udp, &payload) ||
	    !lisp_rx_find(udp) || !route_is_local(&o.dst))
		return false;
	copy = b->pkts[b->count];
	if (pkt->vnet.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		pkt_reset(copy);
		memcpy(copy->data, pkt->data + payload, pkt->size - payload);
		copy->size = pkt->size - payload;
	} else if (!pkt_gso_join(pkt->data + payload, pkt->size - payload, pkt->vnet.gso_size,
				 LISP_HDR_SIZE, copy)) {
		/* Not segments of one TCP packet: the kernel cuts it, the socket gets them. */
		return false;
	}
	taken_port[filling][b->count] = udp;
	taken_outer[filling][b->count++] = o;
	return true;
}

/* Decapsulates and delivers one batch of taken datagrams, in runs of the same UDP port. */
static void
drain_one(int which)
{
	struct pkt_batch *b = &taken[which];

	for (int i = 0; i < b->count;) {
		uint64_t drops[N_DROP_REASONS] = { 0 };
		struct pkt_batch run = { .count = 0 };
		uint16_t udp = taken_port[which][i];

		for (; i < b->count && taken_port[which][i] == udp; i++) {
			enum drop_reason why;

			if (lisp_rx_decap(b->pkts[i], &taken_outer[which][i], &why))
				run.pkts[run.count++] = b->pkts[i];
			else
				drops[why]++;
		}
		dispatch(udp, &run, drops);
	}
	b->count = 0;
}

void
tunnel_drain(void)
{
	/* Delivering may take more (odd flows): a few rounds, then the rest waits. */
	for (int round = 0; round < 4 && taken[filling].count; round++) {
		int which = filling;

		filling ^= 1;
		drain_one(which);
	}
}

void
tunnel_init(void)
{
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < PKT_BATCH; i++)
			taken[k].pkts[i] = pkt_alloc();
	for (int i = 0; i < PKT_BATCH; i++)
		rx_batch.pkts[i] = pkt_alloc();
	lisp_rx_on_close = tunnel_rx_closed;
}

void
tunnel_uninit(void)
{
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < PKT_BATCH; i++)
			pkt_free(taken[k].pkts[i]);
	for (int i = 0; i < PKT_BATCH; i++)
		pkt_free(rx_batch.pkts[i]);
}

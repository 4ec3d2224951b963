/*
 * Port I/O. A netdev is one network interface the switch sends and receives on: an existing
 * interface attached with AF_PACKET ("system"), or a TAP device the switch creates as a
 * bridge's own port ("internal"). Each type is a 'struct netdev_class' of operations; the bridge
 * code only ever calls through it.
 *
 * Sending is batched: netdev_send() queues a copy of the packet, netdev_flush() hands the queue
 * to the kernel with one system call. Both sides carry a virtio_net_hdr so that checksum and
 * segmentation offloads pass through the switch instead of being broken by it.
 */
#ifndef LS_NETDEV_H
#define LS_NETDEV_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "drop.h"
#include "kv.h"

struct pkt;
struct pkt_batch;
struct netdev_tap;

struct netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

struct netdev {
	const struct netdev_class *class;
	char name[IFNAMSIZ];
	int ifindex;
	int fd;                     /* Readable when packets wait: the main loop polls it. */
	uint8_t mac[6];             /* The interface's own address. */
	/* Counted by the class; rx_dropped includes ring overruns. Read it through
	 * netdev_get_stats(), which first collects what the kernel counted. */
	struct netdev_stats stats;
	uint64_t drops[N_DROP_REASONS]; /* Datapath drops of packets from or to this port. */
	bool tx_pending;            /* Packets queued since the last flush. */
	/* The internal port of the bridge this port is on (set by the bridge): a tunnel port whose
	 * underlay route leads out of it builds whole frames itself and hands them back in
	 * 'inject', to enter the bridge as if sent by the host, without a trip through the kernel. */
	const struct netdev *bridge_local;
	struct pkt_batch *inject;
	struct netdev_tap *tap;     /* Capture in progress (lispctl capture), or NULL. */
};

/*
 * A packet capture attached to a netdev (daemon/capture.c implements it; the datapath only
 * calls through these). 'packet' sees each packet as the bridge receives it from the port and
 * hands it to the port; 'outer' sees each encapsulated datagram a layer-3 port gives the kernel
 * (UDP header onwards, with the addresses and TTL/TOS the kernel is asked to use); 'closed'
 * tells the capture that the netdev is going away. All run on the datapath thread.
 */
struct netdev_tap_outer {
	const uint8_t *udp;         /* UDP header, LISP header, inner packet. */
	uint32_t size;
	bool v6;
	const struct in6_addr *src; /* v4-mapped for IPv4; unspecified: the kernel's choice. */
	const struct in6_addr *dst;
	int ttl, tos;
};

struct netdev_tap {
	void (*packet)(struct netdev_tap *tap, struct netdev *dev, const struct pkt *pkt, bool tx);
	void (*outer)(struct netdev_tap *tap, struct netdev *dev, const struct netdev_tap_outer *o);
	void (*closed)(struct netdev_tap *tap, struct netdev *dev);
};

/* What opening a port needs besides its name. */
struct netdev_args {
	const uint8_t *mac;         /* Internal ports: the address to give the device. */
	const struct kv *options;   /* The port's options, already validated. */
	size_t n_options;
};

struct netdev_class {
	const char *type;
	/* A layer-3 port carries IP packets only: never flooded, no MAC learning from it. */
	bool l3;
	/* Checks 'options' for this type, 0 or -1 with a one-line 'err' naming the option and
	 * the problem. NULL: the type takes no options. */
	int (*validate)(const struct kv *options, size_t n, char *err, size_t err_size);
	/* Opens 'name'. 0 or -errno. */
	int (*open)(const char *name, const struct netdev_args *args, struct netdev **out);
	/* Closes; 'destroy' also removes an interface the switch created. */
	void (*close)(struct netdev *dev, bool destroy);
	/* Appends up to the batch's free room of received packets; returns how many. */
	int (*recv)(struct netdev *dev, struct pkt_batch *batch);
	/* Whether received packets wait, read from memory without a system call: the main loop
	 * polls this instead of the fd while busy polling. NULL: only the fd tells. */
	bool (*rx_ready)(struct netdev *dev);
	/* Queues 'pkt' (copied) for transmission. */
	void (*send)(struct netdev *dev, const struct pkt *pkt);
	/* Transmits everything queued. */
	void (*flush)(struct netdev *dev);
	/* Layer-3 ports: the largest IP packet 'pkt' (with its tunnel metadata) can be sent as
	 * without fragmenting the packet that carries it; 0 if unknown. NULL for other ports. */
	int (*l3_mtu)(struct netdev *dev, const struct pkt *pkt);
	/* Adds to dev->stats what the kernel counted and the datapath has not seen yet (drops
	 * that no received frame reported). NULL: the class counts everything itself. */
	void (*collect_stats)(struct netdev *dev);
};

extern const struct netdev_class netdev_afpacket_class;
extern const struct netdev_class netdev_tap_class;
extern const struct netdev_class netdev_lisp_class;

/* The class for a port type as users write it ("" and "system" are the same), or NULL. */
const struct netdev_class *netdev_class_find(const char *type);
/* Checks a port's type and options; 0 or -1 with 'err' filled. */
int netdev_validate(const char *type, const struct kv *options, size_t n, char *err,
		    size_t err_size);

/* The port's counters, up to date. */
static inline const struct netdev_stats *
netdev_get_stats(struct netdev *dev)
{
	if (dev->class->collect_stats)
		dev->class->collect_stats(dev);
	return &dev->stats;
}

static inline int
netdev_recv(struct netdev *dev, struct pkt_batch *batch)
{
	return dev->class->recv(dev, batch);
}

static inline void
netdev_send(struct netdev *dev, const struct pkt *pkt)
{
	if (dev->tap)
		dev->tap->packet(dev->tap, dev, pkt, true);
	dev->class->send(dev, pkt);
}

/* Shows a packet received on 'dev' to its capture, if any. */
static inline void
netdev_tap_rx(struct netdev *dev, const struct pkt *pkt)
{
	if (dev->tap)
		dev->tap->packet(dev->tap, dev, pkt, false);
}

/* Shows an encapsulated datagram to the capture on 'dev', if any. */
static inline void
netdev_tap_outer(struct netdev *dev, const struct netdev_tap_outer *o)
{
	if (dev->tap)
		dev->tap->outer(dev->tap, dev, o);
}

static inline void
netdev_flush(struct netdev *dev)
{
	if (dev->tx_pending)
		dev->class->flush(dev);
}

static inline void
netdev_close(struct netdev *dev, bool destroy)
{
	if (dev->tap)
		dev->tap->closed(dev->tap, dev);
	dev->class->close(dev, destroy);
}

/* Reads the ifindex and MAC of interface 'name' into 'dev'. 0 or -errno. */
int netdev_query(struct netdev *dev, const char *name);

#endif

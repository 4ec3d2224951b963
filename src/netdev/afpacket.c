/*
 * "system" ports: an existing interface attached with an AF_PACKET socket and two memory-mapped
 * rings shared with the kernel, one to receive and one to send. A turn of the main loop reads
 * every ready frame up to a batch, and sends a whole batch with one send() call.
 *
 * Ring format: TPACKET_V2, one packet per frame, each frame with its own status word. TPACKET_V3
 * packs packets into blocks that the kernel hands over only when a block is full or a timer of at
 * least one jiffy (4 ms on this kernel) fires, which adds milliseconds to every packet of a quiet
 * flow; V2 hands over each frame as soon as it is written.
 *
 * Frames are 2 KiB, room for a full-sized Ethernet frame: rings of 64 KiB frames, large enough
 * for a GSO packet, took 13 MiB per port that small packets never use. Larger packets (GSO from a
 * VM with TSO, jumbo frames) take the socket's other way. Receiving, PACKET_COPY_THRESH makes the
 * kernel queue a packet too large for a frame whole on the socket, and mark its (cut) frame
 * TP_STATUS_COPY: reading that frame, we read the packet from the queue, in order. Sending, such
 * a packet goes by a second packet socket, after the ring is flushed so that frames leave in
 * order; that socket also lacks PACKET_QDISC_BYPASS, which hands frames straight to the driver,
 * where the kernel drops a GSO frame the device cannot take, while the ordinary path cuts it in
 * software first. Offloaded TCP passes through whole (PACKET_VNET_HDR).
 *
 * A switch port belongs to the switch: the host's own stack must not also receive its frames
 * (it would answer ARP for the host's addresses there, or route the VMs' packets). A tiny BPF
 * program that drops everything is attached at the interface's tc ingress (tcx): packet sockets
 * see a frame before tc does, so the switch still gets it. The attachment is a BPF link owned by
 * this port's file descriptor, so it goes away with the port, or with the daemon if it dies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/bpf.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kick.h"
#include "log.h"
#include "netdev.h"
#include "pkt.h"
#include "util.h"

#define FRAME_SIZE 2048   /* tpacket2_hdr + sockaddr_ll + vnet header + 1518-byte frame. */
#define BLOCK_SIZE 4096
#define RX_FRAMES 2048    /* 7 ms at 300 kpps: a switch that waits its turn behind three busy tasks. */
#define TX_FRAMES 128
/* Receive queue for packets too large for a frame: several 64 KiB GSO packets. */
#define QUEUE_BYTES (4 << 20)
#define VNET_SIZE sizeof(struct virtio_net_hdr)
/* Where the kernel expects the vnet header of a frame to send (tpacket_snd without TX_HAS_OFF). */
#define TX_DATA_OFFSET TPACKET_ALIGN(sizeof(struct tpacket2_hdr))

struct ring {
	uint8_t *base;      /* First frame. */
	unsigned int n;     /* Frames. */
	unsigned int next;  /* Next frame to read (RX) or fill (TX). */
};

struct netdev_afpacket {
	struct netdev up;
	int isolate_fd;     /* BPF link keeping the host stack off the port, or -1. */
	int big_fd;         /* Packet socket for packets too large for a frame, or -1. */
	uint8_t *map;       /* Both rings, RX first. */
	size_t map_size;
	struct ring rx, tx;
	struct kick kick;   /* Transmits the TX ring (lib/kick.h). */
};

static struct netdev_afpacket *
afpacket_cast(struct netdev *dev)
{
	return CONTAINER_OF(dev, struct netdev_afpacket, up);
}

static struct tpacket2_hdr *
ring_frame(const struct ring *r, unsigned int i)
{
	return (struct tpacket2_hdr *)(void *)(r->base + (size_t)i * FRAME_SIZE);
}

static int
setsockopt_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof val) < 0 ? -errno : 0;
}

static int
afpacket_setup_rings(struct netdev_afpacket *d)
{
	/* Blocks are whole pages, frames laid end to end across them. */
	struct tpacket_req rx = { BLOCK_SIZE, RX_FRAMES * FRAME_SIZE / BLOCK_SIZE, FRAME_SIZE,
				  RX_FRAMES };
	struct tpacket_req tx = { BLOCK_SIZE, TX_FRAMES * FRAME_SIZE / BLOCK_SIZE, FRAME_SIZE,
				  TX_FRAMES };
	int fd = d->up.fd;

	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &rx, sizeof rx) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof tx) < 0)
		return -errno;
	d->map_size = (size_t)(RX_FRAMES + TX_FRAMES) * FRAME_SIZE;
	d->map = mmap(NULL, d->map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
	if (d->map == MAP_FAILED)
		d->map = mmap(NULL, d->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (d->map == MAP_FAILED) {
		d->map = NULL;
		return -errno;
	}
	d->rx = (struct ring){ d->map, RX_FRAMES, 0 };
	d->tx = (struct ring){ d->map + (size_t)RX_FRAMES * FRAME_SIZE, TX_FRAMES, 0 };
	return 0;
}

/* Socket options that must be set before the rings exist, then the rings, then the binding. */
static int
afpacket_setup(struct netdev_afpacket *d)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = d->up.ifindex };
	struct packet_mreq mreq = { .mr_ifindex = d->up.ifindex, .mr_type = PACKET_MR_PROMISC };
	int fd = d->up.fd, err;

	if ((err = setsockopt_int(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2)) ||
	    (err = setsockopt_int(fd, SOL_PACKET, PACKET_VNET_HDR, 1)) ||
	    (err = setsockopt_int(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1)) ||
	    (err = setsockopt_int(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)) ||
	    /* A frame the kernel cannot send is skipped, not left to block the ring forever. */
	    (err = setsockopt_int(fd, SOL_PACKET, PACKET_LOSS, 1)) ||
	    (err = setsockopt_int(fd, SOL_PACKET, PACKET_COPY_THRESH, 1)) ||
	    (err = afpacket_setup_rings(d)))
		return err;
	/* Beyond net.core.rmem_max if we may (CAP_NET_ADMIN): only queued packets use it. */
	if (setsockopt_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, QUEUE_BYTES))
		setsockopt_int(fd, SOL_SOCKET, SO_RCVBUF, QUEUE_BYTES);
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0)
		return -errno;
	/* Reading SO_ERROR clears an error left pending by a link that was going up. */
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof err });
	return 0;
}

/* Brings 'name' administratively up, as a switch port must be to carry traffic. */
static int
afpacket_set_up(const char *name)
{
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof ifr);
	str_copy(ifr.ifr_name, name, sizeof ifr.ifr_name);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (!(ifr.ifr_flags & IFF_UP) &&
	     ((ifr.ifr_flags |= IFF_UP), ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)))
		err = -errno;
	close(fd);
	return err;
}

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46  /* Linux 6.6; older headers lack it. */
#endif

/* The program "return TC_ACT_SHOT", loaded once and shared by every port. */
static int
drop_prog(void)
{
	static int fd = -1;
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = TC_ACT_SHOT },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	if (fd >= 0)
		return fd;
	memset(&attr, 0, sizeof attr);
	attr.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (uint64_t)(uintptr_t)"GPL";
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
	return fd;
}

static void
afpacket_isolate(struct netdev_afpacket *d)
{
	static bool warned;
	union bpf_attr attr;
	int prog = drop_prog();

	memset(&attr, 0, sizeof attr);
	attr.link_create.prog_fd = (uint32_t)prog;
	attr.link_create.target_ifindex = (uint32_t)d->up.ifindex;
	attr.link_create.attach_type = BPF_TCX_INGRESS;
	d->isolate_fd = prog < 0 ? -1 : (int)syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof attr);
	if (d->isolate_fd < 0 && !warned) {
		warned = true;
		log_warn_errno(PORT, "port %s: cannot keep the host stack off switch ports (tcx needs "
			       "Linux 6.6 and BPF)", d->up.name);
	}
}

static void
afpacket_close(struct netdev *dev, bool destroy UNUSED)
{
	struct netdev_afpacket *d = afpacket_cast(dev);

	kick_cancel(&d->kick);
	if (d->isolate_fd >= 0)
		close(d->isolate_fd);
	if (d->big_fd >= 0)
		close(d->big_fd);
	if (d->map)
		munmap(d->map, d->map_size);
	if (dev->fd >= 0)
		close(dev->fd);
	free(d);
}

/* A socket that only sends (protocol 0: it receives nothing), with vnet headers. */
static int
afpacket_big_socket(struct netdev_afpacket *d)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = d->up.ifindex };

	d->big_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (d->big_fd < 0 || setsockopt_int(d->big_fd, SOL_PACKET, PACKET_VNET_HDR, 1) ||
	    bind(d->big_fd, (struct sockaddr *)&sll, sizeof sll) < 0)
		return -errno;
	return 0;
}

static void afpacket_kick_failed(struct kick *, int err);

static int
afpacket_open(const char *name, const struct netdev_args *args UNUSED, struct netdev **out)
{
	struct netdev_afpacket *d = xcalloc(1, sizeof *d);
	int err;

	d->up.class = &netdev_afpacket_class;
	d->up.fd = -1;
	d->isolate_fd = d->big_fd = -1;
	if ((err = netdev_query(&d->up, name)) || (err = afpacket_big_socket(d)))
		goto fail;
	d->up.fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->up.fd < 0) {
		err = -errno;
		goto fail;
	}
	/* Up before binding: binding to a down interface leaves an ENETDOWN pending on the
	 * socket that would fail the first send. */
	if ((err = afpacket_set_up(name)) || (err = afpacket_setup(d)))
		goto fail;
	d->kick = (struct kick){ .fd = d->up.fd, .failed = afpacket_kick_failed };
	afpacket_isolate(d);
	*out = &d->up;
	return 0;
fail:
	afpacket_close(&d->up, false);
	return err;
}

/* Adds drops the kernel counted (ring full) since the last call. Frames received after a
 * drop carry TP_STATUS_LOSING, which calls this; drops at the end of a burst, with no frame
 * after them, are collected when the counters are read. */
static void
afpacket_read_drops(struct netdev *dev)
{
	struct tpacket_stats st;
	socklen_t len = sizeof st;

	if (!getsockopt(dev->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		dev->stats.rx_dropped += st.tp_drops;
}

/* Reads into 'pkt' the packet queued whole for a frame marked TP_STATUS_COPY (see the top). */
static bool
afpacket_read_queued(struct netdev_afpacket *d, struct pkt *pkt)
{
	struct iovec iov[2] = { { &pkt->vnet, VNET_SIZE }, { pkt->data, PKT_MAX_SIZE - 4 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n = recvmsg(d->up.fd, &mh, MSG_DONTWAIT);

	if (n < (ssize_t)VNET_SIZE + 14 || (mh.msg_flags & MSG_TRUNC))
		return false;
	pkt->size = (uint32_t)n - VNET_SIZE;
	return true;
}

/* Copies the packet of one received frame into 'pkt', restoring the VLAN tag the kernel took
 * out. A frame cut because its packet did not fit, and not queued whole, is a drop. */
static bool
afpacket_frame_to_pkt(struct netdev_afpacket *d, const struct tpacket2_hdr *h, struct pkt *pkt)
{
	const uint8_t *frame = (const uint8_t *)h;

	pkt_reset(pkt);
	if (h->tp_status & TP_STATUS_COPY) {
		if (!afpacket_read_queued(d, pkt)) {
			d->up.stats.rx_errors++;
			return false;
		}
	} else if (h->tp_len != h->tp_snaplen || h->tp_mac < VNET_SIZE || h->tp_snaplen < 14) {
		if (h->tp_len > h->tp_snaplen)
			d->up.stats.rx_dropped++;
		else
			d->up.stats.rx_errors++;
		return false;
	} else {
		memcpy(&pkt->vnet, frame + h->tp_mac - VNET_SIZE, VNET_SIZE);
		memcpy(pkt->data, frame + h->tp_mac, h->tp_snaplen);
		pkt->size = h->tp_snaplen;
	}
	if (h->tp_status & TP_STATUS_VLAN_VALID) {
		uint16_t tpid = h->tp_status & TP_STATUS_VLAN_TPID_VALID ? h->tp_vlan_tpid : ETH_P_8021Q;

		pkt_vlan_push(pkt, tpid, h->tp_vlan_tci);
	}
	return true;
}

static bool
afpacket_rx_ready(struct netdev *dev)
{
	struct netdev_afpacket *d = afpacket_cast(dev);

	return __atomic_load_n(&ring_frame(&d->rx, d->rx.next)->tp_status, __ATOMIC_RELAXED) &
	       TP_STATUS_USER;
}

static int
afpacket_recv(struct netdev *dev, struct pkt_batch *batch)
{
	struct netdev_afpacket *d = afpacket_cast(dev);
	int n = 0;

	while (batch->count < PKT_BATCH) {
		struct tpacket2_hdr *h = ring_frame(&d->rx, d->rx.next);
		uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		struct pkt *pkt = batch->pkts[batch->count];

		if (!(status & TP_STATUS_USER))
			break;
		if (status & TP_STATUS_LOSING)
			afpacket_read_drops(dev);
		if (afpacket_frame_to_pkt(d, h, pkt)) {
			dev->stats.rx_packets++;
			dev->stats.rx_bytes += pkt->size;
			batch->count++;
			n++;
		}
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		d->rx.next = (d->rx.next + 1) % d->rx.n;
	}
	return n;
}

/* Sends a packet too large for a frame, or GSO, at once by the other socket (see the top). */
static void
afpacket_send_big(struct netdev_afpacket *d, const struct pkt *pkt)
{
	struct iovec iov[2] = { { (void *)&pkt->vnet, VNET_SIZE }, { pkt->data, pkt->size } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (d->up.tx_pending || d->kick.queued) {
		d->up.tx_pending = false;
		kick_now(&d->kick);
	}
	if (sendmsg(d->big_fd, &mh, MSG_DONTWAIT) < 0) {
		d->up.stats.tx_dropped++;
		return;
	}
	d->up.stats.tx_packets++;
	d->up.stats.tx_bytes += pkt->size;
}

static void
afpacket_send(struct netdev *dev, const struct pkt *pkt)
{
	struct netdev_afpacket *d = afpacket_cast(dev);
	struct tpacket2_hdr *h = ring_frame(&d->tx, d->tx.next);
	uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
	uint8_t *data = (uint8_t *)h + TX_DATA_OFFSET;

	if (pkt->vnet.gso_type != VIRTIO_NET_HDR_GSO_NONE ||
	    TX_DATA_OFFSET + VNET_SIZE + pkt->size > FRAME_SIZE) {
		afpacket_send_big(d, pkt);
		return;
	}
	if (status != TP_STATUS_AVAILABLE && d->kick.queued) {
		/* Full of frames whose kick the loop holds (lib/kick.h): send them now. */
		kick_now(&d->kick);
		status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
	}
	if (status != TP_STATUS_AVAILABLE) {
		dev->stats.tx_dropped++;
		return;
	}
	memcpy(data, &pkt->vnet, VNET_SIZE);
	/* The kernel copies hdr_len bytes into the socket buffer and attaches the rest as
	 * fragments of the ring's pages (tpacket_snd); a veth into another namespace then copies
	 * those fragments into newly allocated pages (skb_copy_ubufs), a page per packet. So the
	 * whole frame is "header": one copy, no page. (GSO packets do not come here.) */
	((struct virtio_net_hdr *)data)->hdr_len = (uint16_t)pkt->size;
	memcpy(data + VNET_SIZE, pkt->data, pkt->size);
	h->tp_len = (uint32_t)(VNET_SIZE + pkt->size);
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	d->tx.next = (d->tx.next + 1) % d->tx.n;
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += pkt->size;
	dev->tx_pending = true;
}

/*
 * Takes back frames the kernel would not send, counting them as dropped. The kernel sends from
 * its own position in the ring onwards and never skips a frame, so the refused frames are the
 * run just before ours: rewind over it to stay in step.
 */
static void
afpacket_discard_queued(struct netdev_afpacket *d)
{
	for (unsigned int k = 0; k < d->tx.n; k++) {
		unsigned int i = (d->tx.next + d->tx.n - 1) % d->tx.n;
		struct tpacket2_hdr *h = ring_frame(&d->tx, i);

		if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_SEND_REQUEST)
			break;
		h->tp_status = TP_STATUS_AVAILABLE;
		d->tx.next = i;
		d->up.stats.tx_packets--;
		d->up.stats.tx_bytes -= h->tp_len - VNET_SIZE;
		d->up.stats.tx_dropped++;
	}
}

/* A kick failed: frames stay queued for the next kick on EAGAIN/ENOBUFS; a link
 * without carrier refuses the whole batch, and those are drops, like any port that is down. */
static void
afpacket_kick_failed(struct kick *k, int err)
{
	struct netdev_afpacket *d = CONTAINER_OF(k, struct netdev_afpacket, kick);

	/* A link that went down and up again leaves ENETDOWN pending on the socket; the failed
	 * send consumed it, so one retry tells a stale error from a link that is down now. */
	if (err == -ENETDOWN || err == -ENXIO)
		err = send(k->fd, NULL, 0, MSG_DONTWAIT) < 0 ? -errno : 0;
	if (err == -ENETDOWN || err == -ENXIO) {
		afpacket_discard_queued(d);
	} else if (err && err != -EAGAIN && err != -ENOBUFS && err != -EWOULDBLOCK) {
		d->up.stats.tx_errors++;
		log_warn(PORT, "port %s: send: %s", d->up.name, strerror(-err));
	}
}

static void
afpacket_flush(struct netdev *dev)
{
	dev->tx_pending = false;
	kick_request(&afpacket_cast(dev)->kick);
}

const struct netdev_class netdev_afpacket_class = {
	.type = "system",
	.open = afpacket_open,
	.close = afpacket_close,
	.recv = afpacket_recv,
	.rx_ready = afpacket_rx_ready,
	.collect_stats = afpacket_read_drops,
	.send = afpacket_send,
	.flush = afpacket_flush,
};

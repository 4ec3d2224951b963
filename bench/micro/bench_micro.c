/*
 * Instructions per packet of the in-process datapath, counted by callgrind (stable on a noisy
 * machine): a batch of Ethernet/IPv4/UDP frames from a VM port goes through ofproto_receive()
 * (flow_extract, exact-match cache, classifier, README-lisp's actions, commit) to a real lisp
 * port, which encapsulates each packet into its queue (UDP + LISP header, control messages),
 * then ofproto_flush() hands the queue to the kernel with sendmmsg(). Only user-space
 * instructions count: the system call's kernel work is not in the figure.
 *
 * No traffic leaves: the program first moves itself into a network namespace of its own
 * (unshare), where only loopback exists, and the flows send to RLOC 127.0.0.1.
 *
 * The table holds README-lisp's four flows, with the priority=1 flow (EID prefix -> RLOC) repeated
 * for N sources, a map-cache of N /32 EIDs behind one RLOC. Modes:
 *   emc   32 distinct packets (32 EIDs, or 1 when N = 1), repeated: every lookup hits the
 *         exact-match cache (the steady state of established flows);
 *   miss  every packet a new 5-tuple (UDP source port and EID drawn at random): every lookup
 *         misses the cache and finds its flow in the classifier (a new flow's first packet).
 *
 * The VM port is a stub netdev defined here (the packets do not go out through it); packets are
 * rewritten between batches with instrumentation off, so only the datapath is counted.
 *
 * usage: bench_micro N_FLOWS N_PACKETS emc|miss    (run under callgrind --instr-atstart=no)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "../bench-rand.h"
#include "flow-text.h"
#include "kv.h"
#include "netdev.h"
#include "ofproto.h"
#include "oftable.h"
#include "pkt.h"
#include "util.h"

static const uint8_t VM1_MAC[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t VM2_MAC[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };


/* --- a stub port: counts what it is given, sends nothing ----------------------------------- */
static uint64_t stub_sent;

static void
stub_send(struct netdev *dev, const struct pkt *pkt)
{
	(void)dev;
	(void)pkt;
	stub_sent++;
}

static void
stub_flush(struct netdev *dev)
{
	dev->tx_pending = false;
}

static int
stub_recv(struct netdev *dev, struct pkt_batch *batch)
{
	(void)dev;
	(void)batch;
	return 0;
}

static const struct netdev_class stub_class = {
	.type = "stub", .recv = stub_recv, .send = stub_send, .flush = stub_flush,
};

static struct netdev *
stub_open(const char *name, const uint8_t mac[6])
{
	struct netdev *d = xcalloc(1, sizeof *d);

	d->class = &stub_class;
	d->fd = -1;
	str_copy(d->name, name, sizeof d->name);
	memcpy(d->mac, mac, 6);
	return d;
}

static struct ofport *
port_add(struct ofproto *ofp, const char *name, uint32_t no, struct netdev *dev)
{
	struct ofport *p = xcalloc(1, sizeof *p);

	str_copy(p->name, name, sizeof p->name);
	p->ofp_port = no;
	p->netdev = dev;
	ofproto_port_add(ofp, p);
	return p;
}

static void
add_flow(struct ofproto *ofp, const char *text)
{
	struct flow_parse_ctx ctx = { .mode = FLOW_PARSE_ADD };
	struct ofp_flow_spec spec;
	char err[256];

	if (flow_parse(text, &ctx, &spec, err, sizeof err)) {
		fprintf(stderr, "bench_micro: %s: %s\n", text, err);
		exit(1);
	}
	oftable_add(&ofp->flows, &spec);
	ofp_flow_spec_uninit(&spec);
}

/* EID i: 10.x.y.z from 10.0.0.1 on (the VM's own address for i = 0). */
static uint32_t
eid(uint32_t i)
{
	return 0x0a000001u + i + (i >= 1 ? 2 : 0);   /* Skip 10.0.0.2, the destination. */
}

/* An Ethernet + IPv4 + UDP frame with 64 bytes of payload, VM1 -> VM2. */
static void
build_frame(struct pkt *p, uint32_t src, uint16_t sport)
{
	uint8_t *d;
	uint32_t s = htonl(src), dst = htonl(0x0a000002);
	uint16_t ip_len = 20 + 8 + 64;

	pkt_reset(p);
	d = p->data;
	memset(d, 0, 14 + ip_len);
	memcpy(d, VM2_MAC, 6);
	memcpy(d + 6, VM1_MAC, 6);
	d[12] = 0x08;
	d[14] = 0x45;
	d[16] = (uint8_t)(ip_len >> 8);
	d[17] = (uint8_t)ip_len;
	d[22] = 64;
	d[23] = 17;
	memcpy(d + 26, &s, 4);
	memcpy(d + 30, &dst, 4);
	{
		uint32_t sum = 0;

		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)d[14 + i] << 8 | d[14 + i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		d[24] = (uint8_t)(~sum >> 8);
		d[25] = (uint8_t)~sum;
	}
	d[34] = (uint8_t)(sport >> 8);
	d[35] = (uint8_t)sport;
	d[36] = 0x23;
	d[37] = 0x28;
	d[38] = 0;
	d[39] = 8 + 64;
	p->size = 14 + ip_len;
}

/* A network namespace of our own with loopback up: RLOC 127.0.0.1 is the only destination. */
static void
private_netns(void)
{
	struct ifreq ifr = { 0 };
	int fd;

	if (unshare(CLONE_NEWNET) < 0) {
		perror("bench_micro: unshare(CLONE_NEWNET) (run as root)");
		exit(1);
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	str_copy(ifr.ifr_name, "lo", sizeof ifr.ifr_name);
	ifr.ifr_flags = IFF_UP | IFF_RUNNING;
	if (fd < 0 || ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		perror("bench_micro: lo up");
		exit(1);
	}
	close(fd);
}

int
main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 1;
	uint32_t m = argc > 2 ? (uint32_t)atoi(argv[2]) : 20000;
	const char *mode = argc > 3 ? argv[3] : "emc";
	bool emc = !strcmp(mode, "emc");
	struct kv opts[] = { { "remote_ip", "flow" }, { "key", "flow" } };
	struct netdev_args args = { .options = opts, .n_options = 2 };
	struct netdev *lisp;
	struct ofproto ofp;
	struct ofport *tap0;
	struct pkt_batch batch = { .count = PKT_BATCH };
	char text[256];
	int e;

	private_netns();
	ofproto_init(&ofp, "br0");
	tap0 = port_add(&ofp, "tap0", 1, stub_open("tap0", VM1_MAC));
	port_add(&ofp, "eth0", 2, stub_open("eth0", VM2_MAC));
	if ((e = netdev_lisp_class.open("lisp0", &args, &lisp))) {
		fprintf(stderr, "bench_micro: lisp port: %s\n", strerror(-e));
		return 1;
	}
	port_add(&ofp, "lisp0", 3, lisp);

	add_flow(&ofp, "priority=3,dl_dst=02:00:00:00:00:00,action=mod_dl_dst:52:54:00:00:00:01,"
		       "output:1");
	add_flow(&ofp, "priority=2,in_port=1,dl_type=0x0806,action=NORMAL");
	for (uint32_t i = 0; i < n; i++) {
		struct in_addr a = { htonl(eid(i)) };

		snprintf(text, sizeof text, "priority=1,in_port=1,dl_type=0x0800,vlan_tci=0,"
			 "nw_src=%s/32,action=set_field:127.0.0.1->tun_dst,output:3", inet_ntoa(a));
		add_flow(&ofp, text);
	}
	add_flow(&ofp, "priority=0,action=NORMAL");

	for (int i = 0; i < PKT_BATCH; i++)
		batch.pkts[i] = pkt_alloc();
	/* Warm up: the path MTU cache, the exact-match cache for 'emc'. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < PKT_BATCH; i++)
			build_frame(batch.pkts[i], eid((uint32_t)i % n), (uint16_t)(1000 + i));
		ofproto_receive(&ofp, tap0, &batch);
		ofproto_flush(&ofp);
	}
	lisp->stats.tx_packets = 0;

	for (uint32_t done = 0; done < m; done += PKT_BATCH) {
		for (int i = 0; i < PKT_BATCH; i++) {
			if (emc)
				build_frame(batch.pkts[i], eid((uint32_t)i % n), (uint16_t)(1000 + i));
			else
				build_frame(batch.pkts[i], eid(rnd() % n), (uint16_t)(rnd() | 1));
		}
		CALLGRIND_START_INSTRUMENTATION;
		ofproto_receive(&ofp, tap0, &batch);
		ofproto_flush(&ofp);
		CALLGRIND_STOP_INSTRUMENTATION;
	}
	m = (m + PKT_BATCH - 1) / PKT_BATCH * PKT_BATCH;
	printf("flows=%u packets=%u mode=%s lisp_tx=%llu tx_dropped=%llu emc_hits=%llu "
	       "emc_misses=%llu\n", n, m, mode, (unsigned long long)lisp->stats.tx_packets,
	       (unsigned long long)lisp->stats.tx_dropped, (unsigned long long)ofp.emc_hits,
	       (unsigned long long)ofp.emc_misses);
	return lisp->stats.tx_packets == m ? 0 : 1;
}

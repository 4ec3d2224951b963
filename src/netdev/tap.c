/*
 * "internal" ports: the TAP device that carries a bridge's own address (OpenFlow port LOCAL).
 * The device is made persistent, so that if the daemon dies without cleaning up, the interface,
 * its addresses and its routes survive and the restarted daemon attaches to it again; a clean
 * shutdown or del-br removes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "netdev.h"
#include "pkt.h"
#include "util.h"

#define VNET_SIZE sizeof(struct virtio_net_hdr)

static int
tap_set_mac(const char *name, const uint8_t mac[6])
{
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof ifr);
	str_copy(ifr.ifr_name, name, sizeof ifr.ifr_name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void
tap_close(struct netdev *dev, bool destroy)
{
	if (dev->fd >= 0) {
		if (destroy && ioctl(dev->fd, TUNSETPERSIST, 0) < 0)
			log_warn_errno(PORT, "port %s: could not remove the TAP device", dev->name);
		close(dev->fd);
	}
	free(dev);
}

static int
tap_open(const char *name, const struct netdev_args *args, struct netdev **out)
{
	struct netdev *dev = xcalloc(1, sizeof *dev);
	struct ifreq ifr;
	int err;

	dev->class = &netdev_tap_class;
	memset(&ifr, 0, sizeof ifr);
	if (!str_copy(ifr.ifr_name, name, sizeof ifr.ifr_name)) {
		dev->fd = -1;
		err = -ENAMETOOLONG;
		goto fail;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	dev->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (dev->fd < 0 || ioctl(dev->fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(dev->fd, TUNSETPERSIST, 1) < 0 ||
	    ioctl(dev->fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0) {
		err = -errno;
		goto fail;
	}
	if ((err = tap_set_mac(name, args->mac)) || (err = netdev_query(dev, name)))
		goto fail;
	*out = dev;
	return 0;
fail:
	/* A device we could not set up is not left behind. */
	tap_close(dev, true);
	return err;
}

static int
tap_recv(struct netdev *dev, struct pkt_batch *batch)
{
	int n = 0;

	while (batch->count < PKT_BATCH) {
		struct pkt *pkt = batch->pkts[batch->count];
		struct iovec iov[2];
		ssize_t len;

		pkt_reset(pkt);
		iov[0] = (struct iovec){ &pkt->vnet, VNET_SIZE };
		iov[1] = (struct iovec){ pkt->data, PKT_MAX_SIZE - 4 };
		len = readv(dev->fd, iov, 2);
		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR)
				dev->stats.rx_errors++;
			break;
		}
		if ((size_t)len < VNET_SIZE + 14) {
			dev->stats.rx_errors++;
			continue;
		}
		pkt->size = (uint32_t)((size_t)len - VNET_SIZE);
		dev->stats.rx_packets++;
		dev->stats.rx_bytes += pkt->size;
		batch->count++;
		n++;
	}
	return n;
}

static void
tap_send(struct netdev *dev, const struct pkt *pkt)
{
	struct iovec iov[2] = {
		{ (void *)&pkt->vnet, VNET_SIZE },
		{ pkt->data, pkt->size },
	};

	/* A TAP device that is down refuses writes with EIO: that is a drop, not an error. */
	if (writev(dev->fd, iov, 2) < 0) {
		if (errno == EIO || errno == EAGAIN)
			dev->stats.tx_dropped++;
		else
			dev->stats.tx_errors++;
		return;
	}
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += pkt->size;
}

static void
tap_flush(struct netdev *dev)
{
	dev->tx_pending = false;
}

const struct netdev_class netdev_tap_class = {
	.type = "internal",
	.open = tap_open,
	.close = tap_close,
	.recv = tap_recv,
	.send = tap_send,
	.flush = tap_flush,
};

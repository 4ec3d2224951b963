#include "netdev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

const struct netdev_class *
netdev_class_find(const char *type)
{
	if (!*type || !strcmp(type, "system"))
		return &netdev_afpacket_class;
	if (!strcmp(type, "internal"))
		return &netdev_tap_class;
	if (!strcmp(type, "lisp"))
		return &netdev_lisp_class;
	return NULL;
}

int
netdev_validate(const char *type, const struct kv *options, size_t n, char *err, size_t err_size)
{
	const struct netdev_class *class = netdev_class_find(type);

	if (!class) {
		snprintf(err, err_size, "unknown interface type \"%s\"", type);
		return -1;
	}
	if (class->validate)
		return class->validate(options, n, err, err_size);
	if (n) {
		snprintf(err, err_size, "unknown option \"%s\" for a %s port", options[0].key,
			 *type ? type : "system");
		return -1;
	}
	return 0;
}

int
netdev_query(struct netdev *dev, const char *name)
{
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof ifr);
	if (!str_copy(ifr.ifr_name, name, sizeof ifr.ifr_name))
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	dev->ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	memcpy(dev->mac, ifr.ifr_hwaddr.sa_data, 6);
	str_copy(dev->name, name, sizeof dev->name);
out:
	close(fd);
	return err;
}

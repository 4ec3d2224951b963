/* The lisp port class (netdev_lisp_class in netdev.h) and what the receive side asks of it. */
#ifndef LS_LISP_PORT_H
#define LS_LISP_PORT_H

#include <stdint.h>

struct netdev;
struct lisp_cfg;

struct lisp_xtr;
struct pkt;

/* The parsed options of lisp port 'dev'. */
const struct lisp_cfg *lisp_port_cfg(const struct netdev *dev);
/* Its control plane and map-cache. */
struct lisp_xtr *lisp_port_xtr(const struct netdev *dev);
/* Datagrams lisp port 'dev' has sent by each way: built whole and run through the bridge to the
 * uplink (the direct path), or handed to the kernel. */
struct lisp_tx_paths {
	uint64_t direct, kernel;
};
const struct lisp_tx_paths *lisp_port_tx_paths(const struct netdev *dev);
/* Sends 'pkt' out of 'dev' at once, through the kernel (for packets released by the xTR). */
void lisp_port_send_now(struct netdev *dev, const struct pkt *pkt);

#endif

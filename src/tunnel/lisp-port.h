/* The lisp port class (netdev_lisp_class in netdev.h) and what the receive side asks of it. */
#ifndef LS_LISP_PORT_H
#define LS_LISP_PORT_H

struct netdev;
struct lisp_cfg;

/* The parsed options of lisp port 'dev'. */
const struct lisp_cfg *lisp_port_cfg(const struct netdev *dev);

#endif

/* The bridges' side of LISP reception (bridge-tunnel.c). */
#ifndef LS_BRIDGE_TUNNEL_H
#define LS_BRIDGE_TUNNEL_H

#include <stdbool.h>

struct pkt;

void tunnel_init(void);
void tunnel_uninit(void);
/* Watches every receiver that lisp ports opened and the main loop does not know yet. */
void tunnel_rx_sync(void);
/*
 * The bridges' hook on frames output to their internal port: takes (copies) a LISP datagram
 * bound for this host, for tunnel_drain() to decapsulate. True if it took the frame.
 */
bool tunnel_intercept(void *aux, const struct pkt *pkt);
/* Decapsulates and delivers the datagrams taken since the last call. */
void tunnel_drain(void);

#endif

/*
 * lispctl capture: records what one port receives and sends and streams it, packet by packet,
 * to the lispctl that asked, over its control connection. lispctl writes the pcap file itself,
 * with its user's rights: the daemon runs as root and never opens a path a client names.
 *
 * A capture ends after its packet count, after its time, when its port goes away (each with a
 * last "end" notification) or when lispctl disconnects. One capture per port at a time. A
 * client that reads too slowly loses packets (counted and reported), never the datapath's time.
 */
#ifndef LS_CAPTURE_H
#define LS_CAPTURE_H

#include <jansson.h>

#include "rpc.h"

/*
 * The "capture" method. 'params': {"port": NAME, "count": N (0: no limit), "seconds": S (0: no
 * limit), "outer": BOOL}. Answers {"port", "linktype": "ether"|"raw"} and then sends "packet"
 * notifications {"sec", "usec", "dir": "rx"|"tx", "data": HEX} and one "end" {"packets",
 * "lost", "reason": "count"|"time"|"port removed"}.
 */
json_t *capture_rpc(json_t *params, struct rpc_error *err);

#endif

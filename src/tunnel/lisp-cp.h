/*
 * The host's LISP control-plane endpoint: UDP port 4342 on every local address, one socket
 * per family, shared by every lisp port's xTR and the built-in map-server. It is open while
 * anything uses it. Received messages go where RFC 9301 sends them:
 *   Map-Register, Map-Notify-Ack            the map-server
 *   ECM with a Map-Request                  the map-server if it has sites and the ECM is not
 *                                           marked "to an ETR", else the xTR owning the EID
 *   Map-Request (probe, SMR)                the xTRs, the first that takes it
 *   Map-Reply, Map-Notify                   the xTR whose nonce it carries
 * Anything else is counted as malformed and dropped.
 */
#ifndef LS_LISP_CP_H
#define LS_LISP_CP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct lisp_xtr;
struct map_server;

/* Opens the sockets on first use; -errno if they cannot be bound. Each get needs a put. */
int lisp_cp_get(void);
void lisp_cp_put(void);
/* The two sockets (IPv4, IPv6), -1 when closed: for the main loop to watch. */
void lisp_cp_fds(int fds[2]);
/* Changes whenever the sockets are opened or closed (descriptor numbers may be reused). */
unsigned int lisp_cp_generation(void);

void lisp_cp_add_xtr(struct lisp_xtr *x);
void lisp_cp_remove_xtr(struct lisp_xtr *x);
/* The map-server that takes registers and resolves requests, or NULL for none. */
void lisp_cp_set_map_server(struct map_server *ms);

/* Reads and handles what waits on socket 'fd' (a bounded number of datagrams). */
void lisp_cp_input(int fd, int64_t now);
/* Sends 'len' bytes to UDP 'port' at 'dst' (v4-mapped for IPv4) from port 4342. */
void lisp_cp_send(const struct in6_addr *dst, uint16_t port, const void *msg, size_t len);
/* Runs every xTR's and the map-server's timers. */
void lisp_cp_run(int64_t now);
#define LISP_CP_COUNTERS(X) \
	X(received, "control messages received") \
	X(sent, "control messages sent") \
	X(malformed, "control messages that could not be decoded (dropped)") \
	X(unclaimed, "control messages nobody took: unknown nonce, EID not ours (dropped)") \
	X(send_errors, "control messages the kernel refused to send")

struct lisp_cp_counters {
#define LISP_CP_COUNTER_FIELD(name, text) uint64_t name;
	LISP_CP_COUNTERS(LISP_CP_COUNTER_FIELD)
#undef LISP_CP_COUNTER_FIELD
};

const struct lisp_cp_counters *lisp_cp_counters(void);

#endif

/*
 * The control plane of one lisp port: an xTR (RFC 9301) with its map-cache.
 *
 * ITR: a packet sent to the port without a tunnel destination from its flow goes to the RLOC
 * its map-cache gives for (instance ID, inner destination). On a miss, with a map-resolver, the
 * ITR sends an ECM-encapsulated Map-Request (at most one per EID per map_request_interval, a
 * random 64-bit nonce, three tries with back-off) and keeps the first packets in a bounded queue
 * until the Map-Reply with that nonce arrives; Map-Replies with no outstanding nonce are
 * ignored. Learnt entries expire at their TTL and are refreshed before that while in use; a
 * Solicit-Map-Request makes the ITR ask again. RLOC probes (P-bit Map-Requests straight to each
 * locator in use) mark a locator down when one goes unanswered for a probe interval, so traffic
 * moves to the next by priority, and up again when it answers.
 *
 * ETR: the port's EID prefixes are registered with each map-server (authenticated Map-Register
 * every map_register_interval, wanting a verified Map-Notify; sooner while unacknowledged), and
 * Map-Requests for them (forwarded by a map-server or sent directly as probes) are answered with
 * an authoritative Map-Reply listing the port's RLOC.
 */
#ifndef LS_LISP_XTR_H
#define LS_LISP_XTR_H

#include <stdbool.h>
#include <stdint.h>

#include "drop.h"
#include "map-cache.h"
#include "pkt.h"

struct lisp_cfg;
struct netdev;
struct lisp_xtr;

/* Control-plane counters of one port (lisp/map-cache-show, metrics). */
#define XTR_COUNTERS(X) \
	X(map_requests, "Map-Requests sent on a miss or refresh") \
	X(map_replies, "Map-Replies accepted") \
	X(negative_replies, "negative Map-Replies accepted") \
	X(request_timeouts, "Map-Requests unanswered after every try") \
	X(rate_limited, "misses that sent no Map-Request (one per EID per interval)") \
	X(queued, "packets queued waiting for a Map-Reply") \
	X(queue_drops, "packets dropped: queue full, or no answer came") \
	X(registers, "Map-Registers sent") \
	X(notifies, "Map-Notifies accepted") \
	X(notify_auth_failures, "Map-Notifies refused: authentication failed") \
	X(requests_answered, "Map-Requests answered as the ETR") \
	X(probes, "RLOC probes sent") \
	X(probe_replies, "RLOC probe replies") \
	X(locators_down, "locators marked down by probing") \
	X(smrs, "Solicit-Map-Requests received") \
	X(evictions, "map-cache entries evicted (cache full)")

struct xtr_counters {
#define XTR_COUNTER_FIELD(name, text) uint64_t name;
	XTR_COUNTERS(XTR_COUNTER_FIELD)
#undef XTR_COUNTER_FIELD
};

/* What to do with a packet that has no tunnel destination from its flow. */
enum xtr_verdict {
	XTR_SEND,      /* To the RLOC given. */
	XTR_QUEUED,    /* Kept until the mapping is known: the xTR sends it then. */
	XTR_DROP,      /* Counted under the reason given. */
};

/* The control plane for lisp port 'port' with options 'cfg'. */
struct lisp_xtr *lisp_xtr_create(struct netdev *port, const struct lisp_cfg *cfg);
void lisp_xtr_destroy(struct lisp_xtr *x);

/*
 * Where the inner IP packet of 'pkt' (at offset 'l3') in instance 'iid' goes: '*rloc' for
 * XTR_SEND. 'hash' is the inner flow's hash, so a flow's packets stay on one locator.
 */
enum xtr_verdict lisp_xtr_resolve(struct lisp_xtr *x, const struct pkt *pkt, uint32_t l3,
				  uint32_t iid, uint32_t hash, struct in6_addr *rloc,
				  enum drop_reason *why);
/* The same answer, if it is XTR_SEND, without counting, queueing or asking: true if so. */
bool lisp_xtr_lookup(struct lisp_xtr *x, const struct pkt *pkt, uint32_t l3, uint32_t iid,
		     uint32_t hash, struct in6_addr *rloc);

/*
 * Control messages for this xTR, decoded by the endpoint (lisp-cp.c). Each returns true if the
 * xTR took the message (its nonce, its EID), false to let another have it.
 */
/* A Map-Request whose answer goes to UDP port 'sport' (the inner one for an ECM). */
bool lisp_xtr_request(struct lisp_xtr *x, const struct lisp_map_request *req, uint16_t sport,
		      int64_t now);
bool lisp_xtr_reply(struct lisp_xtr *x, const struct lisp_map_reply *rep, int64_t now);
/* Map-Notify 'n', decoded from the 'len' bytes of 'msg' (to check its authentication). */
bool lisp_xtr_notify(struct lisp_xtr *x, const struct lisp_map_register *n, const uint8_t *msg,
		     size_t len, int64_t now);

/* Timers: retries, refreshes, registers, probes, expiry. About once a second. */
void lisp_xtr_run(struct lisp_xtr *x, int64_t now);

struct map_cache *lisp_xtr_cache(struct lisp_xtr *x);
const struct xtr_counters *lisp_xtr_counters(const struct lisp_xtr *x);
const struct lisp_cfg *lisp_xtr_cfg(const struct lisp_xtr *x);
/* When map-server 'i' (of the port's map_server list) last acknowledged a register; 0: never. */
int64_t lisp_xtr_acked_ms(const struct lisp_xtr *x, size_t i);
/* Packets waiting for a Map-Reply, and the EIDs asked for. */
size_t lisp_xtr_waiting(const struct lisp_xtr *x, size_t *pending);
/* Whether this port has an EID prefix containing 'eid'. */
bool lisp_xtr_owns(const struct lisp_xtr *x, const struct lisp_prefix *eid);

#endif

#include "lisp-xtr.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hash.h"
#include "lisp-auth.h"
#include "lisp-cfg.h"
#include "lisp-cp.h"
#include "lisp-dp.h"
#include "lisp-port.h"
#include "log.h"
#include "netdev.h"
#include "route.h"
#include "util.h"

#define MSG_MAX 4096
#define REQUEST_TRIES 3             /* Map-Requests per miss: 1, 2, 4 intervals apart. */
#define PENDING_MAX 1024            /* EIDs being asked for at once. */
#define QUEUE_PER_EID 8             /* Packets kept per EID waiting for its Map-Reply... */
#define QUEUE_BYTES_MAX (1 << 20)   /* ...and at most this much for the whole port. */
#define REGISTER_RETRY_MS 3000      /* While a Map-Register is unacknowledged. */
#define RECORD_TTL 1440             /* Minutes our Map-Replies and registrations say. */
#define PROBE_TIMEOUT_MS 1000       /* A probe unanswered this long: the locator is down. */
#define IN_USE_MS 60000             /* Used this recently: worth refreshing and probing. */
#define OUR_PRIORITY 1
#define OUR_WEIGHT 100

/* One packet waiting for a mapping: a copy of the frame and what travels with it. */
struct queued {
	struct list node;
	struct pkt_tunnel tun;
	struct virtio_net_hdr vnet;
	uint32_t in_port;
	uint32_t size;
	uint8_t data[];
};

/* An EID prefix being asked for. */
struct pending {
	struct hmap_node node;      /* In 'pending', by prefix. */
	struct lisp_prefix eid;     /* A host prefix on a miss; the entry's prefix on a refresh. */
	struct lisp_prefix source;  /* The inner source of the first packet (plen 0: none). */
	uint64_t nonce;
	int64_t sent_ms;
	unsigned int tries;
	bool smr_invoked;
	struct list queue;          /* struct queued, oldest first. */
	size_t n_queued;
};

/* Registration with one map-server. */
struct reg_state {
	uint64_t nonce;             /* Of the latest Map-Register. */
	bool acked;                 /* That one was acknowledged. */
	bool registered;            /* Registers are being acknowledged (for logging changes). */
	int64_t acked_ms;           /* When a Map-Notify last verified. */
	int64_t next_ms;
};

struct lisp_xtr {
	struct netdev *port;
	struct lisp_cfg cfg;
	struct map_cache cache;
	struct hmap pending;
	size_t queued_bytes, n_queued;
	struct reg_state regs[LISP_CP_SERVERS_MAX];
	int64_t next_probe_ms;
	struct xtr_counters stats;
	struct pkt *scratch;        /* For releasing queued packets. */
	bool cp_open;               /* Holds a reference on the control endpoint. */
};

static uint64_t
random_nonce(void)
{
	uint64_t n = 0;

	/* Zero means "no probe in flight" for locators: never use it. */
	while (!n)
		if (getrandom(&n, sizeof n, 0) != sizeof n)
			n = 0;
	return n;
}

static uint32_t
prefix_hash(const struct lisp_prefix *p)
{
	return hash_bytes(&p->addr, sizeof p->addr, hash_add(p->iid, p->plen));
}

struct lisp_xtr *
lisp_xtr_create(struct netdev *port, const struct lisp_cfg *cfg)
{
	struct lisp_xtr *x = xcalloc(1, sizeof *x);
	int e;

	x->port = port;
	x->cfg = *cfg;
	map_cache_init(&x->cache, cfg->cp.cache_size);
	hmap_init(&x->pending);
	x->scratch = pkt_alloc();
	/* Without a map-resolver, map-servers or EIDs it only has its (static) map-cache. */
	if (cfg->cp.has_resolver || cfg->cp.n_servers || cfg->cp.n_eids) {
		if ((e = lisp_cp_get()) < 0)
			log_warn(MAPCACHE, "%s: control port %d unavailable (%s): no Map-Requests, "
				 "Map-Registers or Map-Replies", port->name, LISP_CONTROL_PORT,
				 strerror(-e));
		else
			x->cp_open = true;
	}
	lisp_cp_add_xtr(x);
	return x;
}

static void
pending_free(struct lisp_xtr *x, struct pending *p, bool drop_queue)
{
	struct queued *q;

	LIST_FOR_EACH_SAFE(q, node, &p->queue) {
		list_remove(&q->node);
		x->queued_bytes -= q->size;
		x->n_queued--;
		if (drop_queue) {
			x->port->drops[DROP_MAP_TIMEOUT]++;
			x->stats.queue_drops++;
		}
		free(q);
	}
	hmap_remove(&x->pending, &p->node);
	free(p);
}

void
lisp_xtr_destroy(struct lisp_xtr *x)
{
	struct pending *p;

	if (!x)
		return;
	HMAP_FOR_EACH_SAFE(p, node, &x->pending)
		pending_free(x, p, false);
	hmap_destroy(&x->pending);
	map_cache_destroy(&x->cache);
	lisp_cp_remove_xtr(x);
	if (x->cp_open)
		lisp_cp_put();
	pkt_free(x->scratch);
	free(x);
}

/* Our RLOC towards 'peer': the configured one, else the source the kernel would use. */
static bool
our_rloc(const struct lisp_xtr *x, const struct in6_addr *peer, struct in6_addr *out)
{
	struct route_hop hop;

	if (x->cfg.cp.has_rloc)
		*out = x->cfg.cp.rloc;
	else if (x->cfg.local.set)
		*out = x->cfg.local.addr;
	else if (route_lookup(peer, &hop) == 0 && !IN6_IS_ADDR_UNSPECIFIED(&hop.src))
		*out = hop.src;
	else
		return false;
	return true;
}

/* Our locator as we advertise it. */
static struct lisp_locator
our_locator(const struct in6_addr *rloc, bool probed)
{
	return (struct lisp_locator){ .rloc = *rloc, .priority = OUR_PRIORITY,
				      .weight = OUR_WEIGHT, .mpriority = 255, .local = true,
				      .probed = probed, .reachable = true };
}

/* Sends Map-Request 'req' to the map-resolver in an ECM whose inner header goes to the EID. */
static void
send_ecm_request(struct lisp_xtr *x, const struct lisp_map_request *req,
		 const struct in6_addr *inner_src)
{
	struct lisp_ecm ecm = { .src = *inner_src, .dst = req->eids[0].addr,
				.sport = LISP_CONTROL_PORT, .dport = LISP_CONTROL_PORT };
	uint8_t msg[MSG_MAX], out[MSG_MAX];
	size_t len = lisp_map_request_encode(req, msg, sizeof msg);

	if (len && (len = lisp_ecm_encode(&ecm, msg, len, out, sizeof out))) {
		lisp_cp_send(&x->cfg.cp.resolver, LISP_CONTROL_PORT, out, len);
		x->stats.map_requests++;
	}
}

/* The inner source of an ECM to 'eid': the EID that missed if known, else an RLOC of ours. */
static struct in6_addr
ecm_source(const struct pending *p, const struct in6_addr *rloc)
{
	struct in6_addr zero = IN6ADDR_ANY_INIT;

	if (p->source.plen)
		return p->source.addr;
	if (IN6_IS_ADDR_V4MAPPED(rloc) == lisp_prefix_is_v4(&p->eid))
		return *rloc;
	if (lisp_prefix_is_v4(&p->eid))
		lisp_v4_mapped(&zero, 0);
	return zero;
}

static void
send_request(struct lisp_xtr *x, struct pending *p, int64_t now)
{
	struct lisp_map_request req = { .nonce = random_nonce(), .n_itr_rlocs = 1, .n_eids = 1,
					.smr_invoked = p->smr_invoked };

	p->sent_ms = now;
	p->tries++;
	p->nonce = req.nonce;
	if (!our_rloc(x, &x->cfg.cp.resolver, &req.itr_rlocs[0])) {
		log_dbg(MAPCACHE, "%s: no route to the map-resolver: Map-Request not sent",
			x->port->name);
		return;
	}
	req.eids[0] = p->eid;
	if (p->source.plen) {
		req.has_source_eid = true;
		req.source_eid = p->source;
	}
	struct in6_addr inner_src = ecm_source(p, &req.itr_rlocs[0]);

	send_ecm_request(x, &req, &inner_src);
}

static struct pending *
pending_find(const struct lisp_xtr *x, const struct lisp_prefix *eid)
{
	struct pending *p;

	HMAP_FOR_EACH_WITH_HASH(p, node, prefix_hash(eid), &x->pending)
		if (lisp_prefix_equal(&p->eid, eid))
			return p;
	return NULL;
}

static struct pending *
pending_add(struct lisp_xtr *x, const struct lisp_prefix *eid, const struct lisp_prefix *source)
{
	struct pending *p;

	if (hmap_count(&x->pending) >= PENDING_MAX)
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->eid = *eid;
	if (source)
		p->source = *source;
	list_init(&p->queue);
	hmap_insert(&x->pending, &p->node, prefix_hash(eid));
	return p;
}

/* Keeps a copy of 'pkt' on 'p' if there is room. */
static bool
enqueue(struct lisp_xtr *x, struct pending *p, const struct pkt *pkt)
{
	struct queued *q;

	if (p->n_queued >= QUEUE_PER_EID || x->queued_bytes + pkt->size > QUEUE_BYTES_MAX)
		return false;
	q = xmalloc(sizeof *q + pkt->size);
	q->tun = pkt->tun;
	q->vnet = pkt->vnet;
	q->in_port = pkt->in_port;
	q->size = pkt->size;
	memcpy(q->data, pkt->data, pkt->size);
	list_push_back(&p->queue, &q->node);
	p->n_queued++;
	x->n_queued++;
	x->queued_bytes += pkt->size;
	x->stats.queued++;
	return true;
}

/* The inner destination and source of the IP packet at 'ip' as host prefixes. */
static void
inner_addrs(const uint8_t *ip, uint32_t iid, struct lisp_prefix *dst, struct lisp_prefix *src)
{
	struct in6_addr d, s;

	if ((ip[0] >> 4) == 4) {
		uint32_t d4, s4;

		memcpy(&s4, ip + 12, 4);
		memcpy(&d4, ip + 16, 4);
		lisp_v4_mapped(&s, s4);
		lisp_v4_mapped(&d, d4);
	} else {
		memcpy(&s, ip + 8, 16);
		memcpy(&d, ip + 24, 16);
	}
	*dst = lisp_prefix_host(iid, &d);
	*src = lisp_prefix_host(iid, &s);
}

/* A miss (or a send-map-request entry): ask, at most once an interval, and keep the packet. */
static enum xtr_verdict
miss(struct lisp_xtr *x, const struct pkt *pkt, const struct lisp_prefix *dst,
     const struct lisp_prefix *src, enum drop_reason *why)
{
	struct pending *p = pending_find(x, dst);
	int64_t now = time_msec();

	if (!x->cfg.cp.has_resolver) {
		*why = DROP_NO_TUNNEL_DST;
		return XTR_DROP;
	}
	if (!p && (p = pending_add(x, dst, src)))
		send_request(x, p, now);
	else
		x->stats.rate_limited++;
	if (!p || !enqueue(x, p, pkt)) {
		x->stats.queue_drops++;
		*why = DROP_MAP_QUEUE_FULL;
		return XTR_DROP;
	}
	return XTR_QUEUED;
}

/*
 * What the map-cache says of a packet to 'dst': XTR_SEND with '*rloc' and '*ep' (the entry),
 * XTR_QUEUED if it must be asked for, or XTR_DROP with '*why'.
 */
static enum xtr_verdict
lookup(const struct lisp_xtr *x, const struct lisp_prefix *dst, uint32_t hash,
       struct in6_addr *rloc, struct mc_entry **ep, enum drop_reason *why)
{
	struct mc_entry *e = map_cache_lookup(&x->cache, dst->iid, &dst->addr);
	const struct mc_locator *l;

	if (!e || (!e->n_locators && e->action == LISP_ACT_SEND_MAP_REQUEST))
		return XTR_QUEUED;
	if (!e->n_locators) {
		*why = DROP_MAP_NEGATIVE;
		return XTR_DROP;
	}
	if (!(l = map_cache_select(e, hash))) {
		*why = DROP_MAP_NO_RLOC;
		return XTR_DROP;
	}
	*rloc = l->loc.rloc;
	*ep = e;
	return XTR_SEND;
}

enum xtr_verdict
lisp_xtr_resolve(struct lisp_xtr *x, const struct pkt *pkt, uint32_t l3, uint32_t iid,
		 uint32_t hash, struct in6_addr *rloc, enum drop_reason *why)
{
	struct lisp_prefix dst, src;
	struct mc_entry *e;
	enum xtr_verdict v;

	inner_addrs(pkt->data + l3, iid, &dst, &src);
	v = lookup(x, &dst, hash, rloc, &e, why);
	if (v == XTR_QUEUED)
		return miss(x, pkt, &dst, &src, why);
	if (v == XTR_SEND)
		map_cache_use(&x->cache, e, pkt->size - l3, time_msec_coarse());
	return v;
}

bool
lisp_xtr_lookup(struct lisp_xtr *x, const struct pkt *pkt, uint32_t l3, uint32_t iid,
		uint32_t hash, struct in6_addr *rloc)
{
	struct lisp_prefix dst, src;
	enum drop_reason why;
	struct mc_entry *e;

	inner_addrs(pkt->data + l3, iid, &dst, &src);
	return lookup(x, &dst, hash, rloc, &e, &why) == XTR_SEND;
}

/* Sends the packets that waited on 'p' (now answered) through the port, and forgets 'p'. */
static void
release(struct lisp_xtr *x, struct pending *p)
{
	struct list queue;
	struct queued *q;

	/* Detached first: sending may miss again and queue on a new pending entry. */
	list_init(&queue);
	if (!list_empty(&p->queue)) {
		queue = p->queue;
		queue.next->prev = &queue;
		queue.prev->next = &queue;
	}
	x->n_queued -= p->n_queued;
	LIST_FOR_EACH_SAFE(q, node, &queue)
		x->queued_bytes -= q->size;
	list_init(&p->queue);
	p->n_queued = 0;
	pending_free(x, p, false);
	LIST_FOR_EACH_SAFE(q, node, &queue) {
		struct pkt *pkt = x->scratch;

		pkt_reset(pkt);
		memcpy(pkt->data, q->data, q->size);
		pkt->size = q->size;
		pkt->tun = q->tun;
		pkt->vnet = q->vnet;
		pkt->in_port = q->in_port;
		lisp_port_send_now(x->port, pkt);
		free(q);
	}
}

static bool
prefix_covers(const struct lisp_prefix *outer, const struct lisp_prefix *inner)
{
	return outer->plen <= inner->plen &&
	       lisp_prefix_is_v4(outer) == lisp_prefix_is_v4(inner) &&
	       lisp_prefix_contains(outer, inner->iid, &inner->addr);
}

/* Installs the records of an answered request, then lets go of what waited for them. */
static void
accept_reply(struct lisp_xtr *x, struct pending *p, const struct lisp_map_reply *rep,
	     int64_t now)
{
	struct pending *q;

	x->stats.map_replies++;
	for (uint8_t i = 0; i < rep->n_records; i++) {
		const struct lisp_record *r = &rep->records[i];
		char buf[LISP_PREFIX_STRLEN];

		if (!r->n_locators)
			x->stats.negative_replies++;
		if (!map_cache_put(&x->cache, r, MC_MAP_REPLY, now))
			continue;
		log_info(MAPCACHE, "%s: learnt %s: %u locator(s), TTL %u min", x->port->name,
			 lisp_prefix_format(&r->eid, buf), r->n_locators, r->ttl);
	}
	x->stats.evictions = x->cache.evictions;
	release(x, p);
	/* Other EIDs the new entries cover need not wait for their own answers. */
	HMAP_FOR_EACH_SAFE(q, node, &x->pending) {
		for (uint8_t i = 0; i < rep->n_records; i++) {
			if (prefix_covers(&rep->records[i].eid, &q->eid)) {
				release(x, q);
				break;
			}
		}
	}
}

/* A probe reply: the locator it answers for is up. */
static bool
accept_probe_reply(struct lisp_xtr *x, uint64_t nonce, int64_t now)
{
	struct mc_entry *e = NULL;

	while ((e = map_cache_next(&x->cache, e))) {
		for (uint8_t i = 0; i < e->n_locators; i++) {
			struct mc_locator *l = &e->locators[i];

			if (l->probe_nonce != nonce)
				continue;
			if (!l->up) {
				char buf[LISP_PREFIX_STRLEN];

				log_info(MAPCACHE, "%s: %s: locator %u up again (probe answered)",
					 x->port->name, lisp_prefix_format(&e->eid, buf), i);
			}
			l->up = true;
			l->missed = 0;
			l->probe_nonce = 0;
			l->rtt_us = (now - l->probe_sent_ms) * 1000;
			x->stats.probe_replies++;
			return true;
		}
	}
	return false;
}

bool
lisp_xtr_reply(struct lisp_xtr *x, const struct lisp_map_reply *rep, int64_t now)
{
	struct pending *p;

	/* No LISP-SEC yet: an S=1 reply cannot be checked (RFC 9303), so it is not taken. */
	if (rep->security)
		return false;
	if (rep->probe && accept_probe_reply(x, rep->nonce, now))
		return true;
	HMAP_FOR_EACH_SAFE(p, node, &x->pending) {
		if (p->nonce == rep->nonce && p->tries) {
			accept_reply(x, p, rep, now);
			return true;
		}
	}
	return false;
}

bool
lisp_xtr_owns(const struct lisp_xtr *x, const struct lisp_prefix *eid)
{
	for (size_t i = 0; i < x->cfg.cp.n_eids; i++)
		if (prefix_covers(&x->cfg.cp.eids[i], eid))
			return true;
	return false;
}

/* The ITR-RLOC to answer: one of our RLOC's family if the request lists one. */
static const struct in6_addr *
answer_rloc(const struct lisp_map_request *req, const struct in6_addr *ours)
{
	for (uint8_t i = 0; i < req->n_itr_rlocs; i++)
		if (IN6_IS_ADDR_V4MAPPED(&req->itr_rlocs[i]) == IN6_IS_ADDR_V4MAPPED(ours))
			return &req->itr_rlocs[i];
	return &req->itr_rlocs[0];
}

/* As the ETR: answers a request for one of our EID prefixes with our mapping. */
static bool
answer(struct lisp_xtr *x, const struct lisp_map_request *req, uint16_t sport)
{
	struct lisp_map_reply rep = { .probe = req->probe, .nonce = req->nonce, .n_records = 1 };
	struct lisp_record *r = &rep.records[0];
	const struct in6_addr *to = &req->itr_rlocs[0];
	struct in6_addr rloc;
	uint8_t buf[MSG_MAX];
	size_t len;

	if (!req->n_eids || !req->n_itr_rlocs || !our_rloc(x, to, &rloc))
		return false;
	for (size_t i = 0; i < x->cfg.cp.n_eids && !r->eid.plen; i++)
		if (prefix_covers(&x->cfg.cp.eids[i], &req->eids[0]))
			r->eid = x->cfg.cp.eids[i];
	if (!lisp_xtr_owns(x, &req->eids[0]))
		return false;
	r->ttl = RECORD_TTL;
	r->authoritative = true;
	r->n_locators = 1;
	r->locators[0] = our_locator(&rloc, req->probe);
	if ((len = lisp_map_reply_encode(&rep, buf, sizeof buf))) {
		lisp_cp_send(answer_rloc(req, &rloc), sport, buf, len);
		x->stats.requests_answered++;
	}
	return true;
}

/* A Solicit-Map-Request: ask the mapping system again for what it names that we have. */
static bool
solicited(struct lisp_xtr *x, const struct lisp_map_request *req, int64_t now)
{
	bool taken = false;

	for (uint8_t i = 0; i <= req->n_eids; i++) {
		const struct lisp_prefix *eid = i < req->n_eids ? &req->eids[i] : &req->source_eid;
		struct mc_entry *e;
		struct pending *p;

		if (i == req->n_eids && !req->has_source_eid)
			break;
		e = map_cache_lookup(&x->cache, eid->iid, &eid->addr);
		if (!e || e->source == MC_STATIC)
			continue;
		taken = true;
		/* SMRs are not authenticated: the answer comes from the mapping system. */
		if (!x->cfg.cp.has_resolver || pending_find(x, &e->eid) ||
		    !(p = pending_add(x, &e->eid, NULL)))
			continue;
		p->smr_invoked = true;
		e->refreshing = true;
		send_request(x, p, now);
	}
	if (taken)
		x->stats.smrs++;
	return taken;
}

bool
lisp_xtr_request(struct lisp_xtr *x, const struct lisp_map_request *req, uint16_t sport,
		 int64_t now)
{
	if (req->smr)
		return solicited(x, req, now);
	return answer(x, req, sport);
}

bool
lisp_xtr_notify(struct lisp_xtr *x, const struct lisp_map_register *n, const uint8_t *msg,
		size_t len, int64_t now)
{
	for (size_t i = 0; i < x->cfg.cp.n_servers; i++) {
		struct reg_state *r = &x->regs[i];

		if (r->nonce != n->nonce)
			continue;
		if (!lisp_auth_verify(msg, len, n->auth_offset, n->auth_len, n->alg,
				      x->cfg.cp.key)) {
			x->stats.notify_auth_failures++;
			log_warn(MAPCACHE, "%s: Map-Notify with a registration's nonce failed "
				 "authentication: ignored", x->port->name);
			return true;
		}
		if (!r->registered)
			log_info(MAPCACHE, "%s: registered with map-server %zu", x->port->name, i);
		r->registered = true;
		r->acked = true;
		r->acked_ms = now;
		x->stats.notifies++;
		return true;
	}
	return false;
}

/* Registers our EID prefixes with map-server 'i'; false if it could not be sent. */
static bool
send_register(struct lisp_xtr *x, size_t i)
{
	const struct lisp_cp_cfg *cp = &x->cfg.cp;
	struct lisp_map_register reg = { .type = LISP_MAP_REGISTER, .proxy_reply = cp->proxy_reply,
					 .want_notify = true, .alg = (uint8_t)cp->auth_alg,
					 .nonce = random_nonce() };
	struct in6_addr rloc;
	uint8_t buf[MSG_MAX];
	size_t len;

	if (!our_rloc(x, &cp->servers[i], &rloc))
		return false;
	reg.auth_len = (uint16_t)lisp_auth_len(cp->auth_alg);
	reg.n_records = (uint8_t)cp->n_eids;
	for (size_t k = 0; k < cp->n_eids; k++) {
		struct lisp_record *r = &reg.records[k];

		r->eid = cp->eids[k];
		r->ttl = RECORD_TTL;
		r->authoritative = true;
		r->n_locators = 1;
		r->locators[0] = our_locator(&rloc, false);
	}
	len = lisp_map_register_encode(&reg, buf, sizeof buf);
	if (!len || !lisp_auth_sign(buf, len, reg.auth_offset, reg.auth_len, reg.alg, cp->key))
		return false;
	x->regs[i].nonce = reg.nonce;
	x->regs[i].acked = false;
	lisp_cp_send(&cp->servers[i], LISP_CONTROL_PORT, buf, len);
	x->stats.registers++;
	return true;
}

static void
run_registers(struct lisp_xtr *x, int64_t now)
{
	for (size_t i = 0; i < x->cfg.cp.n_servers; i++) {
		struct reg_state *r = &x->regs[i];
		int64_t interval = (int64_t)x->cfg.cp.register_s * 1000;

		if (now < r->next_ms)
			continue;
		/* Unacknowledged (a map-server restarting, a lost packet): try again soon. */
		if (r->nonce && !r->acked) {
			interval = MIN(interval, REGISTER_RETRY_MS);
			if (r->registered)
				log_warn(MAPCACHE, "%s: map-server %zu did not acknowledge the last "
					 "Map-Register", x->port->name, i);
			r->registered = false;
		}
		/* Not sent (no address towards it yet): try again soon, not an interval later. */
		if (!send_register(x, i))
			interval = MIN(interval, REGISTER_RETRY_MS);
		r->next_ms = now + interval;
	}
}

/* Sends a Map-Request again, later each time; gives up after REQUEST_TRIES. */
static void
run_pending(struct lisp_xtr *x, int64_t now)
{
	int64_t interval = (int64_t)x->cfg.cp.request_s * 1000;
	struct pending *p;

	HMAP_FOR_EACH_SAFE(p, node, &x->pending) {
		if (now < p->sent_ms + (interval << (p->tries - 1)))
			continue;
		if (p->tries < REQUEST_TRIES) {
			send_request(x, p, now);
			continue;
		}
		char buf[LISP_PREFIX_STRLEN];
		struct mc_entry *e = map_cache_find(&x->cache, &p->eid);

		log_info(MAPCACHE, "%s: no Map-Reply for %s after %u tries", x->port->name,
			 lisp_prefix_format(&p->eid, buf), p->tries);
		if (e)
			e->refreshing = false;
		x->stats.request_timeouts++;
		pending_free(x, p, true);
	}
}

/* Asks again for entries in use that are about to expire. */
static void
refresh(struct lisp_xtr *x, struct mc_entry *e, int64_t now)
{
	int64_t ttl_ms = (int64_t)e->ttl * 60000, window = MAX(ttl_ms / 10, 5000);
	struct pending *p;

	if (e->source == MC_STATIC || e->refreshing || e->expires_ms == MC_NEVER ||
	    e->expires_ms - now > window || now - e->used_ms > IN_USE_MS ||
	    !x->cfg.cp.has_resolver || pending_find(x, &e->eid) ||
	    !(p = pending_add(x, &e->eid, NULL)))
		return;
	e->refreshing = true;
	send_request(x, p, now);
}

/* Sends a probe to one locator of 'e' (straight to it, not through the mapping system). */
static void
probe(struct lisp_xtr *x, const struct mc_entry *e, struct mc_locator *l, int64_t now)
{
	struct lisp_map_request req = { .probe = true, .nonce = random_nonce(), .n_itr_rlocs = 1,
					.n_eids = 1 };
	uint8_t buf[MSG_MAX];
	size_t len;

	if (!our_rloc(x, &l->loc.rloc, &req.itr_rlocs[0]))
		return;
	req.eids[0] = e->eid;
	if (!(len = lisp_map_request_encode(&req, buf, sizeof buf)))
		return;
	l->probe_nonce = req.nonce;
	l->probe_sent_ms = now;
	lisp_cp_send(&l->loc.rloc, LISP_CONTROL_PORT, buf, len);
	x->stats.probes++;
}

/* Marks down locators whose probe went unanswered; probes every locator in use each round. */
static void
run_probes(struct lisp_xtr *x, struct mc_entry *e, bool round, int64_t now)
{
	for (uint8_t i = 0; i < e->n_locators; i++) {
		struct mc_locator *l = &e->locators[i];

		if (l->probe_nonce && now - l->probe_sent_ms >= PROBE_TIMEOUT_MS) {
			l->probe_nonce = 0;
			l->missed++;
			if (l->up) {
				char buf[LISP_PREFIX_STRLEN];

				l->up = false;
				x->stats.locators_down++;
				log_warn(MAPCACHE, "%s: %s: locator %u down (probe unanswered)",
					 x->port->name, lisp_prefix_format(&e->eid, buf), i);
			}
		}
		if (round && !l->probe_nonce && l->loc.priority != 255)
			probe(x, e, l, now);
	}
}

void
lisp_xtr_run(struct lisp_xtr *x, int64_t now)
{
	bool round = x->cfg.cp.probe_s && x->cp_open && now >= x->next_probe_ms;
	struct mc_entry *e = NULL, *next;

	if (round)
		x->next_probe_ms = now + (int64_t)x->cfg.cp.probe_s * 1000;
	run_pending(x, now);
	run_registers(x, now);
	for (e = map_cache_next(&x->cache, NULL); e; e = next) {
		next = map_cache_next(&x->cache, e);
		refresh(x, e, now);
		if (e->used_ms && now - e->used_ms <= IN_USE_MS)
			run_probes(x, e, round, now);
	}
	map_cache_expire(&x->cache, now);
}

struct map_cache *
lisp_xtr_cache(struct lisp_xtr *x)
{
	return &x->cache;
}

const struct xtr_counters *
lisp_xtr_counters(const struct lisp_xtr *x)
{
	return &x->stats;
}

const struct lisp_cfg *
lisp_xtr_cfg(const struct lisp_xtr *x)
{
	return &x->cfg;
}

int64_t
lisp_xtr_acked_ms(const struct lisp_xtr *x, size_t i)
{
	return i < x->cfg.cp.n_servers ? x->regs[i].acked_ms : 0;
}

size_t
lisp_xtr_waiting(const struct lisp_xtr *x, size_t *pending)
{
	*pending = hmap_count(&x->pending);
	return x->n_queued;
}

#include "map-server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lisp-auth.h"
#include "log.h"
#include "util.h"

#define MSG_MAX 4096
#define NEGATIVE_TTL_UNKNOWN 15   /* Minutes: space no site has. */
#define NEGATIVE_TTL_SITE 1       /* Minutes: a site's prefix nobody has registered. */
#define ECM_FLAG_E 0x02           /* Byte 0 of an ECM: "to an ETR" (RFC 9301 5.8). */

void
map_server_init(struct map_server *ms, ms_send_fn *send, void *aux)
{
	memset(ms, 0, sizeof *ms);
	ms->send = send;
	ms->aux = aux;
}

static void
site_clear(struct ms_site *s)
{
	free(s->regs);
	s->regs = NULL;
	s->n_regs = 0;
}

void
map_server_destroy(struct map_server *ms)
{
	for (size_t i = 0; i < ms->n_sites; i++)
		site_clear(&ms->sites[i]);
	free(ms->sites);
	ms->sites = NULL;
	ms->n_sites = 0;
}

struct ms_site *
map_server_find_site(const struct map_server *ms, const char *name)
{
	for (size_t i = 0; i < ms->n_sites; i++)
		if (!strcmp(ms->sites[i].name, name))
			return &ms->sites[i];
	return NULL;
}

static bool
prefixes_overlap(const struct lisp_prefix *a, const struct lisp_prefix *b)
{
	const struct lisp_prefix *shorter = a->plen <= b->plen ? a : b;
	const struct lisp_prefix *longer = shorter == a ? b : a;

	return lisp_prefix_is_v4(a) == lisp_prefix_is_v4(b) &&
	       lisp_prefix_contains(shorter, longer->iid, &longer->addr);
}

/* The site (and its prefix, in '*prefix') whose prefixes contain all of 'p', or NULL. */
static struct ms_site *
site_covering(const struct map_server *ms, const struct lisp_prefix *p,
	      const struct lisp_prefix **prefix)
{
	for (size_t i = 0; i < ms->n_sites; i++) {
		struct ms_site *s = &ms->sites[i];

		for (size_t j = 0; j < s->n_prefixes; j++) {
			const struct lisp_prefix *sp = &s->prefixes[j];

			if (sp->plen <= p->plen && lisp_prefix_is_v4(sp) == lisp_prefix_is_v4(p) &&
			    lisp_prefix_contains(sp, p->iid, &p->addr)) {
				if (prefix)
					*prefix = sp;
				return s;
			}
		}
	}
	return NULL;
}

int
map_server_add_site(struct map_server *ms, const char *name, const char *key,
		    const struct lisp_prefix *prefixes, size_t n, char *err, size_t err_size)
{
	struct ms_site site = { .n_prefixes = n };
	char buf[LISP_PREFIX_STRLEN];

	if (map_server_find_site(ms, name)) {
		snprintf(err, err_size, "site already exists");
		return -1;
	}
	if (!*name || !str_copy(site.name, name, sizeof site.name) || !*key ||
	    !str_copy(site.key, key, sizeof site.key) || !n || n > MS_SITE_PREFIXES_MAX) {
		snprintf(err, err_size, "a site needs a name (< %d bytes), a key (< %d bytes) and "
			 "1 to %d EID prefixes", MS_SITE_NAME_MAX, MS_KEY_MAX, MS_SITE_PREFIXES_MAX);
		return -1;
	}
	memcpy(site.prefixes, prefixes, n * sizeof *prefixes);
	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < ms->n_sites; s++) {
			for (size_t j = 0; j < ms->sites[s].n_prefixes; j++) {
				if (prefixes_overlap(&prefixes[i], &ms->sites[s].prefixes[j])) {
					snprintf(err, err_size, "prefix %s overlaps site %s",
						 lisp_prefix_format(&prefixes[i], buf),
						 ms->sites[s].name);
					return -1;
				}
			}
		}
	}
	ms->sites = xrealloc(ms->sites, (ms->n_sites + 1) * sizeof *ms->sites);
	ms->sites[ms->n_sites++] = site;
	return 0;
}

bool
map_server_del_site(struct map_server *ms, const char *name)
{
	struct ms_site *s = map_server_find_site(ms, name);

	if (!s)
		return false;
	site_clear(s);
	*s = ms->sites[--ms->n_sites];
	return true;
}

static void
send_msg(struct map_server *ms, const struct in6_addr *dst, uint16_t port, const uint8_t *msg,
	 size_t len)
{
	if (len)
		ms->send(ms->aux, dst, port, msg, len);
}

/* The site every record of 'reg' belongs to; NULL if they do not all fall in one. */
static struct ms_site *
register_site(const struct map_server *ms, const struct lisp_map_register *reg)
{
	struct ms_site *site = NULL;

	if (!reg->n_records)
		return NULL;
	for (uint8_t i = 0; i < reg->n_records; i++) {
		struct ms_site *s = site_covering(ms, &reg->records[i].eid, NULL);

		if (!s || (site && s != site))
			return NULL;
		site = s;
	}
	return site;
}

static struct ms_registration *
find_registration(struct ms_site *s, const struct lisp_prefix *p, const struct in6_addr *etr)
{
	for (size_t i = 0; i < s->n_regs; i++)
		if (lisp_prefix_equal(&s->regs[i].record.eid, p) &&
		    !memcmp(&s->regs[i].etr, etr, sizeof *etr))
			return &s->regs[i];
	return NULL;
}

static void
record_registration(struct ms_site *s, const struct lisp_map_register *reg,
		    const struct lisp_record *r, const struct in6_addr *src, uint16_t sport,
		    int64_t now)
{
	struct ms_registration *g = find_registration(s, &r->eid, src);

	if (!g) {
		s->regs = xrealloc(s->regs, (s->n_regs + 1) * sizeof *s->regs);
		g = &s->regs[s->n_regs++];
		*g = (struct ms_registration){ .etr = *src, .first_ms = now };
	}
	g->record = *r;
	g->etr_port = sport;
	g->proxy_reply = reg->proxy_reply;
	g->last_ms = now;
	g->count++;
	/* T bit: the record's TTL (minutes) is how long the registration lives. */
	g->expires_ms = now + (reg->ttl_lifetime ? (int64_t)r->ttl * 60000 :
			       MS_REGISTRATION_LIFETIME_MS);
}

/* Answers register 'reg' with a Map-Notify: the same body, signed with the site's key. */
static void
send_notify(struct map_server *ms, const struct ms_site *s, const struct lisp_map_register *reg,
	    const struct in6_addr *dst, uint16_t port)
{
	struct lisp_map_register n = *reg;
	uint8_t buf[MSG_MAX];
	size_t len;

	n.type = LISP_MAP_NOTIFY;
	n.auth_len = (uint16_t)lisp_auth_len(reg->alg);
	len = lisp_map_register_encode(&n, buf, sizeof buf);
	if (!len || !lisp_auth_sign(buf, len, n.auth_offset, n.auth_len, n.alg, s->key))
		return;
	send_msg(ms, dst, port, buf, len);
	ms->stats.notifies++;
}

static void
handle_register(struct map_server *ms, const uint8_t *msg, size_t len,
		const struct in6_addr *src, uint16_t sport, int64_t now)
{
	struct lisp_map_register reg;
	struct ms_site *s;
	const char *why;
	char a[INET6_ADDRSTRLEN];

	if (!lisp_map_register_decode(msg, len, &reg, &why)) {
		ms->stats.malformed++;
		log_warn(MAPCACHE, "map-server: Map-Register from %s refused: %s", lisp_addr_format(src, a), why);
		return;
	}
	if (!(s = register_site(ms, &reg))) {
		ms->stats.foreign_prefixes++;
		log_warn(MAPCACHE, "map-server: Map-Register from %s refused: its EID prefixes are not "
			 "all in one site", lisp_addr_format(src, a));
		return;
	}
	if (!lisp_auth_verify(msg, len, reg.auth_offset, reg.auth_len, reg.alg, s->key)) {
		ms->stats.auth_failures++;
		log_warn(MAPCACHE, "map-server: Map-Register from %s for site %s refused: "
			 "authentication failed (algorithm %u, %u bytes)", lisp_addr_format(src, a), s->name,
			 reg.alg, reg.auth_len);
		return;
	}
	ms->stats.registers++;
	for (uint8_t i = 0; i < reg.n_records; i++)
		record_registration(s, &reg, &reg.records[i], src, sport, now);
	if (reg.want_notify)
		send_notify(ms, s, &reg, src, sport);
}

void
map_server_input(struct map_server *ms, const uint8_t *msg, size_t len,
		 const struct in6_addr *src, uint16_t sport, int64_t now)
{
	switch (lisp_msg_type(msg, len)) {
	case LISP_MAP_REGISTER:
		handle_register(ms, msg, len, src, sport, now);
		break;
	case LISP_MAP_NOTIFY_ACK:
		/* We send no unsolicited Map-Notify, so there is nothing to acknowledge. */
		break;
	default:
		ms->stats.malformed++;
		break;
	}
}

/* The ITR-RLOC a reply goes to: one of the family of the ECM's source if there is one. */
static const struct in6_addr *
reply_rloc(const struct lisp_map_request *req, const struct lisp_ecm *ecm)
{
	for (uint8_t i = 0; i < req->n_itr_rlocs; i++)
		if (IN6_IS_ADDR_V4MAPPED(&req->itr_rlocs[i]) == IN6_IS_ADDR_V4MAPPED(&ecm->src))
			return &req->itr_rlocs[i];
	return &req->itr_rlocs[0];
}

static void
send_reply(struct map_server *ms, const struct lisp_map_request *req,
	   const struct lisp_ecm *ecm, const struct lisp_record *r)
{
	struct lisp_map_reply rep = { .nonce = req->nonce, .n_records = 1 };
	uint8_t buf[MSG_MAX];

	rep.records[0] = *r;
	send_msg(ms, reply_rloc(req, ecm), ecm->sport, buf,
		 lisp_map_reply_encode(&rep, buf, sizeof buf));
}

/*
 * The largest prefix around 'eid' that overlaps no site's prefix: the shortest length at which
 * the EID's prefix is clear of them all. 'eid' itself must be clear (a host in no site is).
 */
static struct lisp_prefix
uncovered_prefix(const struct map_server *ms, const struct lisp_prefix *eid)
{
	struct lisp_prefix p = *eid;

	for (int len = 0; len <= eid->plen; len++) {
		bool clear = true;

		p = *eid;
		p.plen = (uint8_t)len;
		lisp_prefix_normalize(&p);
		for (size_t i = 0; i < ms->n_sites && clear; i++)
			for (size_t j = 0; j < ms->sites[i].n_prefixes && clear; j++)
				clear = !prefixes_overlap(&p, &ms->sites[i].prefixes[j]);
		if (clear)
			break;
	}
	return p;
}

static void
send_negative(struct map_server *ms, const struct lisp_map_request *req,
	      const struct lisp_ecm *ecm, const struct lisp_prefix *p, uint32_t ttl)
{
	struct lisp_record r = { .eid = *p, .ttl = ttl, .action = LISP_ACT_NATIVE_FORWARD };

	send_reply(ms, req, ecm, &r);
	ms->stats.negative_replies++;
}

/*
 * The live registration whose prefix covers 'eid' most closely, or NULL. One past its lifetime
 * does not count even if map_server_run has not removed it yet.
 */
static const struct ms_registration *
best_registration(const struct ms_site *s, const struct lisp_prefix *eid, int64_t now)
{
	const struct ms_registration *best = NULL;

	for (size_t i = 0; i < s->n_regs; i++) {
		const struct lisp_prefix *p = &s->regs[i].record.eid;

		if (s->regs[i].expires_ms > now && p->plen <= eid->plen &&
		    lisp_prefix_is_v4(p) == lisp_prefix_is_v4(eid) &&
		    lisp_prefix_contains(p, eid->iid, &eid->addr) &&
		    (!best || p->plen > best->record.eid.plen))
			best = &s->regs[i];
	}
	return best;
}

/* Hands the ECM on to the ETR, marked as going to an ETR. */
static void
forward(struct map_server *ms, const struct ms_registration *g, const uint8_t *raw,
	size_t raw_len)
{
	uint8_t buf[MSG_MAX];

	if (raw_len > sizeof buf)
		return;
	memcpy(buf, raw, raw_len);
	buf[0] |= ECM_FLAG_E;
	send_msg(ms, &g->etr, LISP_CONTROL_PORT, buf, raw_len);
	ms->stats.forwarded++;
}

void
map_server_resolve(struct map_server *ms, const struct lisp_map_request *req,
		   const struct lisp_ecm *ecm, const uint8_t *raw, size_t raw_len, int64_t now)
{
	ms->stats.requests++;
	/* One record is what ITRs send; answer the first (RFC 9301 5.2: "send one record"). */
	if (!req->n_eids || !req->n_itr_rlocs) {
		ms->stats.malformed++;
		return;
	}
	const struct lisp_prefix *eid = &req->eids[0], *site_prefix = NULL;
	struct lisp_prefix host = lisp_prefix_host(eid->iid, &eid->addr);
	const struct ms_site *s = site_covering(ms, eid, &site_prefix);
	const struct ms_registration *g;

	/*
	 * A prefix in no site may still hold site prefixes (an ITR refreshing a negative entry
	 * after a site was added): no answer may cover those, so answer for its first address.
	 */
	if (!s) {
		eid = &host;
		s = site_covering(ms, eid, &site_prefix);
	}
	g = s ? best_registration(s, eid, now) : NULL;

	if (!s) {
		struct lisp_prefix hole = uncovered_prefix(ms, eid);

		send_negative(ms, req, ecm, &hole, NEGATIVE_TTL_UNKNOWN);
	} else if (!g) {
		send_negative(ms, req, ecm, site_prefix, NEGATIVE_TTL_SITE);
	} else if (g->proxy_reply) {
		struct lisp_record r = g->record;

		/* A proxy is not the owner (RFC 9301 5.4), and none of the locators is its own. */
		r.authoritative = false;
		for (uint8_t i = 0; i < r.n_locators; i++)
			r.locators[i].local = false;
		send_reply(ms, req, ecm, &r);
		ms->stats.proxy_replies++;
	} else {
		forward(ms, g, raw, raw_len);
	}
}

void
map_server_run(struct map_server *ms, int64_t now)
{
	for (size_t i = 0; i < ms->n_sites; i++) {
		struct ms_site *s = &ms->sites[i];

		for (size_t j = 0; j < s->n_regs;) {
			if (s->regs[j].expires_ms <= now) {
				s->regs[j] = s->regs[--s->n_regs];
				ms->stats.expired++;
			} else {
				j++;
			}
		}
	}
}

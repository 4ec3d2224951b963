/*
 * LISP control messages on the wire (RFC 9301 section 5, RFC 8060 section 4.1). Decoding reads
 * through the cursor, a sub-cursor per LCAF and per inner IP/UDP packet; encoding writes through
 * the writer below. Layouts are drawn in docs LISP-PROTOCOL.md section 3.
 */
#include "lisp-msg.h"

#include <stdio.h>
#include <string.h>

#include "csum.h"
#include "cursor.h"
#include "pkt-gso.h"
#include "util.h"

enum {
	AFI_NONE = 0,
	AFI_IPV4 = 1,
	AFI_IPV6 = 2,
	AFI_LCAF = 16387,
	AFI_MAC = 16389,
	LCAF_INSTANCE_ID = 2,
	REGISTER_AUTH_OFFSET = 16,  /* Type word, nonce, key ID, algorithm, auth length. */
};

/*
 * Plain address families by the size of their address: what can be read, or at least stepped
 * over. An address of a family not listed here has no length we know, so nothing after it can
 * be found: the message is refused.
 */
static const struct afi_desc {
	uint16_t afi;
	uint8_t size;
} afis[] = {
	{ AFI_NONE, 0 },
	{ AFI_IPV4, 4 },
	{ AFI_IPV6, 16 },
	{ AFI_MAC, 6 },
};

/*
 * A refusal reason naming a value ("unknown AFI 17"). It lives in a per-thread buffer, valid
 * until the same thread's next decode, so a decoder still hands back a string nobody frees.
 */
static const char *
why_value(const char *what, unsigned int value)
{
	static _Thread_local char buf[48];

	snprintf(buf, sizeof buf, "%s %u", what, value);
	return buf;
}

static const struct afi_desc *
afi_find(uint16_t afi)
{
	for (size_t i = 0; i < ARRAY_SIZE(afis); i++)
		if (afis[i].afi == afi)
			return &afis[i];
	return NULL;
}

/* Reads the address of plain family 'afi'. Returns as addr_decode() does. */
static int
plain_decode(struct cursor *c, uint16_t afi, struct in6_addr *a, const char **why)
{
	const struct afi_desc *d = afi_find(afi);
	const uint8_t *p;

	if (!d) {
		*why = why_value("unknown AFI", afi);
		return -1;
	}
	if (!(p = cursor_pull(c, d->size))) {
		*why = "short address";
		return -1;
	}
	if (afi == AFI_IPV4)
		lisp_addr_v4_mapped(a, p);
	else if (afi == AFI_IPV6)
		memcpy(a, p, 16);
	else
		*why = why_value("unsupported AFI", afi);
	return afi == AFI_IPV4 || afi == AFI_IPV6;
}

/*
 * Reads an LCAF (its AFI already read): rsvd, flags, type, type-specific byte, length, then
 * 'length' bytes. Only the Instance-ID type is understood, with any IID mask-length (OOR sends
 * 32), around an IPv4 or IPv6 address; the length delimits every type, so others are stepped
 * over. Returns as addr_decode() does.
 */
static int
lcaf_decode(struct cursor *c, uint32_t *iid, struct in6_addr *a, const char **why)
{
	struct cursor body;
	uint8_t type;
	uint16_t size, afi;

	if (!cursor_skip(c, 2) || !cursor_u8(c, &type) || !cursor_skip(c, 1) ||
	    !cursor_u16be(c, &size) || !cursor_sub(c, size, &body)) {
		*why = "short LCAF";
		return -1;
	}
	if (type != LCAF_INSTANCE_ID) {
		*why = why_value("unsupported LCAF type", type);
		return 0;
	}
	if (!cursor_u32be(&body, iid) || !cursor_u16be(&body, &afi)) {
		*why = "short LCAF";
		return -1;
	}
	if (afi != AFI_IPV4 && afi != AFI_IPV6) {
		*why = why_value("unsupported AFI in LCAF:", afi);
		return 0;
	}
	return plain_decode(&body, afi, a, why);
}

/*
 * Reads an AFI-encoded address: a plain IPv4/IPv6 address (instance 0) or one in an Instance-ID
 * LCAF. Returns 1 with '*iid' and '*a' set; 0 if it was well-formed but of another kind (stepped
 * over, '*why' says which); -1 if it cannot be read, nor anything after it.
 */
static int
addr_decode(struct cursor *c, uint32_t *iid, struct in6_addr *a, const char **why)
{
	uint16_t afi;

	*iid = 0;
	if (!cursor_u16be(c, &afi)) {
		*why = "short address";
		return -1;
	}
	return afi == AFI_LCAF ? lcaf_decode(c, iid, a, why) : plain_decode(c, afi, a, why);
}

/* An EID prefix of 'plen' bits: host bits are cleared, a length too long refused. */
static bool
eid_decode(struct cursor *c, uint8_t plen, struct lisp_prefix *p, const char **why)
{
	if (addr_decode(c, &p->iid, &p->addr, why) <= 0)
		return false;
	p->plen = plen;
	if (!lisp_prefix_normalize(p)) {
		*why = why_value("EID mask-len too long:", p->plen);
		return false;
	}
	return true;
}

/* One locator (RFC 9301 5.4). Returns 1 if kept, 0 if of a kind we skip, -1 if refused. */
static int
locator_decode(struct cursor *c, struct lisp_locator *l, const char **why)
{
	uint8_t flags;
	uint32_t iid;

	if (!cursor_u8(c, &l->priority) || !cursor_u8(c, &l->weight) ||
	    !cursor_u8(c, &l->mpriority) || !cursor_u8(c, &l->mweight) || !cursor_skip(c, 1) ||
	    !cursor_u8(c, &flags)) {
		*why = "short locator";
		return -1;
	}
	l->local = flags & 0x04;
	l->probed = flags & 0x02;
	l->reachable = flags & 0x01;
	/* An RLOC's instance would be the underlay's; we have one, so the IID is dropped. */
	return addr_decode(c, &iid, &l->rloc, why);
}

/* An EID record: TTL, counts, flags, version, EID, locators (RFC 9301 5.4). */
static bool
record_decode(struct cursor *c, struct lisp_record *r, const char **why)
{
	uint8_t count, plen, act;
	uint16_t version;

	if (!cursor_u32be(c, &r->ttl) || !cursor_u8(c, &count) || !cursor_u8(c, &plen) ||
	    !cursor_u8(c, &act) || !cursor_skip(c, 1) || !cursor_u16be(c, &version)) {
		*why = "short record";
		return false;
	}
	if (count > LISP_MAX_LOCATORS) {
		*why = "too many locators";
		return false;
	}
	r->action = act >> 5;
	r->authoritative = act & 0x10;
	r->version = version & 0xfff;
	if (!eid_decode(c, plen, &r->eid, why))
		return false;
	for (uint8_t i = 0; i < count; i++) {
		struct lisp_locator *l = &r->locators[r->n_locators];
		int kept = locator_decode(c, l, why);

		if (kept < 0)
			return false;
		if (kept)
			r->n_locators++;
		else
			memset(l, 0, sizeof *l);
	}
	return true;
}

static bool
records_decode(struct cursor *c, uint8_t count, struct lisp_record *records, uint8_t *n,
	       const char **why)
{
	if (count > LISP_MAX_RECORDS) {
		*why = "too many records";
		return false;
	}
	for (*n = 0; *n < count; (*n)++)
		if (!record_decode(c, &records[*n], why))
			return false;
	return true;
}

/* The type word and nonce every message but the ECM starts with; false unless of type 'type'. */
static bool
hdr_decode(struct cursor *c, int type, uint8_t hdr[4], uint64_t *nonce, const char **why)
{
	if (!cursor_copy(c, hdr, 4) || !cursor_u64be(c, nonce)) {
		*why = "short header";
		return false;
	}
	if (hdr[0] >> 4 != type) {
		*why = why_value("unexpected message type", hdr[0] >> 4);
		return false;
	}
	return true;
}

int
lisp_msg_type(const uint8_t *msg, size_t len)
{
	return len ? msg[0] >> 4 : -1;
}

/*
 * The source EID: AFI 0 for none. One of a kind we do not handle is dropped, as the answer does
 * not depend on it; an address we cannot even step over refuses the message.
 */
static bool
source_eid_decode(struct cursor *c, struct lisp_map_request *m, const char **why)
{
	int r = addr_decode(c, &m->source_eid.iid, &m->source_eid.addr, why);

	if (r <= 0) {
		memset(&m->source_eid, 0, sizeof m->source_eid);
		return r == 0;
	}
	m->has_source_eid = true;
	m->source_eid.plen = lisp_prefix_bits(&m->source_eid);
	return true;
}

/*
 * IRC + 1 ITR-RLOCs; those not IPv4 or IPv6 are skipped, but one at least must be. As for
 * locators, the IID of one in an Instance-ID LCAF is dropped.
 */
static bool
itr_rlocs_decode(struct cursor *c, unsigned int count, struct lisp_map_request *m,
		 const char **why)
{
	if (count > LISP_MAX_ITR_RLOCS) {
		*why = "too many ITR-RLOCs";
		return false;
	}
	for (unsigned int i = 0; i < count; i++) {
		struct in6_addr *a = &m->itr_rlocs[m->n_itr_rlocs];
		uint32_t iid;
		int kept = addr_decode(c, &iid, a, why);

		if (kept < 0)
			return false;
		if (kept)
			m->n_itr_rlocs++;
		else
			memset(a, 0, sizeof *a);
	}
	if (!m->n_itr_rlocs) {
		*why = "no IPv4 or IPv6 ITR-RLOC";
		return false;
	}
	return true;
}

/* The records of a Map-Request: reserved byte, EID mask-len, EID. */
static bool
request_eids_decode(struct cursor *c, uint8_t count, struct lisp_map_request *m,
		    const char **why)
{
	if (!count || count > LISP_MAX_RECORDS) {
		*why = count ? "too many records" : "no EID record";
		return false;
	}
	for (m->n_eids = 0; m->n_eids < count; m->n_eids++) {
		uint8_t plen;

		if (!cursor_skip(c, 1) || !cursor_u8(c, &plen)) {
			*why = "short record";
			return false;
		}
		if (!eid_decode(c, plen, &m->eids[m->n_eids], why))
			return false;
	}
	return true;
}

bool
lisp_map_request_decode(const uint8_t *msg, size_t len, struct lisp_map_request *out,
			const char **why)
{
	struct cursor c = cursor_init(msg, len);
	uint8_t h[4];

	memset(out, 0, sizeof *out);
	if (!hdr_decode(&c, LISP_MAP_REQUEST, h, &out->nonce, why))
		return false;
	out->authoritative = h[0] & 0x08;
	out->map_data = h[0] & 0x04;
	out->probe = h[0] & 0x02;
	out->smr = h[0] & 0x01;
	out->pitr = h[1] & 0x80;
	out->smr_invoked = h[1] & 0x40;
	if (!source_eid_decode(&c, out, why) ||
	    !itr_rlocs_decode(&c, (h[2] & 0x1fu) + 1, out, why) ||
	    !request_eids_decode(&c, h[3], out, why))
		return false;
	/* M: the sender's own mapping follows (RFC 9301 5.2). */
	out->has_mapping = out->map_data;
	return !out->has_mapping || record_decode(&c, &out->mapping, why);
}

bool
lisp_map_reply_decode(const uint8_t *msg, size_t len, struct lisp_map_reply *out,
		      const char **why)
{
	struct cursor c = cursor_init(msg, len);
	uint8_t h[4];

	memset(out, 0, sizeof *out);
	if (!hdr_decode(&c, LISP_MAP_REPLY, h, &out->nonce, why))
		return false;
	out->probe = h[0] & 0x08;
	out->echo_nonce = h[0] & 0x04;
	out->security = h[0] & 0x02;
	/* What follows the records (LISP-SEC data with S) is the caller's business. */
	return records_decode(&c, h[3], out->records, &out->n_records, why);
}

/* The flags only a Map-Register has: Notify and Notify-Ack keep them reserved (RFC 9301 5.7). */
static void
register_flags_decode(const uint8_t h[4], struct lisp_map_register *m)
{
	m->proxy_reply = h[0] & 0x08;
	m->security = h[0] & 0x04;
	m->has_xtr_id = h[0] & 0x02;
	m->eid_notify = h[2] & 0x10;
	m->ttl_lifetime = h[2] & 0x08;
	m->merge = h[2] & 0x04;
	m->want_notify = h[2] & 0x01;
}

static bool
auth_decode(struct cursor *c, struct lisp_map_register *m, const char **why)
{
	if (!cursor_u8(c, &m->key_id) || !cursor_u8(c, &m->alg) || !cursor_u16be(c, &m->auth_len)) {
		*why = "short header";
		return false;
	}
	if (m->auth_len > LISP_AUTH_MAX) {
		*why = why_value("authentication data too long:", m->auth_len);
		return false;
	}
	if (!cursor_copy(c, m->auth, m->auth_len)) {
		*why = "short authentication data";
		return false;
	}
	return true;
}

bool
lisp_map_register_decode(const uint8_t *msg, size_t len, struct lisp_map_register *out,
			 const char **why)
{
	struct cursor c = cursor_init(msg, len);
	uint8_t h[4];
	int type = lisp_msg_type(msg, len);

	memset(out, 0, sizeof *out);
	if (type != LISP_MAP_NOTIFY && type != LISP_MAP_NOTIFY_ACK)
		type = LISP_MAP_REGISTER;
	if (!hdr_decode(&c, type, h, &out->nonce, why))
		return false;
	out->type = (uint8_t)type;
	if (type == LISP_MAP_REGISTER)
		register_flags_decode(h, out);
	out->auth_offset = REGISTER_AUTH_OFFSET;
	if (!auth_decode(&c, out, why) ||
	    !records_decode(&c, h[3], out->records, &out->n_records, why))
		return false;
	if (out->has_xtr_id && (!cursor_copy(&c, out->xtr_id, sizeof out->xtr_id) ||
				!cursor_u64be(&c, &out->site_id))) {
		*why = "short xTR-ID";
		return false;
	}
	return true;
}

/*
 * The inner IPv4 header of an ECM: checked for what the UDP behind it needs (no fragment, UDP,
 * lengths that fit); options are stepped over. '*payload' gets what the total length covers.
 */
static bool
inner_ipv4_decode(struct cursor *c, struct lisp_ecm *m, struct cursor *payload, const char **why)
{
	const uint8_t *ip = cursor_pull(c, 20);
	size_t ihl, total;

	if (!ip) {
		*why = "short inner IPv4 header";
		return false;
	}
	ihl = (size_t)(ip[0] & 0xf) * 4;
	total = (size_t)(ip[2] << 8 | ip[3]);
	if (ihl < 20 || total < ihl || !cursor_skip(c, ihl - 20) ||
	    !cursor_sub(c, total - ihl, payload)) {
		*why = "bad inner IPv4 length";
		return false;
	}
	if ((ip[6] & 0x3f) || ip[7]) {
		*why = "inner IPv4 fragment";
		return false;
	}
	if (ip[9] != IPPROTO_UDP) {
		*why = why_value("inner protocol not UDP:", ip[9]);
		return false;
	}
	lisp_addr_v4_mapped(&m->src, ip + 12);
	lisp_addr_v4_mapped(&m->dst, ip + 16);
	return true;
}

/* The inner IPv6 header: UDP must follow at once (we do not walk extension headers). */
static bool
inner_ipv6_decode(struct cursor *c, struct lisp_ecm *m, struct cursor *payload, const char **why)
{
	const uint8_t *ip = cursor_pull(c, 40);

	if (!ip) {
		*why = "short inner IPv6 header";
		return false;
	}
	if (!cursor_sub(c, (size_t)(ip[4] << 8 | ip[5]), payload)) {
		*why = "bad inner IPv6 length";
		return false;
	}
	if (ip[6] != IPPROTO_UDP) {
		*why = why_value("inner protocol not UDP:", ip[6]);
		return false;
	}
	memcpy(&m->src, ip + 8, 16);
	memcpy(&m->dst, ip + 24, 16);
	/* Those would read as IPv4 addresses, which they are not. */
	if (IN6_IS_ADDR_V4MAPPED(&m->src) || IN6_IS_ADDR_V4MAPPED(&m->dst)) {
		*why = "v4-mapped address in inner IPv6 header";
		return false;
	}
	return true;
}

/*
 * The inner UDP header. Its checksum is not verified: the outer UDP checksum, which we do
 * verify, already covers every inner byte.
 */
static bool
inner_udp_decode(struct cursor *c, struct lisp_ecm *m, const char **why)
{
	uint16_t size;

	if (!cursor_u16be(c, &m->sport) || !cursor_u16be(c, &m->dport) || !cursor_u16be(c, &size) ||
	    !cursor_skip(c, 2)) {
		*why = "short inner UDP header";
		return false;
	}
	if (size < 8 || size - 8u > c->left) {
		*why = "bad inner UDP length";
		return false;
	}
	if (size == 8) {
		*why = "no inner message";
		return false;
	}
	m->msg = c->ptr;
	m->msg_len = size - 8u;
	return true;
}

static bool
inner_ip_decode(struct cursor *c, struct lisp_ecm *m, struct cursor *payload, const char **why)
{
	const uint8_t *ip = cursor_peek(c, 1);

	if (!ip) {
		*why = "short inner IP header";
		return false;
	}
	switch (ip[0] >> 4) {
	case 4:
		return inner_ipv4_decode(c, m, payload, why);
	case 6:
		return inner_ipv6_decode(c, m, payload, why);
	default:
		*why = why_value("inner IP version", ip[0] >> 4);
		return false;
	}
}

bool
lisp_ecm_decode(const uint8_t *msg, size_t len, struct lisp_ecm *out, const char **why)
{
	struct cursor c = cursor_init(msg, len), payload;
	const uint8_t *h = cursor_pull(&c, 4);

	memset(out, 0, sizeof *out);
	if (!h) {
		*why = "short header";
		return false;
	}
	if (h[0] >> 4 != LISP_ECM) {
		*why = why_value("unexpected message type", h[0] >> 4);
		return false;
	}
	out->security = h[0] & 0x08;
	out->ddt = h[0] & 0x04;
	out->to_etr = h[0] & 0x02;
	out->to_ms = h[0] & 0x01;
	return inner_ip_decode(&c, out, &payload, why) && inner_udp_decode(&payload, out, why);
}

/*
 * Where encoders write: like the cursor, but once anything fails (no room, or a value the wire
 * cannot carry) the writer stays failed and ignores the rest, so an encoder checks only once.
 */
struct writer {
	uint8_t *ptr;      /* Next byte to write. */
	size_t left;       /* Room from 'ptr'. */
	bool failed;
};

static struct writer
writer_init(uint8_t *buf, size_t size)
{
	return (struct writer){ buf, size, false };
}

/* Writes 'n' bytes from 'p', or zeros if 'p' is NULL. */
static void
put_bytes(struct writer *w, const void *p, size_t n)
{
	if (w->failed || w->left < n) {
		w->failed = true;
		return;
	}
	if (p)
		memcpy(w->ptr, p, n);
	else
		memset(w->ptr, 0, n);
	w->ptr += n;
	w->left -= n;
}

static void
put_u8(struct writer *w, unsigned int v)
{
	uint8_t b = (uint8_t)v;

	put_bytes(w, &b, 1);
}

static void
put_u16(struct writer *w, unsigned int v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put_bytes(w, b, 2);
}

static void
put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put_bytes(w, b, 4);
}

static void
put_u64(struct writer *w, uint64_t v)
{
	put_u32(w, (uint32_t)(v >> 32));
	put_u32(w, (uint32_t)v);
}

/* The encoded length, or 0 if anything failed. */
static size_t
writer_done(const struct writer *w, const uint8_t *buf)
{
	return w->failed ? 0 : (size_t)(w->ptr - buf);
}

static unsigned int
flag(bool set, unsigned int bit)
{
	return set ? bit : 0;
}

/* A locator: plain AFI. */
static void
put_addr(struct writer *w, const struct in6_addr *a)
{
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		put_u16(w, AFI_IPV4);
		put_bytes(w, &a->s6_addr[12], 4);
	} else {
		put_u16(w, AFI_IPV6);
		put_bytes(w, a, 16);
	}
}

/* An EID, always in an Instance-ID LCAF with IID mask-length 0: one instance, not a range. */
static void
put_eid(struct writer *w, const struct lisp_prefix *p)
{
	put_u16(w, AFI_LCAF);
	put_u16(w, 0);          /* Reserved, flags. */
	put_u8(w, LCAF_INSTANCE_ID);
	put_u8(w, 0);           /* IID mask-length. */
	put_u16(w, lisp_prefix_is_v4(p) ? 4 + 2 + 4 : 4 + 2 + 16);
	put_u32(w, p->iid);
	put_addr(w, &p->addr);
}

/* The mask-length of 'p', failing the writer if it is too long for the family. */
static void
put_plen(struct writer *w, const struct lisp_prefix *p)
{
	if (p->plen > lisp_prefix_bits(p))
		w->failed = true;
	put_u8(w, p->plen);
}

static void
put_record(struct writer *w, const struct lisp_record *r)
{
	if (r->n_locators > LISP_MAX_LOCATORS) {
		w->failed = true;
		return;
	}
	put_u32(w, r->ttl);
	put_u8(w, r->n_locators);
	put_plen(w, &r->eid);
	put_u8(w, (r->action & 7u) << 5 | flag(r->authoritative, 0x10));
	put_u8(w, 0);
	put_u16(w, r->version & 0xfffu);
	put_eid(w, &r->eid);
	for (uint8_t i = 0; i < r->n_locators; i++) {
		const struct lisp_locator *l = &r->locators[i];

		put_u8(w, l->priority);
		put_u8(w, l->weight);
		put_u8(w, l->mpriority);
		put_u8(w, l->mweight);
		put_u16(w, flag(l->local, 0x04) | flag(l->probed, 0x02) | flag(l->reachable, 0x01));
		put_addr(w, &l->rloc);
	}
}

static void
put_records(struct writer *w, const struct lisp_record *records, uint8_t n)
{
	if (n > LISP_MAX_RECORDS) {
		w->failed = true;
		return;
	}
	for (uint8_t i = 0; i < n; i++)
		put_record(w, &records[i]);
}

size_t
lisp_map_request_encode(const struct lisp_map_request *m, uint8_t *buf, size_t size)
{
	struct writer w = writer_init(buf, size);

	if (!m->n_itr_rlocs || m->n_itr_rlocs > LISP_MAX_ITR_RLOCS || !m->n_eids ||
	    m->n_eids > LISP_MAX_RECORDS)
		return 0;
	put_u8(&w, LISP_MAP_REQUEST << 4 | flag(m->authoritative, 0x08) |
		   flag(m->has_mapping, 0x04) | flag(m->probe, 0x02) | flag(m->smr, 0x01));
	put_u8(&w, flag(m->pitr, 0x80) | flag(m->smr_invoked, 0x40));
	put_u8(&w, m->n_itr_rlocs - 1u);
	put_u8(&w, m->n_eids);
	put_u64(&w, m->nonce);
	if (m->has_source_eid)
		put_eid(&w, &m->source_eid);
	else
		put_u16(&w, AFI_NONE);
	for (uint8_t i = 0; i < m->n_itr_rlocs; i++)
		put_addr(&w, &m->itr_rlocs[i]);
	for (uint8_t i = 0; i < m->n_eids; i++) {
		put_u8(&w, 0);
		put_plen(&w, &m->eids[i]);
		put_eid(&w, &m->eids[i]);
	}
	if (m->has_mapping)
		put_record(&w, &m->mapping);
	return writer_done(&w, buf);
}

size_t
lisp_map_reply_encode(const struct lisp_map_reply *m, uint8_t *buf, size_t size)
{
	struct writer w = writer_init(buf, size);

	put_u8(&w, LISP_MAP_REPLY << 4 | flag(m->probe, 0x08) | flag(m->echo_nonce, 0x04) |
		   flag(m->security, 0x02));
	put_u16(&w, 0);
	put_u8(&w, m->n_records);
	put_u64(&w, m->nonce);
	put_records(&w, m->records, m->n_records);
	return writer_done(&w, buf);
}

/* The type word: a Map-Register's flags, or none for Notify and Notify-Ack (RFC 9301 5.6-5.7). */
static void
put_register_word(struct writer *w, const struct lisp_map_register *m)
{
	if (m->type == LISP_MAP_REGISTER) {
		put_u8(w, LISP_MAP_REGISTER << 4 | flag(m->proxy_reply, 0x08) |
			  flag(m->security, 0x04) | flag(m->has_xtr_id, 0x02));
		put_u8(w, 0);
		/* E T a R M: R is reserved and sent 0. */
		put_u8(w, flag(m->eid_notify, 0x10) | flag(m->ttl_lifetime, 0x08) |
			  flag(m->merge, 0x04) | flag(m->want_notify, 0x01));
	} else {
		put_u8(w, (unsigned int)m->type << 4);
		put_u16(w, 0);
	}
	put_u8(w, m->n_records);
}

size_t
lisp_map_register_encode(struct lisp_map_register *m, uint8_t *buf, size_t size)
{
	struct writer w = writer_init(buf, size);

	if ((m->type != LISP_MAP_REGISTER && m->type != LISP_MAP_NOTIFY &&
	     m->type != LISP_MAP_NOTIFY_ACK) || m->auth_len > LISP_AUTH_MAX)
		return 0;
	put_register_word(&w, m);
	put_u64(&w, m->nonce);
	put_u8(&w, m->key_id);
	put_u8(&w, m->alg);
	put_u16(&w, m->auth_len);
	m->auth_offset = REGISTER_AUTH_OFFSET;
	put_bytes(&w, NULL, m->auth_len);
	put_records(&w, m->records, m->n_records);
	if (m->type == LISP_MAP_REGISTER && m->has_xtr_id) {
		put_bytes(&w, m->xtr_id, sizeof m->xtr_id);
		put_u64(&w, m->site_id);
	}
	return writer_done(&w, buf);
}

/* The inner IP header of an ECM carrying 'udp_size' bytes of UDP, its checksum left 0. */
static void
put_inner_ip(struct writer *w, const struct lisp_ecm *m, size_t udp_size)
{
	if (IN6_IS_ADDR_V4MAPPED(&m->src)) {
		put_u8(w, 0x45);
		put_u8(w, 0);
		put_u16(w, (unsigned int)(20 + udp_size));
		put_u32(w, 0);                  /* ID, flags, fragment offset. */
		put_u8(w, 64);
		put_u8(w, IPPROTO_UDP);
		put_u16(w, 0);
		put_bytes(w, &m->src.s6_addr[12], 4);
		put_bytes(w, &m->dst.s6_addr[12], 4);
	} else {
		put_u32(w, 6u << 28);
		put_u16(w, (unsigned int)udp_size);
		put_u8(w, IPPROTO_UDP);
		put_u8(w, 64);
		put_bytes(w, &m->src, 16);
		put_bytes(w, &m->dst, 16);
	}
}

size_t
lisp_ecm_encode(const struct lisp_ecm *m, const uint8_t *msg, size_t msg_len, uint8_t *buf,
		size_t size)
{
	bool v4 = IN6_IS_ADDR_V4MAPPED(&m->src);
	size_t ip_size = v4 ? 20 : 40, udp_size = 8 + msg_len;
	struct writer w = writer_init(buf, size);
	uint8_t *ip, *udp;

	/* One 16-bit length must hold it all: the IPv4 total length, else the UDP length. */
	if (v4 != IN6_IS_ADDR_V4MAPPED(&m->dst) || (v4 ? ip_size : 0) + udp_size > 0xffff)
		return 0;
	put_u8(&w, LISP_ECM << 4 | flag(m->security, 0x08) | flag(m->ddt, 0x04) |
		   flag(m->to_etr, 0x02) | flag(m->to_ms, 0x01));
	put_bytes(&w, NULL, 3);
	ip = w.ptr;
	put_inner_ip(&w, m, udp_size);
	udp = w.ptr;
	put_u16(&w, m->sport);
	put_u16(&w, m->dport);
	put_u16(&w, (unsigned int)udp_size);
	put_u16(&w, 0);
	put_bytes(&w, msg, msg_len);
	if (w.failed)
		return 0;
	if (v4) {
		uint16_t sum = csum_fold(csum_partial(ip, ip_size, 0));

		memcpy(ip + 10, &sum, 2);
	}
	pkt_l4_csum(ip, udp, (uint32_t)udp_size, IPPROTO_UDP);
	return writer_done(&w, buf);
}

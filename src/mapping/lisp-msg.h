/*
 * LISP control messages (RFC 9301 section 5, RFC 8060 for the Instance-ID LCAF): decoded into
 * plain structs and encoded from them. Decoders take untrusted bytes through the cursor and fail
 * with a reason instead of reading past anything; encoders write only what we send (strict) while
 * decoders accept every valid variant other implementations send (liberal):
 *   - EIDs as plain AFIs (instance ID 0) or in an Instance-ID LCAF with any IID mask-length;
 *   - unknown LCAF types inside a locator are skipped by their length (the locator is kept out),
 *     as are locators of another fixed-size AFI (0, MAC); an AFI of unknown size is refused;
 *   - a source EID or ITR-RLOC of another kind is left out (one IPv4/IPv6 ITR-RLOC is needed);
 *   - authentication data of 12, 16, 20 or 32 bytes;
 *   - bytes after the message (LISP-SEC data, say) are left to the caller.
 * What we send: EIDs always in an Instance-ID LCAF (IID mask-length 0), full-length digests.
 *
 * Addresses are struct in6_addr with IPv4 v4-mapped (::ffff:a.b.c.d), as everywhere in the
 * tunnel code; an EID prefix length counts bits of its own family (0..32 for IPv4).
 */
#ifndef LS_LISP_MSG_H
#define LS_LISP_MSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lisp-prefix.h"

#define LISP_CONTROL_PORT 4342

enum lisp_msg_type {
	LISP_MAP_REQUEST = 1,
	LISP_MAP_REPLY = 2,
	LISP_MAP_REGISTER = 3,
	LISP_MAP_NOTIFY = 4,
	LISP_MAP_NOTIFY_ACK = 5,
	LISP_ECM = 8,
};

/* Bounds of what one decoded message holds; more is refused ("too many ..."). */
#define LISP_MAX_RECORDS 32
#define LISP_MAX_LOCATORS 8
#define LISP_MAX_ITR_RLOCS 8
#define LISP_AUTH_MAX 32

/* Negative Map-Reply actions (RFC 9301 5.4, "ACT"). */
enum lisp_action {
	LISP_ACT_NO_ACTION = 0,
	LISP_ACT_NATIVE_FORWARD = 1,
	LISP_ACT_SEND_MAP_REQUEST = 2,
	LISP_ACT_DROP = 3,          /* Drop/No-Reason: drop and send ICMP unreachable. */
	LISP_ACT_POLICY_DENIED = 4,
	LISP_ACT_AUTH_FAILURE = 5,
};

struct lisp_locator {
	struct in6_addr rloc;    /* v4-mapped for IPv4. */
	uint8_t priority;        /* Lowest wins; 255: not to be used for unicast. */
	uint8_t weight;          /* Share among equal priorities. */
	uint8_t mpriority, mweight;
	bool local;              /* L: an RLOC of the sender itself. */
	bool probed;             /* p: the locator a probe reply answers for. */
	bool reachable;          /* R: the sender has a route to it. */
};

/* An EID record (Map-Reply, Map-Register, Map-Notify; a Map-Request's attached mapping). */
struct lisp_record {
	struct lisp_prefix eid;
	uint32_t ttl;            /* Minutes; 0xffffffff: keep at will. */
	uint8_t action;          /* enum lisp_action; meaningful with no locators. */
	bool authoritative;      /* A. */
	uint16_t version;        /* Map-version, 12 bits. */
	uint8_t n_locators;
	struct lisp_locator locators[LISP_MAX_LOCATORS];
};

struct lisp_map_request {
	bool authoritative, map_data, probe, smr, pitr, smr_invoked;  /* A M P S p s */
	uint64_t nonce;
	bool has_source_eid;     /* False: source-EID AFI 0 (refresh, probe). */
	struct lisp_prefix source_eid;  /* An address: plen is the full length. */
	uint8_t n_itr_rlocs;     /* At least 1 (IRC + 1 on the wire). */
	struct in6_addr itr_rlocs[LISP_MAX_ITR_RLOCS];
	uint8_t n_eids;          /* Records: the EID prefixes asked for. */
	struct lisp_prefix eids[LISP_MAX_RECORDS];
	bool has_mapping;        /* M: the sender's own record follows (M is sent from this). */
	struct lisp_record mapping;
};

struct lisp_map_reply {
	bool probe, echo_nonce, security;  /* P E S */
	uint64_t nonce;
	uint8_t n_records;
	struct lisp_record records[LISP_MAX_RECORDS];
};

/* Map-Register (3); the same body serves Map-Notify (4) and Map-Notify-Ack (5). */
struct lisp_map_register {
	uint8_t type;            /* LISP_MAP_REGISTER, LISP_MAP_NOTIFY or LISP_MAP_NOTIFY_ACK. */
	bool proxy_reply, security, has_xtr_id;  /* P S I (Map-Register only) */
	bool eid_notify, ttl_lifetime, merge, want_notify;  /* E T a M (Map-Register only) */
	uint64_t nonce;
	uint8_t key_id;
	uint8_t alg;             /* enum lisp_auth_alg (lisp-auth.h). */
	uint16_t auth_len;
	uint8_t auth[LISP_AUTH_MAX];
	size_t auth_offset;      /* Decoded: where the auth data sits in the message. */
	uint8_t n_records;
	struct lisp_record records[LISP_MAX_RECORDS];
	uint8_t xtr_id[16];      /* With has_xtr_id. */
	uint64_t site_id;
};

/* Encapsulated Control Message (type 8): a header, then an inner IP + UDP + control message. */
struct lisp_ecm {
	bool security, ddt, to_etr, to_ms;  /* S D E M */
	struct in6_addr src, dst;           /* Inner IP addresses (same family), v4-mapped. */
	uint16_t sport, dport;              /* Inner UDP ports. */
	const uint8_t *msg;                 /* Decoded: the inner control message... */
	size_t msg_len;                     /* ...and its length (inside the buffer decoded). */
};

/* The type of control message 'msg' (first 4 bits), or -1 if it is empty. */
int lisp_msg_type(const uint8_t *msg, size_t len);

/*
 * Decoders: true with '*out' filled, or false with '*why' set to a short reason ("short
 * record", "unknown AFI 17", ...) that names what was wrong. They check the type nibble too.
 * Reasons are static strings, except those naming a value, which are in a per-thread buffer
 * valid until the same thread's next decode: never freed either way.
 */
bool lisp_map_request_decode(const uint8_t *msg, size_t len, struct lisp_map_request *out,
			     const char **why);
bool lisp_map_reply_decode(const uint8_t *msg, size_t len, struct lisp_map_reply *out,
			   const char **why);
bool lisp_map_register_decode(const uint8_t *msg, size_t len, struct lisp_map_register *out,
			      const char **why);
bool lisp_ecm_decode(const uint8_t *msg, size_t len, struct lisp_ecm *out, const char **why);

/*
 * Encoders: write the message into 'buf' and return its length, or 0 if it does not fit in
 * 'size' bytes or 'm' holds what the wire cannot carry (counts beyond the LISP_MAX_* bounds or
 * zero where one is needed, a prefix length too long for its family, inner addresses of two
 * families); 'buf' may then hold part of a message. Map-Register/Notify/Ack are written with
 * 'auth_len' zero bytes of authentication data (at 'auth_offset', set by the encoder): sign them
 * with lisp_auth_sign().
 */
size_t lisp_map_request_encode(const struct lisp_map_request *m, uint8_t *buf, size_t size);
size_t lisp_map_reply_encode(const struct lisp_map_reply *m, uint8_t *buf, size_t size);
size_t lisp_map_register_encode(struct lisp_map_register *m, uint8_t *buf, size_t size);
/* The ECM header, inner IP (TTL 64) and UDP (checksum computed), then 'msg'. */
size_t lisp_ecm_encode(const struct lisp_ecm *m, const uint8_t *msg, size_t msg_len,
		       uint8_t *buf, size_t size);

#endif

/*
 * The built-in Map-Server and Map-Resolver (RFC 9301 sections 4.2 and 8): the mapping system for
 * one machine, a lab or the demo. Sites are configured with a name, a shared secret and the EID
 * prefixes their ETRs may register. The server
 *   - accepts a Map-Register only if every record falls inside one site's prefixes and its HMAC
 *     verifies with that site's key (either algorithm); failures are counted and logged with
 *     the source address; a registration lives 3 register intervals (3 minutes) unless renewed;
 *   - acknowledges registers that ask for it (M bit) with an authenticated Map-Notify;
 *   - resolves Map-Requests (arriving in ECMs, as from any ITR): a registered prefix is answered
 *     by forwarding the request to the registering ETR, or by replying on its behalf when the
 *     ETR asked for proxy replies (P bit); space no site has gets a negative Map-Reply for the
 *     largest prefix around the EID that holds no site's prefix (TTL 15 minutes,
 *     natively-forward), and a site's prefix with no live registration gets one for that
 *     prefix (TTL 1 minute).
 * It owns no socket: what it sends goes through the 'send' callback, and time is passed in.
 */
#ifndef LS_MAP_SERVER_H
#define LS_MAP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lisp-msg.h"

#define MS_SITE_NAME_MAX 64
#define MS_KEY_MAX 256
#define MS_SITE_PREFIXES_MAX 16
#define MS_REGISTRATION_LIFETIME_MS (3 * 60 * 1000)

/* Control-plane counters of the server, by name (lisp/ms-show, metrics). */
#define MS_COUNTERS(X) \
	X(registers, "Map-Registers accepted") \
	X(auth_failures, "Map-Registers refused: wrong key, algorithm or no key") \
	X(foreign_prefixes, "Map-Registers refused: a prefix outside every site, or several sites") \
	X(notifies, "Map-Notifies sent") \
	X(requests, "Map-Requests received") \
	X(forwarded, "Map-Requests forwarded to an ETR") \
	X(proxy_replies, "Map-Replies sent for an ETR (proxy)") \
	X(negative_replies, "negative Map-Replies sent") \
	X(expired, "registrations aged out") \
	X(malformed, "control messages that could not be decoded")

struct ms_counters {
#define MS_COUNTER_FIELD(name, text) uint64_t name;
	MS_COUNTERS(MS_COUNTER_FIELD)
#undef MS_COUNTER_FIELD
};

/* One ETR's registration of one EID record. */
struct ms_registration {
	struct lisp_record record;
	struct in6_addr etr;          /* Where the Map-Register came from... */
	uint16_t etr_port;            /* ...and its source port. */
	bool proxy_reply;             /* The ETR asked the server to answer for it. */
	int64_t first_ms, last_ms;    /* First and latest register. */
	int64_t expires_ms;
	uint64_t count;               /* Registers received for it. */
};

struct ms_site {
	char name[MS_SITE_NAME_MAX];
	char key[MS_KEY_MAX];
	size_t n_prefixes;
	struct lisp_prefix prefixes[MS_SITE_PREFIXES_MAX];
	size_t n_regs;
	struct ms_registration *regs;
};

/* Sends 'len' bytes of 'msg' to UDP 'port' at 'dst'. */
typedef void ms_send_fn(void *aux, const struct in6_addr *dst, uint16_t port,
			const uint8_t *msg, size_t len);

struct map_server {
	size_t n_sites;
	struct ms_site *sites;
	struct ms_counters stats;
	ms_send_fn *send;
	void *aux;
};

void map_server_init(struct map_server *ms, ms_send_fn *send, void *aux);
void map_server_destroy(struct map_server *ms);

/*
 * Adds site 'name' with secret 'key' and 'n' EID prefixes. -1 with 'err' if the name is taken,
 * a value is too long or empty, or a prefix overlaps another site's.
 */
int map_server_add_site(struct map_server *ms, const char *name, const char *key,
			const struct lisp_prefix *prefixes, size_t n, char *err, size_t err_size);
/* Removes site 'name' and its registrations; false if there is none. */
bool map_server_del_site(struct map_server *ms, const char *name);
struct ms_site *map_server_find_site(const struct map_server *ms, const char *name);

/* A Map-Register (or Map-Notify-Ack) of 'len' bytes from 'src' port 'sport'. */
void map_server_input(struct map_server *ms, const uint8_t *msg, size_t len,
		      const struct in6_addr *src, uint16_t sport, int64_t now);
/*
 * Resolves Map-Request 'req' that came in ECM 'ecm' ('raw_len' bytes at 'raw': the whole ECM, to
 * forward): forwards it, answers it, or answers it negatively.
 */
void map_server_resolve(struct map_server *ms, const struct lisp_map_request *req,
			const struct lisp_ecm *ecm, const uint8_t *raw, size_t raw_len,
			int64_t now);
/* Ages out registrations; call about once a second. */
void map_server_run(struct map_server *ms, int64_t now);

#endif

/*
 * EID prefixes in an instance, the key of map-cache entries and map-server sites: parsed from
 * and written as "[IID]ADDRESS/LENGTH", compared, and matched against addresses. Addresses are
 * struct in6_addr with IPv4 v4-mapped, as everywhere in the tunnel code; the prefix length
 * counts bits of the address's own family (0..32 for IPv4).
 */
#ifndef LS_LISP_PREFIX_H
#define LS_LISP_PREFIX_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct lisp_prefix {
	uint32_t iid;            /* 24 bits used by the data plane; 32 on the wire. */
	uint8_t plen;            /* Bits of 'addr' that count, in its family. */
	struct in6_addr addr;    /* IPv4 v4-mapped; bits past 'plen' zero. */
};

/* 'p' made canonical: bits beyond 'plen' cleared; false if 'plen' is too long for the family. */
bool lisp_prefix_normalize(struct lisp_prefix *p);
/* Whether address 'a' (with instance 'iid') falls in prefix 'p'. */
bool lisp_prefix_contains(const struct lisp_prefix *p, uint32_t iid, const struct in6_addr *a);
bool lisp_prefix_equal(const struct lisp_prefix *a, const struct lisp_prefix *b);
static inline bool
lisp_prefix_is_v4(const struct lisp_prefix *p)
{
	return IN6_IS_ADDR_V4MAPPED(&p->addr);
}
/* The host prefix (/32 or /128) of address 'a' in instance 'iid'. */
struct lisp_prefix lisp_prefix_host(uint32_t iid, const struct in6_addr *a);
/*
 * Parses "[IID]ADDR/LEN", "ADDR/LEN" (instance 'default_iid') or a bare address (a host prefix);
 * bits past LEN are cleared. False if it is not one.
 */
bool lisp_prefix_parse(const char *s, uint32_t default_iid, struct lisp_prefix *p);
/* Writes "[IID]ADDR/LEN" into 'buf' (at least LISP_PREFIX_STRLEN bytes). */
#define LISP_PREFIX_STRLEN 64
const char *lisp_prefix_format(const struct lisp_prefix *p, char *buf);

/* Bits in an address of the prefix's family: 32 or 128. */
uint8_t lisp_prefix_bits(const struct lisp_prefix *p);
/* Sets 'a' to the v4-mapped form of IPv4 address 'v4' (4 bytes, network order). */
void lisp_addr_v4_mapped(struct in6_addr *a, const uint8_t v4[4]);
/* Parses an IPv4 (kept v4-mapped) or IPv6 address; false if 's' is neither. */
bool lisp_addr_parse(const char *s, struct in6_addr *a);
/* Writes 'a' as dotted IPv4 if v4-mapped, else IPv6, into 'buf' (INET6_ADDRSTRLEN bytes). */
const char *lisp_addr_format(const struct in6_addr *a, char *buf);

#endif

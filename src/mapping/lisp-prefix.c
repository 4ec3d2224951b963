#include "lisp-prefix.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

uint8_t
lisp_prefix_bits(const struct lisp_prefix *p)
{
	return lisp_prefix_is_v4(p) ? 32 : 128;
}

void
lisp_addr_v4_mapped(struct in6_addr *a, const uint8_t v4[4])
{
	memset(a, 0, sizeof *a);
	a->s6_addr[10] = a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], v4, 4);
}

bool
lisp_addr_parse(const char *s, struct in6_addr *a)
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		lisp_addr_v4_mapped(a, v4);
		return true;
	}
	return inet_pton(AF_INET6, s, a) == 1;
}

const char *
lisp_addr_format(const struct in6_addr *a, char *buf)
{
	if (IN6_IS_ADDR_V4MAPPED(a))
		return inet_ntop(AF_INET, &a->s6_addr[12], buf, INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* Where the prefix's own bits start in 'addr': IPv4 fills the last 32 of its v4-mapped form. */
static unsigned int
first_bit(const struct lisp_prefix *p)
{
	return lisp_prefix_is_v4(p) ? 96 : 0;
}

bool
lisp_prefix_normalize(struct lisp_prefix *p)
{
	unsigned int end = first_bit(p) + p->plen, byte = end / 8;

	if (p->plen > lisp_prefix_bits(p))
		return false;
	if (end % 8)
		p->addr.s6_addr[byte++] &= (uint8_t)(0xff << (8 - end % 8));
	if (byte < 16)
		memset(&p->addr.s6_addr[byte], 0, 16 - byte);
	return true;
}

/* Whether the first 'bits' bits of 'a' and 'b' are the same. */
static bool
bits_equal(const struct in6_addr *a, const struct in6_addr *b, unsigned int bits)
{
	unsigned int bytes = bits / 8;

	if (memcmp(a, b, bytes))
		return false;
	return !(bits % 8) ||
	       !((a->s6_addr[bytes] ^ b->s6_addr[bytes]) & (uint8_t)(0xff << (8 - bits % 8)));
}

bool
lisp_prefix_contains(const struct lisp_prefix *p, uint32_t iid, const struct in6_addr *a)
{
	return p->iid == iid && lisp_prefix_is_v4(p) == IN6_IS_ADDR_V4MAPPED(a) &&
	       p->plen <= lisp_prefix_bits(p) && bits_equal(&p->addr, a, first_bit(p) + p->plen);
}

bool
lisp_prefix_equal(const struct lisp_prefix *a, const struct lisp_prefix *b)
{
	return a->iid == b->iid && a->plen == b->plen &&
	       !memcmp(&a->addr, &b->addr, sizeof a->addr);
}

struct lisp_prefix
lisp_prefix_host(uint32_t iid, const struct in6_addr *a)
{
	struct lisp_prefix p = { .iid = iid, .addr = *a };

	p.plen = lisp_prefix_bits(&p);
	return p;
}

/* Copies the 'len' characters at 's' into 'dst' of 'size' bytes as a string; false if too long. */
static bool
copy_part(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* The "[IID]" in front of a prefix, if any: '*s' is moved past it. */
static bool
parse_iid(const char **s, uint64_t *iid)
{
	const char *end;
	char num[16];

	if (**s != '[')
		return true;
	end = strchr(*s, ']');
	if (!end || !copy_part(num, sizeof num, *s + 1, (size_t)(end - *s - 1)) ||
	    !str_to_u64(num, UINT32_MAX, iid))
		return false;
	*s = end + 1;
	return true;
}

bool
lisp_prefix_parse(const char *s, uint32_t default_iid, struct lisp_prefix *p)
{
	const char *slash;
	char addr[INET6_ADDRSTRLEN];
	uint64_t iid = default_iid, plen;

	memset(p, 0, sizeof *p);
	if (!parse_iid(&s, &iid))
		return false;
	slash = strchr(s, '/');
	if (!copy_part(addr, sizeof addr, s, slash ? (size_t)(slash - s) : strlen(s)))
		return false;
	if (!lisp_addr_parse(addr, &p->addr))
		return false;
	p->iid = (uint32_t)iid;
	p->plen = lisp_prefix_bits(p);
	if (slash) {
		if (!str_to_u64(slash + 1, p->plen, &plen))
			return false;
		p->plen = (uint8_t)plen;
	}
	return lisp_prefix_normalize(p);
}

const char *
lisp_prefix_format(const struct lisp_prefix *p, char *buf)
{
	char addr[INET6_ADDRSTRLEN];

	snprintf(buf, LISP_PREFIX_STRLEN, "[%" PRIu32 "]%s/%u", p->iid,
		 lisp_addr_format(&p->addr, addr), p->plen);
	return buf;
}

/* EID prefixes and addresses written as text in the mapping tests (map-cache, map-server). */
#ifndef LS_TESTS_UNIT_PREFIX_H
#define LS_TESTS_UNIT_PREFIX_H

#include <stdio.h>
#include <stdlib.h>

#include "lisp-prefix.h"

/* Prefix "[IID]ADDR/LEN" or a bare address; a typo in a test aborts it. */
static inline struct lisp_prefix
pfx(const char *s)
{
	struct lisp_prefix p;

	if (!lisp_prefix_parse(s, 0, &p)) {
		fprintf(stderr, "bad prefix \"%s\" in test\n", s);
		abort();
	}
	return p;
}

/* Address 's', IPv4 v4-mapped. */
static inline struct in6_addr
addr(const char *s)
{
	return pfx(s).addr;
}

#endif

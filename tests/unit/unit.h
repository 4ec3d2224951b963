/*
 * Helpers shared by the cmocka unit programs: cmocka's headers in the order it needs them, a
 * hex-string parser for packet vectors, and the main() that runs a program's tests.
 *
 * Known bugs: a test that shows a bug not fixed yet goes into the program's 'known_bugs' group.
 * "PROGRAM known-bugs TEST" runs only that test of the group; meson registers one such run per
 * known bug with should_fail, so the suite stays green while the bug is open and turns red
 * (forcing the test to move into the main group) the day it is fixed.
 */
#ifndef LS_TESTS_UNIT_H
#define LS_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/*
 * Parses hex digits in 'hex' into 'out' (at most 'max' bytes), skipping spaces, and returns
 * the byte count. A malformed string is a defect in the test itself, so it aborts.
 */
static inline size_t
unit_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (const char *c = hex; *c; c++) {
		int v;

		if (*c == ' ')
			continue;
		if (*c >= '0' && *c <= '9')
			v = *c - '0';
		else if (*c >= 'a' && *c <= 'f')
			v = *c - 'a' + 10;
		else
			v = -1;
		if (v < 0 || (hi < 0 && n == max)) {
			fprintf(stderr, "bad hex vector at \"%s\"\n", c);
			abort();
		}
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		fprintf(stderr, "odd number of hex digits in \"%s\"\n", hex);
		abort();
	}
	return n;
}


#endif

#include "util.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static void *
check_alloc(void *p, size_t size)
{
	if (!p && size)
		log_fatal("out of memory allocating %zu bytes", size);
	return p;
}

void *
xmalloc(size_t size)
{
	return check_alloc(malloc(size ? size : 1), size);
}

void *
xcalloc(size_t n, size_t size)
{
	return check_alloc(calloc(n ? n : 1, size ? size : 1), n * size);
}

void *
xrealloc(void *p, size_t size)
{
	return check_alloc(realloc(p, size ? size : 1), size);
}

char *
xstrdup(const char *s)
{
	return check_alloc(strdup(s), strlen(s) + 1);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		log_fatal("out of memory formatting a string");
	va_end(ap);
	return s;
}

static int64_t
clock_msec(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
heap_trim(void)
{
	malloc_trim(0);
}

int64_t
time_msec(void)
{
	return clock_msec(CLOCK_MONOTONIC);
}

int64_t
time_msec_coarse(void)
{
	return clock_msec(CLOCK_MONOTONIC_COARSE);
}

int64_t
time_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
time_wall_msec(void)
{
	return clock_msec(CLOCK_REALTIME);
}

bool
str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (len >= size)
		return false;
	memcpy(dst, src, len + 1);
	return true;
}

bool
str_to_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

void
hex_encode(const uint8_t *data, size_t size, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < size; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * size] = '\0';
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
hex_decode(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; s[0]; s += 2) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return (long)n;
}

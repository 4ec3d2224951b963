/*
 * Small helpers every module uses: checked allocation, array and container macros, time,
 * giving freed memory back.
 * Allocation failure is fatal (the daemon cannot do anything useful without memory), so callers
 * never check xmalloc's result.
 */
#ifndef LS_UTIL_H
#define LS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define UNUSED __attribute__((unused))
#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PRINTF_FMT(1, 2);

/*
 * Gives the heap's free pages back to the kernel. For after work that needs far more memory for
 * a moment than it keeps: a control request parsing a flow file (up to 1 MiB) into flows, a
 * commit writing every flow's text to the file, a dump-flows answer, loading the configuration.
 * glibc gives memory back by itself only from the top of the heap, and what such work keeps
 * (the flows it added) ends up above what it freed: 100,000 flows added in 1 MiB files left
 * 103 MiB resident of which 59 MiB were in use. It costs tens of microseconds when there is
 * little to give back, a few milliseconds after a large request.
 */
void heap_trim(void);

/* Milliseconds on the monotonic clock: for ages, timeouts and durations. */
int64_t time_msec(void);
/* The same clock as last read by the kernel's tick (up to a tick behind; ~3 ns here against
 * ~27 ns for time_msec() on a virtual machine): for what each packet stamps or checks against
 * times of seconds, a cache entry's expiry or its last use. */
int64_t time_msec_coarse(void);
/* Microseconds on the monotonic clock: for the main loop's idle gaps. */
int64_t time_usec(void);
/* Milliseconds since the epoch: only for things a person reads. */
int64_t time_wall_msec(void);

/* Copies 'src' into 'dst' of 'size' bytes; false (and 'dst' unchanged) if it does not fit. */
bool str_copy(char *dst, const char *src, size_t size);

/* Parses a whole decimal or 0x-hex unsigned number no greater than 'max'. */
bool str_to_u64(const char *s, uint64_t max, uint64_t *out);

/* Writes 'size' bytes as lowercase hex into 'out' (2 * 'size' + 1 chars, NUL-terminated). */
void hex_encode(const uint8_t *data, size_t size, char *out);
/* Parses even-length hex 's' into 'out' (room for 'max' bytes); the length, or -1 if bad. */
long hex_decode(const char *s, uint8_t *out, size_t max);

#endif

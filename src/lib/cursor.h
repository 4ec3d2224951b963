/*
 * The one parse cursor: a pointer and the bytes left, with readers that fail (return false)
 * instead of reading past the end. Every parser of untrusted bytes goes through it, and takes a
 * sub-cursor for each length-delimited part so a lying length cannot reach beyond its part.
 */
#ifndef LS_CURSOR_H
#define LS_CURSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *ptr; /* Next byte to read. */
	size_t left;        /* Bytes readable from 'ptr'. */
};

static inline struct cursor
cursor_init(const void *p, size_t size)
{
	return (struct cursor){ p, size };
}

/* Returns a pointer to the next 'n' bytes and consumes them, or NULL if fewer are left. */
static inline const uint8_t *
cursor_pull(struct cursor *c, size_t n)
{
	const uint8_t *p = c->ptr;

	if (c->left < n)
		return NULL;
	c->ptr += n;
	c->left -= n;
	return p;
}

/* Returns the next 'n' bytes without consuming them, or NULL. */
static inline const uint8_t *
cursor_peek(const struct cursor *c, size_t n)
{
	return c->left < n ? NULL : c->ptr;
}

static inline bool
cursor_skip(struct cursor *c, size_t n)
{
	return cursor_pull(c, n) != NULL;
}

static inline bool
cursor_copy(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *p = cursor_pull(c, n);

	if (p)
		memcpy(dst, p, n);
	return p != NULL;
}

static inline bool
cursor_u8(struct cursor *c, uint8_t *v)
{
	return cursor_copy(c, v, 1);
}

static inline bool
cursor_u16be(struct cursor *c, uint16_t *v)
{
	const uint8_t *p = cursor_pull(c, 2);

	if (p)
		*v = (uint16_t)(p[0] << 8 | p[1]);
	return p != NULL;
}

static inline bool
cursor_u32be(struct cursor *c, uint32_t *v)
{
	const uint8_t *p = cursor_pull(c, 4);

	if (p)
		*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return p != NULL;
}

static inline bool
cursor_u64be(struct cursor *c, uint64_t *v)
{
	uint32_t hi = 0, lo = 0;

	if (c->left < 8)
		return false;
	cursor_u32be(c, &hi);
	cursor_u32be(c, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

/* Splits off the next 'n' bytes as a cursor of their own; false if fewer are left. */
static inline bool
cursor_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	const uint8_t *p = cursor_pull(c, n);

	if (p)
		*sub = cursor_init(p, n);
	return p != NULL;
}

#endif

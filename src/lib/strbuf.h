/*
 * A growable, always NUL-terminated string for building text output (flow printing, ctl
 * replies). Growth is by doubling; allocation failure is fatal like every x*alloc.
 */
#ifndef LS_STRBUF_H
#define LS_STRBUF_H

#include <stddef.h>

#include "util.h"

struct strbuf {
	char *s;        /* The text, NUL-terminated; NULL until something is added. */
	size_t len;     /* Chars in 's', not counting the NUL. */
	size_t cap;     /* Bytes allocated for 's'. */
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_uninit(struct strbuf *sb);
void strbuf_clear(struct strbuf *sb);

void strbuf_put(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) PRINTF_FMT(2, 3);

/* The text so far: "" (never NULL) when nothing was added. */
const char *strbuf_cstr(const struct strbuf *sb);

/* Removes the last char if it is 'c' (for trailing separators). */
void strbuf_chomp(struct strbuf *sb, char c);

#endif

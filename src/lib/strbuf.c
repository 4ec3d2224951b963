#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
strbuf_init(struct strbuf *sb)
{
	*sb = (struct strbuf)STRBUF_INIT;
}

void
strbuf_uninit(struct strbuf *sb)
{
	free(sb->s);
	strbuf_init(sb);
}

void
strbuf_clear(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->s)
		sb->s[0] = '\0';
}

/* Makes room for 'n' more chars plus the NUL. */
static void
strbuf_reserve(struct strbuf *sb, size_t n)
{
	size_t need = sb->len + n + 1;

	if (need <= sb->cap)
		return;
	sb->cap = MAX(need, sb->cap * 2);
	sb->s = xrealloc(sb->s, sb->cap);
}

void
strbuf_put(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);

	strbuf_reserve(sb, n);
	memcpy(sb->s + sb->len, s, n + 1);
	sb->len += n;
}

void
strbuf_putc(struct strbuf *sb, char c)
{
	strbuf_reserve(sb, 1);
	sb->s[sb->len++] = c;
	sb->s[sb->len] = '\0';
}

void
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	strbuf_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

const char *
strbuf_cstr(const struct strbuf *sb)
{
	return sb->s ? sb->s : "";
}

void
strbuf_chomp(struct strbuf *sb, char c)
{
	if (sb->len && sb->s[sb->len - 1] == c)
		sb->s[--sb->len] = '\0';
}

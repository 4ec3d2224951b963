/*
 * The tokenizer of ovs-ofctl's flow syntax, shared by match and action parsing.
 *
 * Items are separated by commas and/or white space. An item is "key", "key=value",
 * "key:value" or "key(value)"; a value runs to the next separator outside parentheses, so
 * "resubmit(,2)" and "set_field:1.2.3.4->tun_dst" are single items. Tokens are spans into the
 * caller's string, which is never modified.
 */
#ifndef LS_FLOW_TOK_H
#define LS_FLOW_TOK_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

struct ftok {
	const char *item;       /* Whole item as typed, for error messages. */
	size_t item_len;
	const char *key;
	size_t key_len;
	const char *value;      /* Points into the string; "" span if there is no value. */
	size_t value_len;
	char delim;             /* '=', ':', '(' or '\0' when there is no value. */
};

/* Reads the next item at '*pos' and advances '*pos' past it; false at the end. */
bool ftok_next(const char **pos, struct ftok *kv);

/* Whether the key is exactly 'name' (case-sensitive or not). */
bool ftok_key_is(const struct ftok *kv, const char *name, bool nocase);

/*
 * Writes the error line for item 'kv', "ITEM": REASON (REASON from 'fmt'), into 'err'.
 * Returns -EINVAL, for parsers to return.
 */
int ftok_verror(const struct ftok *kv, char *err, size_t err_size, const char *fmt, va_list ap);

/* Copies a span into a new NUL-terminated string (free() it). */
char *ftok_strdup(const char *s, size_t len);

#endif

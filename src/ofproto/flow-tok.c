#include "flow-tok.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define KV_SEP ", \t\r\n"

/* Length of a value starting at 's': up to a separator outside parentheses. With 'close'
 * set, stops at the ')' that closes an already open one instead. Like ovs-ofctl, a '(' left
 * open runs to the end of the string. */
static size_t
value_span(const char *s, bool close)
{
	int depth = close ? 1 : 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')') {
			if (--depth == 0 && close)
				return i;
		} else if (!depth && strchr(KV_SEP, s[i])) {
			break;
		}
	}
	return i;
}

bool
ftok_next(const char **pos, struct ftok *kv)
{
	const char *p = *pos + strspn(*pos, KV_SEP);
	size_t n;

	if (!*p)
		return false;
	memset(kv, 0, sizeof *kv);
	kv->item = kv->key = p;
	kv->key_len = strcspn(p, "=:(" KV_SEP);
	p += kv->key_len;
	kv->value = p;
	if (*p == '=' || *p == ':' || *p == '(') {
		kv->delim = *p++;
		n = value_span(p, kv->delim == '(');
		kv->value = p;
		kv->value_len = n;
		p += n + (kv->delim == '(' && p[n] == ')');
	}
	kv->item_len = (size_t)(p - kv->item);
	*pos = p;
	return true;
}

bool
ftok_key_is(const struct ftok *kv, const char *name, bool nocase)
{
	size_t n = strlen(name);

	if (kv->key_len != n)
		return false;
	return nocase ? !strncasecmp(kv->key, name, n) : !strncmp(kv->key, name, n);
}

char *
ftok_strdup(const char *s, size_t len)
{
	char *copy = xmalloc(len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

int
ftok_verror(const struct ftok *kv, char *err, size_t err_size, const char *fmt, va_list ap)
{
	char reason[256];

	vsnprintf(reason, sizeof reason, fmt, ap);
	snprintf(err, err_size, "\"%.*s\": %s", (int)kv->item_len, kv->item, reason);
	return -EINVAL;
}

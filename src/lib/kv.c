#include "kv.h"

#include <stdlib.h>

#include "util.h"

struct kv *
kv_clone(const struct kv *kvs, size_t n)
{
	struct kv *copy = n ? xcalloc(n, sizeof *copy) : NULL;

	for (size_t i = 0; i < n; i++) {
		copy[i].key = xstrdup(kvs[i].key);
		copy[i].value = xstrdup(kvs[i].value);
	}
	return copy;
}

void
kv_free(struct kv *kvs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kvs[i].key);
		free(kvs[i].value);
	}
	free(kvs);
}

bool
kv_equal(const struct kv *a, size_t na, const struct kv *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].key, b[i].key) || strcmp(a[i].value, b[i].value))
			return false;
	return true;
}

/* A key=value pair, as in a port's options: the one representation every module passes. */
#ifndef LS_KV_H
#define LS_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct kv {
	char *key;
	char *value;
};

/* The value of 'key' among 'n' pairs, or NULL. */
static inline const char *
kv_get(const struct kv *kvs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kvs[i].key, key))
			return kvs[i].value;
	return NULL;
}


/* Deep copy of 'n' pairs (NULL if 'n' is 0); kv_free() frees it. */
struct kv *kv_clone(const struct kv *kvs, size_t n);
void kv_free(struct kv *kvs, size_t n);
/* Whether two lists hold the same pairs in the same order. */
bool kv_equal(const struct kv *a, size_t na, const struct kv *b, size_t nb);

#endif

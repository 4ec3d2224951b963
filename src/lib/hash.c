#include "hash.h"

uint32_t
hash_bytes(const void *p_, size_t size, uint32_t basis)
{
	const uint8_t *p = p_;
	uint32_t h = basis;
	size_t i;

	for (i = 0; i + 4 <= size; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		h = hash_add(h, w);
	}
	if (i < size) {
		uint32_t w = 0;

		memcpy(&w, p + i, size - i);
		h = hash_add(h, w);
	}
	return hash_finish(h, (uint32_t)size);
}

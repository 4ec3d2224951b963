#include "csum.h"

#include <string.h>

uint32_t
csum_partial(const void *p_, size_t size, uint32_t sum)
{
	const uint8_t *p = p_;
	uint64_t acc = sum;
	size_t i = 0;

	/* Summing 16-bit words in memory order gives the checksum in network order directly. */
	for (; i + 2 <= size; i += 2) {
		uint16_t w;

		memcpy(&w, p + i, 2);
		acc += w;
	}
	if (i < size) {
		uint16_t w = 0;

		memcpy(&w, p + i, 1);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t
csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

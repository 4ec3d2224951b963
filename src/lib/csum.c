#include "csum.h"

#include <string.h>

/*
 * One's complement sums do not depend on byte order or word size (RFC 1071): adding the data as
 * native 32-bit words into 64 bits and folding gives the same 16-bit checksum, in network order,
 * as adding it 16 bits at a time, at a quarter of the additions. Checksums over whole segmented
 * TCP packets (64 KiB) are on the datapath, so this matters.
 */
uint32_t
csum_partial(const void *p_, size_t size, uint32_t sum)
{
	const uint8_t *p = p_;
	uint64_t acc = sum;
	size_t i = 0;

	for (; i + 16 <= size; i += 16) {
		uint32_t w[4];

		memcpy(w, p + i, 16);
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3];
	}
	for (; i + 4 <= size; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		acc += w;
	}
	if (i + 2 <= size) {
		uint16_t w;

		memcpy(&w, p + i, 2);
		acc += w;
		i += 2;
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

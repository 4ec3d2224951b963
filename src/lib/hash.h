/*
 * Non-cryptographic hashing for hash tables and flow spreading: a Murmur3-style mix of 32-bit
 * words. Keys that must not be steerable by a remote sender (none yet) would need a keyed hash.
 */
#ifndef LS_HASH_H
#define LS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t
hash_rot(uint32_t x, int k)
{
	return (x << k) | (x >> (32 - k));
}

/* Mixes one 32-bit word into running hash 'h'. */
static inline uint32_t
hash_add(uint32_t h, uint32_t data)
{
	data *= 0xcc9e2d51;
	data = hash_rot(data, 15);
	data *= 0x1b873593;
	h ^= data;
	h = hash_rot(h, 13);
	return h * 5 + 0xe6546b64;
}

static inline uint32_t
hash_add64(uint32_t h, uint64_t data)
{
	return hash_add(hash_add(h, (uint32_t)data), (uint32_t)(data >> 32));
}

/* Final avalanche; 'n_bytes' is the length of what was hashed. */
static inline uint32_t
hash_finish(uint32_t h, uint32_t n_bytes)
{
	h ^= n_bytes;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

uint32_t hash_bytes(const void *p, size_t size, uint32_t basis);

static inline uint32_t
hash_string(const char *s, uint32_t basis)
{
	return hash_bytes(s, strlen(s), basis);
}

#endif

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

/*
 * Keys of whole 64-bit words (a flow key, a subtable's masked values): one rotate, xor and
 * multiply per word, cheaper than two Murmur rounds. Each step is a bijection of the running value,
 * so keys that differ in one word never collide before the final fold to 32 bits.
 */
static inline uint64_t
hash_mix64(uint64_t h, uint64_t data)
{
	return (((h << 27) | (h >> 37)) ^ data) * 0x9e3779b97f4a7c15ull;
}

static inline uint32_t
hash_finish64(uint64_t h, uint32_t n_bytes)
{
	return hash_finish((uint32_t)(h ^ (h >> 32)), n_bytes);
}

uint32_t hash_bytes(const void *p, size_t size, uint32_t basis);

static inline uint32_t
hash_string(const char *s, uint32_t basis)
{
	return hash_bytes(s, strlen(s), basis);
}

#endif

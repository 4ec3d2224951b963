/* The benchmarks' pseudo-random numbers: xorshift32 with a fixed seed, so runs repeat. */
#ifndef LS_BENCH_RAND_H
#define LS_BENCH_RAND_H

#include <stdint.h>

static uint32_t bench_rng = 2463534242u;

static inline uint32_t
rnd(void)
{
	bench_rng ^= bench_rng << 13;
	bench_rng ^= bench_rng >> 17;
	bench_rng ^= bench_rng << 5;
	return bench_rng;
}

#endif

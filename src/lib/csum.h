/* Internet checksum (RFC 1071) helpers, on bytes in network order. */
#ifndef LS_CSUM_H
#define LS_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds 'size' bytes at 'p' to the 32-bit running sum 'sum' (not yet folded). */
uint32_t csum_partial(const void *p, size_t size, uint32_t sum);
/* Folds a running sum into the final one's-complement checksum, network byte order. */
uint16_t csum_fold(uint32_t sum);

#endif

/* The LISP data header and the inner-packet checks, on any UDP payload from the network. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lisp-dp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	enum drop_reason why;
	struct lisp_hdr hdr;
	uint32_t inner;
	uint16_t type;

	memcpy(copy, data, size);
	if (lisp_hdr_parse(copy, (uint32_t)size, &hdr, &inner, &type, &why) &&
	    (inner > size - LISP_HDR_SIZE || (type != 0x0800 && type != 0x86dd)))
		abort();
	free(copy);
	return 0;
}

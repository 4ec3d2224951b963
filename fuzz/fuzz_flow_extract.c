/* Flow key extraction from any bytes a port can receive: never reads past the packet. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pkt *pkt;
	struct flow flow;

	if (!pkt)
		pkt = pkt_alloc();
	if (size > PKT_MAX_SIZE)
		return 0;
	pkt_reset(pkt);
	/* An exact-size copy at the end of the buffer, so that over-reads reach the redzone. */
	pkt->data = pkt->buf + pkt->capacity - size;
	memcpy(pkt->data, data, size);
	pkt->size = (uint32_t)size;
	flow_extract(pkt, &flow);
	return 0;
}

/*
 * Running a packet through a bridge's flow tables: lookup, then the matched flow's actions, in
 * order, with resubmit to other tables (bounded depth). Actions change the packet's key; the
 * packet's bytes are brought in line (commit.h) just before each output.
 *
 * The same code traces: with a trace buffer, nothing is sent, learned or counted, and every
 * table visited, flow matched, action run and output made is written to the buffer instead.
 */
#ifndef LS_XLATE_H
#define LS_XLATE_H

#include <stdint.h>

#include "flow.h"

struct ofproto;
struct ofport;
struct pkt;
struct strbuf;

/* Most nested resubmits before the packet is dropped as looping. */
#define XLATE_MAX_DEPTH 64
/* Most outputs of one packet (a flood counts one per port). */
#define XLATE_MAX_OUTPUTS 1024

/* An output decided by translation, carried out once translation succeeded. */
struct xlate_output {
	struct ofport *port;
	struct flow flow;       /* The key the packet must show on this output. */
};

/* Forwards 'pkt' (key 'flow', from 'in') per the flow tables. */
void xlate_packet(struct ofproto *ofp, struct ofport *in, struct pkt *pkt,
		  const struct flow *flow, int64_t now_ms);

/* Writes what xlate_packet() would do with 'pkt' to 'out', changing nothing. */
void xlate_trace(struct ofproto *ofp, struct ofport *in, struct pkt *pkt,
		 const struct flow *flow, struct strbuf *out);

/* Prints 'flow' as a match on every field it has, for traces ("in_port=1,dl_src=..."). */
void xlate_format_flow(const struct flow *flow, struct strbuf *out);

#endif

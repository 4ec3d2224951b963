/*
 * Classifier lookup cost, counted in instructions by callgrind (stable on a noisy machine).
 *
 * Builds a table of N flows spread over 10 distinct masks, then looks up M packets: half that
 * hit a flow, half that miss every flow. Run once per N under callgrind with the lookups
 * bracketed by CALLGRIND_START/STOP_INSTRUMENTATION, so only lookups are counted; the driver
 * (run.sh) divides by M and reports each N as a ratio against N = 1 measured in the same run.
 *
 * Three paths: "emc", a packet whose flow is in the exact-match cache (the steady state of a
 * flow); "hit", a classifier lookup that finds a flow; "miss", one that finds none.
 *
 * usage: bench_classifier N_FLOWS N_LOOKUPS emc|hit|miss
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

#include "../bench-rand.h"
#include "flow.h"
#include "ofproto.h"
#include "rule.h"

#define N_MASKS 10


/* Ten masks of the kinds real tables use: ports, MACs, prefixes of several lengths, L4. */
static void
mask_of(int k, struct flow *m)
{
	memset(m, 0, sizeof *m);
	m->dl_type = 0xffff;
	switch (k) {
	case 0: m->in_port = ~0u; break;
	case 1: memset(m->dl_dst, 0xff, 6); break;
	case 2: m->nw_src = htonl(0xffffff00); break;
	case 3: m->nw_dst = htonl(0xffff0000); break;
	case 4: m->nw_src = ~0u; m->nw_dst = ~0u; break;
	case 5: m->nw_proto = 0xff; m->tp_dst = 0xffff; break;
	case 6: m->in_port = ~0u; m->nw_src = htonl(0xffffff00); break;
	case 7: memset(m->dl_src, 0xff, 6); break;
	case 8: m->nw_dst = htonl(0xffffff00); m->nw_proto = 0xff; break;
	default: m->tun_id = ~0ull; break;
	}
}

static void
key_for(uint32_t i, struct flow *f)
{
	memset(f, 0, sizeof *f);
	f->dl_type = htons(0x0800);
	f->in_port = i;
	f->nw_src = htonl(0x0a000000 | (i << 8));
	f->nw_dst = htonl(0x0b000000 | i);
	f->nw_proto = 6;
	f->tp_dst = htons((uint16_t)i);
	f->tun_id = i;
	memcpy(f->dl_dst, &i, 4);
	memcpy(f->dl_src + 2, &i, 4);
}

static void
add_flows(struct ofproto *ofp, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct ofp_flow_spec spec = { .priority = (uint16_t)(rnd() % 100) };
		const uint64_t *m = (const uint64_t *)&spec.match.wc;
		uint64_t *v = (uint64_t *)&spec.match.flow;

		key_for(i, &spec.match.flow);
		mask_of((int)(i % N_MASKS), &spec.match.wc);
		for (size_t w = 0; w < FLOW_U64S; w++)
			v[w] &= m[w];
		oftable_add(&ofp->flows, &spec);
	}
}

int
main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 1;
	uint32_t m = argc > 2 ? (uint32_t)atoi(argv[2]) : 10000;
	const char *mode = argc > 3 ? argv[3] : "hit";
	bool emc = !strcmp(mode, "emc"), miss = !strcmp(mode, "miss");
	/* The cache holds a working set, not every flow: 1000 distinct keys, reused. */
	uint32_t distinct = emc ? 1000 : m;
	struct flow *keys = calloc(distinct, sizeof *keys);
	struct ofproto ofp;
	uint64_t found = 0;

	ofproto_init(&ofp, "bench");
	add_flows(&ofp, n);
	for (uint32_t i = 0; i < distinct; i++) {
		key_for(rnd() % n, &keys[i]);
		if (miss)
			keys[i].dl_type = htons(0x86dd);
	}
	for (uint32_t i = 0; emc && i < distinct; i++)
		ofproto_lookup_cached(&ofp, &keys[i]);
	CALLGRIND_START_INSTRUMENTATION;
	for (uint32_t i = 0; i < m; i++) {
		const struct flow *k = &keys[i % distinct];

		found += (emc ? ofproto_lookup_cached(&ofp, k) : oftable_lookup(&ofp.flows, 0, k)) != NULL;
	}
	CALLGRIND_STOP_INSTRUMENTATION;
	printf("flows=%u lookups=%u mode=%s found=%llu\n", n, m, mode, (unsigned long long)found);
	ofproto_uninit(&ofp);
	free(keys);
	return 0;
}

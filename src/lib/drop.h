/*
 * Why packets are dropped: one table for the whole datapath. Every drop is counted under one of
 * these reasons on the port it concerns (struct netdev 'drops'), and shown by dump-ports.
 */
#ifndef LS_DROP_H
#define LS_DROP_H

#define DROP_REASONS(X) \
	X(RUNT, "runt", "shorter than an Ethernet header") \
	X(HAIRPIN, "hairpin", "NORMAL destination is the input port") \
	X(NO_FLOW, "no_flow", "no flow matched") \
	X(ACTION_DROP, "action_drop", "flow actions ended without output") \
	X(LOOP, "resubmit_loop", "resubmits nested deeper than 64: nothing sent") \
	X(OUTPUT_LIMIT, "output_limit", "more than 1024 outputs for one packet") \
	X(L3_NON_IP, "non_ip", "not IPv4 or IPv6, sent to a layer-3 port") \
	X(NO_TUNNEL_DST, "no_tunnel_dst", "lisp output without a remote address") \
	X(TUNNEL_FAMILY, "tunnel_family", "local and remote addresses of different families") \
	X(KEY_RANGE, "key_range", "tunnel key larger than a 24-bit instance ID") \
	X(TUNNEL_TX, "tunnel_tx", "the kernel refused the encapsulated packet") \
	X(MTU, "mtu", "too big for the underlay, DF set: ICMP sent back") \
	X(GSO, "gso", "offloaded packet that could not be segmented") \
	X(LISP_SHORT, "lisp_short", "UDP payload shorter than the LISP header and an IP header") \
	X(LISP_ENCRYPTED, "lisp_encrypted", "KK bits set: RFC 8061 encrypted payload") \
	X(LISP_INNER_VERSION, "lisp_inner_version", "inner packet neither IPv4 nor IPv6") \
	X(LISP_INNER_TRUNCATED, "lisp_inner_truncated", "inner IP header or length cut short") \
	X(LISP_ECN, "lisp_ecn", "outer CE on a Not-ECT inner packet (RFC 6040)") \
	X(LISP_NO_PORT, "lisp_no_port", "no lisp port matches the key and addresses") \
	X(MAP_QUEUE_FULL, "map_queue_full", "no mapping yet and the queue waiting for one is full") \
	X(MAP_TIMEOUT, "map_timeout", "queued for a Map-Reply that never came") \
	X(MAP_NEGATIVE, "map_negative", "negative map-cache entry: not to be encapsulated") \
	X(MAP_NO_RLOC, "map_no_rloc", "every locator of the mapping is down or unusable")

enum drop_reason {
#define DROP_ENUM(id, name, text) DROP_##id,
	DROP_REASONS(DROP_ENUM)
#undef DROP_ENUM
	N_DROP_REASONS
};

const char *drop_reason_name(enum drop_reason r);
const char *drop_reason_text(enum drop_reason r);

#endif

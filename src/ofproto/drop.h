/*
 * Why packets are dropped. Every drop in the datapath is counted under one of these reasons,
 * per port (the port the packet entered by), and shown by dump-ports and dump-drops.
 */
#ifndef LS_DROP_H
#define LS_DROP_H

#define DROP_REASONS(X) \
	X(RUNT, "runt", "shorter than an Ethernet header") \
	X(HAIRPIN, "hairpin", "NORMAL destination is the input port") \
	X(NO_FLOW, "no_flow", "no flow matched") \
	X(ACTION_DROP, "action_drop", "flow actions dropped it")

enum drop_reason {
#define DROP_ENUM(id, name, text) DROP_##id,
	DROP_REASONS(DROP_ENUM)
#undef DROP_ENUM
	N_DROP_REASONS
};

const char *drop_reason_name(enum drop_reason r);
const char *drop_reason_text(enum drop_reason r);

#endif

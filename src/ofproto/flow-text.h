/*
 * The flow language of ovs-ofctl, as lispswitch accepts and prints it: parsing a flow
 * ("priority=3,ip,nw_src=10.0.0.0/8,actions=output:1") into a 'struct ofp_flow_spec', and
 * printing one back the way 'ovs-ofctl parse-flow' prints a flow_mod.
 *
 * Differences from OVS (see docs/flows.md): a match field whose prerequisite is missing
 * ("nw_src=10.0.0.1" without "ip") is refused with an error, where OVS silently drops it.
 */
#ifndef LS_FLOW_TEXT_H
#define LS_FLOW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actions.h"
#include "field.h"
#include "match.h"

struct strbuf;

/* Priority of a flow that does not give one (OpenFlow's default). */
#define FLOW_PRIORITY_DEFAULT 32768
/* 'table_id' when the text names no table: table 0 for add, every table for a filter. */
#define FLOW_TABLE_ANY 0xff

enum flow_parse_mode {
	FLOW_PARSE_ADD,         /* add-flow: "actions=" required, no cookie mask. */
	FLOW_PARSE_FILTER,      /* del-flows/dump-flows: no actions; "cookie=V/M" allowed. */
};

struct flow_parse_ctx {
	enum flow_parse_mode mode;
	/* Resolves a port name ("in_port=tap0", "output:lisp0") to its OpenFlow number: 0, or
	 * nonzero if there is no such port. NULL: only numbers and reserved names are valid. */
	field_port_lookup *port_by_name;
	void *aux;              /* Passed to 'port_by_name'. */
};

/* One flow as typed: what a flow table stores, or what a filter selects. */
struct ofp_flow_spec {
	struct match match;
	uint16_t priority;      /* FLOW_PRIORITY_DEFAULT unless given. */
	uint8_t table_id;       /* FLOW_TABLE_ANY unless given. */
	uint64_t cookie;
	uint64_t cookie_mask;   /* Filters: bits of 'cookie' that must match (0: any). */
	uint16_t idle_timeout;  /* Seconds, 0 for none. */
	uint16_t hard_timeout;  /* Seconds, 0 for none. */
	struct action *actions; /* Owned; NULL when 'n_actions' is 0 ("drop"). */
	size_t n_actions;
};

/*
 * Parses 'text' into 'out' (to be released with ofp_flow_spec_uninit()). On error 'out' holds
 * nothing to release, 'err' gets one line naming the offending item and why, and the result is
 * -EINVAL.
 */
int flow_parse(const char *text, const struct flow_parse_ctx *ctx, struct ofp_flow_spec *out,
               char *err, size_t err_size);

void ofp_flow_spec_uninit(struct ofp_flow_spec *spec);

/*
 * Prints 'spec' as 'ovs-ofctl parse-flow' prints the flow_mod after "ADD ":
 * "table:1 priority=3,ip,nw_src=10.0.0.0/8 cookie:0x5 idle:10 actions=output:1".
 */
void flow_format(const struct ofp_flow_spec *spec, struct strbuf *sb);

/*
 * Prints the match with its priority (unless it is the default) in ovs-ofctl's normal form:
 * "priority=3,ip,in_port=1,nw_src=10.0.0.0/8". Prints nothing for a catch-all.
 */
void flow_format_match(const struct match *match, uint16_t priority, struct strbuf *sb);

#endif

/*
 * Flows as the configuration keeps them: one line of text per flow, in ovs-ofctl syntax, that
 * parses back to the same flow ("table=1,cookie=0x5,priority=3,ip actions=output:2"). Ports are
 * written by number, so a saved flow does not depend on port names.
 */
#ifndef LS_FLOWS_H
#define LS_FLOWS_H

#include "flow-text.h"

struct cfg_bridge;
struct ofproto;
struct rule;

/* The flow a new bridge starts with, as OVS's standalone mode has it. */
#define FLOWS_DEFAULT "priority=0,actions=NORMAL"

/* Flow 'r' as one re-parseable line (malloc'd). */
char *flows_to_text(const struct rule *r);

/* Installs the flows of 'cb' in 'ofp' (a new or restarted bridge); bad lines are logged. */
void flows_load(struct ofproto *ofp, const struct cfg_bridge *cb);
/* Replaces the flows of 'cb' with those running in 'ofp'. */
void flows_save(const struct ofproto *ofp, struct cfg_bridge *cb);

#endif

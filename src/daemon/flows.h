/*
 * Flows as the configuration keeps them: one line of text per flow, in ovs-ofctl syntax, that
 * parses back to the same flow ("table=1,cookie=0x5,priority=3,ip actions=output:2"). Ports are
 * written by number, so a saved flow does not depend on port names.
 *
 * A running bridge's flow table is the only copy of its flows: the configuration holds lines
 * for a bridge only while no table holds them (read from the file, or a new bridge's default
 * flow, until the bridge runs). The lines of running bridges are made from their tables when
 * they are needed, to write the file or to have something to go back to if a commit fails, and
 * dropped afterwards: 100,000 flows would otherwise cost ~11 MB of text that only repeats the
 * tables.
 */
#ifndef LS_FLOWS_H
#define LS_FLOWS_H

#include "flow-text.h"

struct cfg;
struct cfg_bridge;
struct ofproto;
struct rule;

/* The flow a new bridge starts with, as OVS's standalone mode has it. */
#define FLOWS_DEFAULT "priority=0,actions=NORMAL"

/* Flow 'r' as one re-parseable line (malloc'd). */
char *flows_to_text(const struct rule *r);

/* Installs the flows of 'cb' in 'ofp' (a new or restarted bridge); bad lines are logged. */
void flows_load(struct ofproto *ofp, const struct cfg_bridge *cb);
/* Gives every bridge of 'cfg' that runs the lines of its running flow table. */
void flows_save(struct cfg *cfg);
/* Drops the lines of every bridge of 'cfg' that runs (its table has the flows). */
void flows_forget(struct cfg *cfg);

#endif

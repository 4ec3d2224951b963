/*
 * What lispctl and lispswitchd agree on over the control socket: JSON-RPC 2.0, one object per
 * line. lispctl sends one method, "transact", whose params are the commands of one command line
 * (several when chained with "--"), each {"verb": ..., "args": [...], "opts": {...}}. The result
 * is an array with one output per command. A failure is one JSON-RPC error whose code is from
 * the table below and whose message is the line lispctl prints after "lispctl: ".
 */
#ifndef LS_CTL_PROTO_H
#define LS_CTL_PROTO_H

#define CTL_SOCKET_NAME "lispswitchd.ctl"
#define CTL_PIDFILE_NAME "lispswitchd.pid"
#define CTL_CONFIG_NAME "conf.json"
#define CTL_MAX_REQUEST (1024 * 1024)

/* Application error codes (JSON-RPC reserves -32768..-32000 for its own). */
#define CTL_ERRORS(X) \
	X(USAGE, 1, "usage") \
	X(NO_BRIDGE, 2, "no-such-bridge") \
	X(NO_PORT, 3, "no-such-port") \
	X(EXISTS, 4, "already-exists") \
	X(INVALID, 5, "invalid-value") \
	X(DEVICE, 6, "device-error") \
	X(IO, 7, "io-error") \
	X(NOT_FOUND, 8, "not-found")

enum ctl_error {
	CTL_OK = 0,
#define CTL_ERR_ENUM(id, code, name) CTL_ERR_##id = code,
	CTL_ERRORS(CTL_ERR_ENUM)
#undef CTL_ERR_ENUM
};

/* JSON-RPC's own codes. */
enum {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
};


/*
 * Every verb, with its arity and usage, in one table shared by lispctl (usage, local checks)
 * and lispswitchd (the schema each request is checked against before its handler runs).
 * Flags: CTL_READ verbs only read (they take --format=json); CTL_LOCAL verbs run inside lispctl;
 * CTL_FILE verbs send the lines of a file as arguments; CTL_STREAM verbs are a JSON-RPC method
 * of their own (the verb's name) whose answer is followed by notifications.
 */
#define CTL_READ 1
#define CTL_LOCAL 2
#define CTL_FILE 4       /* The last argument names a file of lines (or - for stdin). */
#define CTL_STREAM 8     /* Runs alone as its own method, answered by a stream (capture). */
#define CTL_ARGS_MAX 0xffffffffu
#define CTL_VERBS(X) \
	X(ADD_BR, "add-br", 1, 1, 0, "BRIDGE", "create a bridge and its internal port") \
	X(DEL_BR, "del-br", 1, 1, 0, "BRIDGE", "delete a bridge and all its ports") \
	X(LIST_BR, "list-br", 0, 0, CTL_READ, "", "list bridges") \
	X(BR_EXISTS, "br-exists", 1, 1, CTL_READ, "BRIDGE", "exit 2 if BRIDGE does not exist") \
	X(ADD_PORT, "add-port", 2, 64, 0, "BRIDGE PORT [COLUMN[:KEY]=VALUE]...", \
	  "attach interface PORT to BRIDGE") \
	X(DEL_PORT, "del-port", 1, 2, 0, "[BRIDGE] PORT", "detach PORT") \
	X(LIST_PORTS, "list-ports", 1, 1, CTL_READ, "BRIDGE", "list the ports of BRIDGE") \
	X(SET, "set", 3, 64, 0, "Interface PORT COLUMN[:KEY]=VALUE...", \
	  "set type, options or ofport_request of PORT") \
	X(GET, "get", 3, 64, CTL_READ, "Interface PORT COLUMN[:KEY]...", "print columns of PORT") \
	X(SHOW, "show", 0, 0, CTL_READ, "", "print the bridges and ports") \
	X(DUMP_PORTS, "dump-ports", 1, 2, CTL_READ, "BRIDGE [PORT]", "print port counters") \
	X(DUMP_DROPS, "dump-drops", 0, 1, CTL_READ, "[BRIDGE]", \
	  "print every drop reason with its packet count") \
	X(FDB_SHOW, "fdb-show", 1, 1, CTL_READ, "BRIDGE", "print the MAC learning table") \
	X(VLOG_SET, "vlog/set", 2, 2, 0, "CATEGORY|any LEVEL", "set a log level at run time") \
	X(VLOG_LIST, "vlog/list", 0, 0, CTL_READ, "", "print log levels") \
	X(ADD_FLOW, "add-flow", 2, 2, 0, "BRIDGE FLOW", "add a flow (same match and priority: replace)") \
	X(ADD_FLOWS, "add-flows", 1, CTL_ARGS_MAX, CTL_FILE, "BRIDGE FILE|-", \
	  "add the flows of FILE, one per line, all or none") \
	X(DEL_FLOWS, "del-flows", 1, 2, 0, "BRIDGE [MATCH]", "delete flows (--strict: exact)") \
	X(MOD_FLOWS, "mod-flows", 2, 2, 0, "BRIDGE FLOW", "change the actions of flows (--strict)") \
	X(REPLACE_FLOWS, "replace-flows", 1, CTL_ARGS_MAX, CTL_FILE, "BRIDGE FILE|-", \
	  "make the flow table FILE's flows, changing only the difference") \
	X(DUMP_FLOWS, "dump-flows", 1, 2, CTL_READ, "BRIDGE [MATCH]", "print flows and counters") \
	X(DUMP_TABLES, "dump-tables", 1, 1, CTL_READ, "BRIDGE", "print flow table statistics") \
	X(TRACE, "ofproto/trace", 2, 3, CTL_READ, "BRIDGE FLOW [PACKET-HEX]", \
	  "show what the tables do with a packet") \
	X(PARSE_FLOW, "parse-flow", 1, 1, CTL_LOCAL, "FLOW", "print FLOW normalised (no daemon)") \
	X(METRICS, "metrics", 0, 0, CTL_READ, "", "print every counter in Prometheus text format") \
	X(CAPTURE, "capture", 1, 8, CTL_STREAM, "PORT [-w FILE] [-c N] [--seconds S] [--outer]", \
	  "record what PORT receives and sends (pcap with -w)") \
	X(MC_SHOW, "lisp/map-cache-show", 0, 1, CTL_READ, "[PORT]", \
	  "print lisp ports' map-caches and control-plane counters") \
	X(MC_ADD, "lisp/map-cache-add", 2, 10, 0, "PORT EID-PREFIX [RLOC]...", \
	  "add a static map-cache entry (no RLOC: a negative entry that drops)") \
	X(MC_DEL, "lisp/map-cache-del", 2, 2, 0, "PORT EID-PREFIX", \
	  "delete a static entry, or forget a learnt one") \
	X(MS_ADD_SITE, "lisp/ms-add-site", 3, 18, 0, "SITE KEY EID-PREFIX...", \
	  "let the built-in map-server take registrations of SITE's prefixes signed with KEY") \
	X(MS_DEL_SITE, "lisp/ms-del-site", 1, 1, 0, "SITE", "remove a map-server site") \
	X(MS_SHOW, "lisp/ms-show", 0, 0, CTL_READ, "", \
	  "print the map-server's sites, registrations and counters")

enum ctl_verb {
#define CTL_VERB_ENUM(id, name, min, max, flags, usage, help) CTL_VERB_##id,
	CTL_VERBS(CTL_VERB_ENUM)
#undef CTL_VERB_ENUM
	CTL_N_VERBS
};

struct ctl_verb_info {
	const char *name;
	unsigned int min_args, max_args;
	int flags;          /* CTL_READ, CTL_LOCAL, CTL_FILE, CTL_STREAM. */
	const char *usage;  /* Arguments, for help and arity errors. */
	const char *help;   /* One line. */
};

extern const struct ctl_verb_info ctl_verbs[CTL_N_VERBS];

/* The verb named 'name' (or one of its OVS spellings, such as fdb/show), or -1. */
int ctl_verb_find(const char *name);

#endif

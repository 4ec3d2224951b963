/*
 * The persistent configuration: bridges, their ports with types, options, OpenFlow numbers and
 * static map-cache entries, and the built-in map-server's sites. It holds secrets (map-server
 * keys), so the file is readable by its owner only (0600).
 * It is a plain value: a transaction clones it, edits the clone, and the daemon switches to the
 * clone only when everything in the transaction succeeded. On disk it is one JSON file, replaced
 * atomically (temporary file, fsync, rename, fsync of the directory), so a crash at any moment
 * leaves either the old or the new file.
 */
#ifndef LS_CONFIG_H
#define LS_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"

#define CFG_TYPE_MAX 16

/* A list of strings, each owned. */
struct strlist {
	char **v;
	size_t n;
};

void strlist_add(struct strlist *l, const char *s);
/* Removes entry 'i', keeping the order of the rest. */
void strlist_del(struct strlist *l, size_t i);
void strlist_clear(struct strlist *l);
void strlist_clone(struct strlist *dst, const struct strlist *src);

struct cfg_port {
	char name[IFNAMSIZ];
	char type[CFG_TYPE_MAX];     /* "" (system), "internal" or "lisp". */
	uint32_t ofport;             /* Assigned OpenFlow number; 0 until assigned. */
	uint32_t ofport_request;     /* Number the user asked for; 0 if none. */
	struct kv *options;         /* Sorted by key. */
	size_t n_options;
	struct strlist map_cache;    /* Static entries of a lisp port: "PREFIX [RLOC...]". */
};

struct cfg_bridge {
	char name[IFNAMSIZ];
	uint8_t mac[6];              /* Address of the bridge's internal port. */
	uint32_t next_ofport;        /* Where the search for a free number starts. */
	struct cfg_port *ports;      /* In order of addition; the internal port is implicit. */
	size_t n_ports;
	char **flows;                /* Its flows, one per line, while it does not run (flows.h). */
	size_t n_flows;
};

/* A site of the built-in map-server. */
struct cfg_site {
	char name[64];
	char *key;                   /* The shared secret. */
	struct strlist eids;         /* EID prefixes it may register, "[IID]A/LEN". */
};

struct cfg {
	struct cfg_bridge *bridges;  /* In order of creation. */
	size_t n_bridges;
	struct cfg_site *sites;      /* In order of creation. */
	size_t n_sites;
};

void cfg_init(struct cfg *cfg);
void cfg_free(struct cfg *cfg);
void cfg_clone(struct cfg *dst, const struct cfg *src);

/* Loads 'path' into 'cfg'; a missing file is an empty config. 0, or -1 with 'err' filled. */
int cfg_load(struct cfg *cfg, const char *path, char *err, size_t err_size);
/* Replaces 'path' atomically with 'cfg'. 0, or -1 with 'err' filled. */
int cfg_save(const struct cfg *cfg, const char *path, char *err, size_t err_size);

struct cfg_bridge *cfg_find_bridge(const struct cfg *cfg, const char *name);
/* Finds the port 'name' on any bridge; 'bridgep' (if nonnull) gets its bridge. */
struct cfg_port *cfg_find_port(const struct cfg *cfg, const char *name,
			       struct cfg_bridge **bridgep);

struct cfg_bridge *cfg_add_bridge(struct cfg *cfg, const char *name, const uint8_t mac[6]);
void cfg_del_bridge(struct cfg *cfg, struct cfg_bridge *br);
struct cfg_port *cfg_add_port(struct cfg_bridge *br, const char *name);
void cfg_del_port(struct cfg_bridge *br, struct cfg_port *port);

struct cfg_site *cfg_find_site(const struct cfg *cfg, const char *name);
struct cfg_site *cfg_add_site(struct cfg *cfg, const char *name, const char *key);
void cfg_del_site(struct cfg *cfg, struct cfg_site *site);

/* Sets the flows of 'br' to the 'n' lines of 'flows' (copied). */
void cfg_flows_set(struct cfg_bridge *br, const char *const *flows, size_t n);
void cfg_flows_clear(struct cfg_bridge *br);

const char *cfg_option_get(const struct cfg_port *port, const char *key);
void cfg_option_set(struct cfg_port *port, const char *key, const char *value);
void cfg_option_clear(struct cfg_port *port);

/*
 * Gives every port of 'br' without a number one: its request if free, else the next free
 * number from 'next_ofport' up. Returns false if a request collides with another port's number
 * ('*bad' is the requesting port, 'err' says which port has the number).
 */
bool cfg_assign_ofports(struct cfg_bridge *br, const struct cfg_port **bad, char *err,
			size_t err_size);

/* Whether 'name' is usable as an interface name (1-15 bytes, no '/', ':' or whitespace). */
bool cfg_valid_ifname(const char *name);

#endif

/*
 * The daemon's side of the LISP control plane: the built-in map-server's sites and the lisp
 * ports' static map-cache entries follow the configuration, the control endpoint's sockets are
 * watched by the main loop, and the xTRs' and map-server's timers run on its tick.
 */
#ifndef LS_MAPPING_H
#define LS_MAPPING_H

#include <stddef.h>
#include <stdint.h>

struct cfg;
struct cfg_port;
struct map_server;

void mapping_init(void);
void mapping_uninit(void);
/* Makes the map-server, static map-cache entries and watched sockets match 'cfg'. */
void mapping_apply(const struct cfg *cfg);
void mapping_run(int64_t now_ms);
struct map_server *mapping_server(void);

/* Checks that 'cfg's sites can all be served together; -1 with 'err' if not. */
int mapping_check_sites(const struct cfg *cfg, char *err, size_t err_size);
/*
 * Parses a static map-cache line "PREFIX [RLOC...]" of port 'p' (bare prefixes in the port's
 * instance 'iid') into 'r'; -1 with 'err' if it is not one.
 */
struct lisp_record;
int mapping_parse_static(const char *line, uint32_t iid, struct lisp_record *r, char *err,
			 size_t err_size);

#endif

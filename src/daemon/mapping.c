#include "mapping.h"

#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "bridge.h"
#include "config.h"
#include "lisp-cfg.h"
#include "lisp-cp.h"
#include "lisp-port.h"
#include "lisp-xtr.h"
#include "log.h"
#include "loop.h"
#include "map-server.h"
#include "netdev.h"
#include "util.h"

static struct map_server server;
static bool holds_endpoint;              /* The map-server's reference on the endpoint. */
static unsigned int watched_generation;  /* Of the endpoint's sockets being watched. */
static struct loop_source *watch[2];

static void
send_cb(void *aux UNUSED, const struct in6_addr *dst, uint16_t port, const uint8_t *msg,
	size_t len)
{
	lisp_cp_send(dst, port, msg, len);
}

void
mapping_init(void)
{
	map_server_init(&server, send_cb, NULL);
	lisp_cp_set_map_server(&server);
}

static void
unwatch(int i)
{
	if (watch[i])
		loop_remove(watch[i]);
	watch[i] = NULL;
}

void
mapping_uninit(void)
{
	for (int i = 0; i < 2; i++)
		unwatch(i);
	if (holds_endpoint)
		lisp_cp_put();
	holds_endpoint = false;
	lisp_cp_set_map_server(NULL);
	map_server_destroy(&server);
}

struct map_server *
mapping_server(void)
{
	return &server;
}

static void
endpoint_input(void *arg, uint32_t events UNUSED)
{
	lisp_cp_input((int)(intptr_t)arg, time_msec());
}

/* Watches the endpoint's sockets as they are now (opened or closed by the last change). */
static void
sync_watch(void)
{
	int fds[2];

	if (lisp_cp_generation() == watched_generation)
		return;
	watched_generation = lisp_cp_generation();
	lisp_cp_fds(fds);
	for (int i = 0; i < 2; i++) {
		unwatch(i);
		if (fds[i] >= 0)
			watch[i] = loop_add(fds[i], EPOLLIN, endpoint_input, (void *)(intptr_t)fds[i]);
	}
}

/* Parses the EID prefixes of site 's' into 'out'; -1 with 'err' naming the bad one. */
static int
site_prefixes(const struct cfg_site *s, struct lisp_prefix *out, char *err, size_t err_size)
{
	if (s->eids.n > MS_SITE_PREFIXES_MAX) {
		snprintf(err, err_size, "more than %d EID prefixes", MS_SITE_PREFIXES_MAX);
		return -1;
	}
	for (size_t i = 0; i < s->eids.n; i++) {
		if (!lisp_prefix_parse(s->eids.v[i], 0, &out[i])) {
			snprintf(err, err_size, "\"%.64s\": not an EID prefix ([IID]ADDRESS/LENGTH)",
				 s->eids.v[i]);
			return -1;
		}
	}
	return 0;
}

/* Adds the sites of 'cfg' to 'ms' that it does not have yet. */
static int
add_sites(struct map_server *ms, const struct cfg *cfg, char *err, size_t err_size)
{
	for (size_t i = 0; i < cfg->n_sites; i++) {
		const struct cfg_site *s = &cfg->sites[i];
		struct lisp_prefix p[MS_SITE_PREFIXES_MAX];

		if (map_server_find_site(ms, s->name))
			continue;
		if (site_prefixes(s, p, err, err_size) < 0 ||
		    map_server_add_site(ms, s->name, s->key, p, s->eids.n, err, err_size) < 0) {
			log_dbg(MAPCACHE, "map-server: site %s: %s", s->name, err);
			return -1;
		}
	}
	return 0;
}

int
mapping_check_sites(const struct cfg *cfg, char *err, size_t err_size)
{
	struct map_server trial;
	int r;

	map_server_init(&trial, send_cb, NULL);
	r = add_sites(&trial, cfg, err, err_size);
	map_server_destroy(&trial);
	return r;
}

/* Whether the running site 'ms_site' is exactly configured site 's' (registrations kept). */
static bool
site_unchanged(const struct ms_site *ms_site, const struct cfg_site *s)
{
	struct lisp_prefix p[MS_SITE_PREFIXES_MAX];
	char err[256];

	if (strcmp(ms_site->key, s->key) || ms_site->n_prefixes != s->eids.n ||
	    site_prefixes(s, p, err, sizeof err) < 0)
		return false;
	for (size_t i = 0; i < s->eids.n; i++)
		if (!lisp_prefix_equal(&p[i], &ms_site->prefixes[i]))
			return false;
	return true;
}

static void
apply_sites(const struct cfg *cfg)
{
	char err[256];

	/* Sites removed or changed go (with their registrations); the rest keep theirs. */
	for (size_t i = 0; i < server.n_sites;) {
		const struct cfg_site *s = cfg_find_site(cfg, server.sites[i].name);

		if (s && site_unchanged(&server.sites[i], s))
			i++;
		else
			map_server_del_site(&server, server.sites[i].name);
	}
	if (add_sites(&server, cfg, err, sizeof err) < 0)
		log_err(MAPCACHE, "map-server: a site could not be installed: %s", err);
	if (server.n_sites && !holds_endpoint) {
		int e = lisp_cp_get();

		if (e < 0)
			log_err(MAPCACHE, "map-server: cannot open UDP port %d: %s", 4342,
				strerror(-e));
		holds_endpoint = e == 0;
	} else if (!server.n_sites && holds_endpoint) {
		lisp_cp_put();
		holds_endpoint = false;
	}
}

int
mapping_parse_static(const char *line, uint32_t iid, struct lisp_record *r, char *err,
		     size_t err_size)
{
	char buf[1024], *save = NULL, *tok;

	memset(r, 0, sizeof *r);
	r->ttl = 0xffffffff;
	r->action = LISP_ACT_DROP;
	if (!str_copy(buf, line, sizeof buf) || !(tok = strtok_r(buf, " ", &save)) ||
	    !lisp_prefix_parse(tok, iid, &r->eid) || r->eid.iid > 0xffffff) {
		snprintf(err, err_size, "\"%.64s\": not an EID prefix ([IID]ADDRESS/LENGTH)", line);
		return -1;
	}
	while ((tok = strtok_r(NULL, " ", &save))) {
		struct lisp_locator *l = &r->locators[r->n_locators];

		if (r->n_locators == LISP_MAX_LOCATORS || !lisp_addr_parse(tok, &l->rloc)) {
			snprintf(err, err_size, "\"%.64s\": not an RLOC address, or more than %d",
				 tok, LISP_MAX_LOCATORS);
			return -1;
		}
		l->priority = 1;
		l->weight = 1;
		l->mpriority = 255;
		l->reachable = true;
		r->n_locators++;
	}
	return 0;
}

/* Makes the static entries of lisp port 'p' those of its configuration. */
static void
apply_static(const struct cfg_port *p)
{
	size_t n_bridges;
	struct bridge **brs = bridge_all(&n_bridges);
	struct port *port = NULL;
	struct mc_entry *e, *next;
	struct map_cache *mc;
	uint32_t iid;

	for (size_t i = 0; !port && i < n_bridges; i++)
		port = bridge_port_find(brs[i], p->name);
	if (!port || port->ofport.netdev->class != &netdev_lisp_class)
		return;
	mc = lisp_xtr_cache(lisp_port_xtr(port->ofport.netdev));
	for (e = map_cache_next(mc, NULL); e; e = next) {
		next = map_cache_next(mc, e);
		if (e->source == MC_STATIC)
			map_cache_remove(mc, e);
	}
	iid = (uint32_t)MAX(lisp_port_cfg(port->ofport.netdev)->out_key, 0);
	for (size_t i = 0; i < p->map_cache.n; i++) {
		struct lisp_record r;
		char err[256] = "the map-cache is full";

		if (mapping_parse_static(p->map_cache.v[i], iid, &r, err, sizeof err) < 0 ||
		    !map_cache_put(mc, &r, MC_STATIC, time_msec()))
			log_err(MAPCACHE, "%s: static map-cache entry not installed: %s", p->name,
				err);
	}
}

void
mapping_apply(const struct cfg *cfg)
{
	apply_sites(cfg);
	for (size_t i = 0; i < cfg->n_bridges; i++)
		for (size_t j = 0; j < cfg->bridges[i].n_ports; j++)
			if (!strcmp(cfg->bridges[i].ports[j].type, "lisp"))
				apply_static(&cfg->bridges[i].ports[j]);
	sync_watch();
}

void
mapping_run(int64_t now_ms)
{
	lisp_cp_run(now_ms);
	/* Ports reopened since may have opened or closed the endpoint. */
	sync_watch();
}

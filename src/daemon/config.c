#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <obstack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flow.h"
#include "util.h"

#define CFG_VERSION 1

void
cfg_init(struct cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
}

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

void
strlist_del(struct strlist *l, size_t i)
{
	free(l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
	l->n--;
}

void
strlist_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
strlist_clone(struct strlist *dst, const struct strlist *src)
{
	memset(dst, 0, sizeof *dst);
	for (size_t i = 0; i < src->n; i++)
		strlist_add(dst, src->v[i]);
}

static json_t *
strlist_to_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

/* Fills 'l' from JSON array 'a' of strings (NULL: empty); false if it is not one. */
static bool
strlist_from_json(struct strlist *l, json_t *a)
{
	json_t *v;
	size_t i;

	if (a && !json_is_array(a))
		return false;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return false;
		strlist_add(l, json_string_value(v));
	}
	return true;
}

static void
port_free(struct cfg_port *p)
{
	cfg_option_clear(p);
	strlist_clear(&p->map_cache);
}

static void
site_free(struct cfg_site *s)
{
	free(s->key);
	strlist_clear(&s->eids);
}

struct cfg_site *
cfg_find_site(const struct cfg *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_sites; i++)
		if (!strcmp(cfg->sites[i].name, name))
			return &cfg->sites[i];
	return NULL;
}

struct cfg_site *
cfg_add_site(struct cfg *cfg, const char *name, const char *key)
{
	struct cfg_site *s;

	cfg->sites = xrealloc(cfg->sites, (cfg->n_sites + 1) * sizeof *cfg->sites);
	s = &cfg->sites[cfg->n_sites++];
	memset(s, 0, sizeof *s);
	str_copy(s->name, name, sizeof s->name);
	s->key = xstrdup(key);
	return s;
}

void
cfg_del_site(struct cfg *cfg, struct cfg_site *s)
{
	size_t i = (size_t)(s - cfg->sites);

	site_free(s);
	memmove(s, s + 1, (cfg->n_sites - i - 1) * sizeof *s);
	cfg->n_sites--;
}

static void
bridge_free(struct cfg_bridge *b)
{
	for (size_t i = 0; i < b->n_ports; i++)
		port_free(&b->ports[i]);
	free(b->ports);
	cfg_flows_clear(b);
}

void
cfg_flows_clear(struct cfg_bridge *b)
{
	for (size_t i = 0; i < b->n_flows; i++)
		free(b->flows[i]);
	free(b->flows);
	b->flows = NULL;
	b->n_flows = 0;
}

void
cfg_flows_set(struct cfg_bridge *b, const char *const *flows, size_t n)
{
	cfg_flows_clear(b);
	b->flows = xcalloc(n ? n : 1, sizeof *b->flows);
	for (size_t i = 0; i < n; i++)
		b->flows[i] = xstrdup(flows[i]);
	b->n_flows = n;
}

void
cfg_free(struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_bridges; i++)
		bridge_free(&cfg->bridges[i]);
	free(cfg->bridges);
	for (size_t i = 0; i < cfg->n_sites; i++)
		site_free(&cfg->sites[i]);
	free(cfg->sites);
	cfg_init(cfg);
}

static void
port_clone(struct cfg_port *dst, const struct cfg_port *src)
{
	*dst = *src;
	dst->options = xcalloc(src->n_options, sizeof *dst->options);
	for (size_t i = 0; i < src->n_options; i++) {
		dst->options[i].key = xstrdup(src->options[i].key);
		dst->options[i].value = xstrdup(src->options[i].value);
	}
	strlist_clone(&dst->map_cache, &src->map_cache);
}

void
cfg_clone(struct cfg *dst, const struct cfg *src)
{
	dst->n_bridges = src->n_bridges;
	dst->bridges = xcalloc(src->n_bridges, sizeof *dst->bridges);
	for (size_t i = 0; i < src->n_bridges; i++) {
		const struct cfg_bridge *sb = &src->bridges[i];
		struct cfg_bridge *db = &dst->bridges[i];

		*db = *sb;
		db->ports = xcalloc(sb->n_ports, sizeof *db->ports);
		for (size_t j = 0; j < sb->n_ports; j++)
			port_clone(&db->ports[j], &sb->ports[j]);
		db->flows = NULL;
		db->n_flows = 0;
		cfg_flows_set(db, (const char *const *)sb->flows, sb->n_flows);
	}
	dst->n_sites = src->n_sites;
	dst->sites = xcalloc(src->n_sites ? src->n_sites : 1, sizeof *dst->sites);
	for (size_t i = 0; i < src->n_sites; i++) {
		dst->sites[i] = src->sites[i];
		dst->sites[i].key = xstrdup(src->sites[i].key);
		strlist_clone(&dst->sites[i].eids, &src->sites[i].eids);
	}
}

struct cfg_bridge *
cfg_find_bridge(const struct cfg *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_bridges; i++)
		if (!strcmp(cfg->bridges[i].name, name))
			return &cfg->bridges[i];
	return NULL;
}

struct cfg_port *
cfg_find_port(const struct cfg *cfg, const char *name, struct cfg_bridge **bridgep)
{
	for (size_t i = 0; i < cfg->n_bridges; i++) {
		struct cfg_bridge *b = &cfg->bridges[i];

		for (size_t j = 0; j < b->n_ports; j++) {
			if (!strcmp(b->ports[j].name, name)) {
				if (bridgep)
					*bridgep = b;
				return &b->ports[j];
			}
		}
	}
	return NULL;
}

struct cfg_bridge *
cfg_add_bridge(struct cfg *cfg, const char *name, const uint8_t mac[6])
{
	struct cfg_bridge *b;

	cfg->bridges = xrealloc(cfg->bridges, (cfg->n_bridges + 1) * sizeof *cfg->bridges);
	b = &cfg->bridges[cfg->n_bridges++];
	memset(b, 0, sizeof *b);
	str_copy(b->name, name, sizeof b->name);
	memcpy(b->mac, mac, 6);
	b->next_ofport = 1;
	return b;
}

void
cfg_del_bridge(struct cfg *cfg, struct cfg_bridge *b)
{
	size_t i = (size_t)(b - cfg->bridges);

	bridge_free(b);
	memmove(b, b + 1, (cfg->n_bridges - i - 1) * sizeof *b);
	cfg->n_bridges--;
}

struct cfg_port *
cfg_add_port(struct cfg_bridge *b, const char *name)
{
	struct cfg_port *p;

	b->ports = xrealloc(b->ports, (b->n_ports + 1) * sizeof *b->ports);
	p = &b->ports[b->n_ports++];
	memset(p, 0, sizeof *p);
	str_copy(p->name, name, sizeof p->name);
	return p;
}

void
cfg_del_port(struct cfg_bridge *b, struct cfg_port *p)
{
	size_t i = (size_t)(p - b->ports);

	port_free(p);
	memmove(p, p + 1, (b->n_ports - i - 1) * sizeof *p);
	b->n_ports--;
}

const char *
cfg_option_get(const struct cfg_port *p, const char *key)
{
	return kv_get(p->options, p->n_options, key);
}

void
cfg_option_set(struct cfg_port *p, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < p->n_options; i++) {
		int cmp = strcmp(p->options[i].key, key);

		if (!cmp) {
			free(p->options[i].value);
			p->options[i].value = xstrdup(value);
			return;
		}
		if (cmp > 0)
			break;
	}
	p->options = xrealloc(p->options, (p->n_options + 1) * sizeof *p->options);
	memmove(&p->options[i + 1], &p->options[i], (p->n_options - i) * sizeof *p->options);
	p->options[i].key = xstrdup(key);
	p->options[i].value = xstrdup(value);
	p->n_options++;
}

void
cfg_option_clear(struct cfg_port *p)
{
	for (size_t i = 0; i < p->n_options; i++) {
		free(p->options[i].key);
		free(p->options[i].value);
	}
	free(p->options);
	p->options = NULL;
	p->n_options = 0;
}

/* The port other than 'except' that has number 'ofport', or NULL. */
static const struct cfg_port *
ofport_owner(const struct cfg_bridge *b, uint32_t ofport, const struct cfg_port *except)
{
	for (size_t i = 0; i < b->n_ports; i++)
		if (&b->ports[i] != except && b->ports[i].ofport == ofport)
			return &b->ports[i];
	return NULL;
}

static bool
ofport_used(const struct cfg_bridge *b, uint32_t ofport, const struct cfg_port *except)
{
	return ofport_owner(b, ofport, except) != NULL;
}

bool
cfg_assign_ofports(struct cfg_bridge *b, const struct cfg_port **bad, char *err,
		   size_t err_size)
{
	for (size_t i = 0; i < b->n_ports; i++) {
		struct cfg_port *p = &b->ports[i];
		const struct cfg_port *owner;

		if (p->ofport_request && p->ofport != p->ofport_request) {
			if ((owner = ofport_owner(b, p->ofport_request, p))) {
				snprintf(err, err_size, "ofport_request %u is in use by port %s",
					 p->ofport_request, owner->name);
				*bad = p;
				return false;
			}
			p->ofport = p->ofport_request;
		}
	}
	for (size_t i = 0; i < b->n_ports; i++) {
		struct cfg_port *p = &b->ports[i];

		if (p->ofport)
			continue;
		/* Numbers are not reused at once, so stale flows do not catch a new port. */
		while (ofport_used(b, b->next_ofport, NULL))
			b->next_ofport = b->next_ofport % (OFPP_MAX - 1) + 1;
		p->ofport = b->next_ofport;
		b->next_ofport = b->next_ofport % (OFPP_MAX - 1) + 1;
	}
	return true;
}

bool
cfg_valid_ifname(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c) || !isprint((unsigned char)*c))
			return false;
	return true;
}

/* --- JSON encoding. --- */

static json_t *
port_to_json(const struct cfg_port *p)
{
	json_t *opts = json_object();

	for (size_t i = 0; i < p->n_options; i++)
		json_object_set_new(opts, p->options[i].key, json_string(p->options[i].value));
	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:o}", "name", p->name, "type", p->type,
			      "ofport", (json_int_t)p->ofport, "ofport_request",
			      (json_int_t)p->ofport_request, "options", opts);

	if (p->map_cache.n)
		json_object_set_new(j, "map_cache", strlist_to_json(&p->map_cache));
	return j;
}

static json_t *
bridge_to_json(const struct cfg_bridge *b)
{
	json_t *ports = json_array(), *flows = json_array();
	char mac[18];

	for (size_t i = 0; i < b->n_ports; i++)
		json_array_append_new(ports, port_to_json(&b->ports[i]));
	for (size_t i = 0; i < b->n_flows; i++)
		json_array_append_new(flows, json_string(b->flows[i]));
	snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", b->mac[0], b->mac[1],
		 b->mac[2], b->mac[3], b->mac[4], b->mac[5]);
	return json_pack("{s:s, s:s, s:I, s:o, s:o}", "name", b->name, "mac", mac, "next_ofport",
			 (json_int_t)b->next_ofport, "ports", ports, "flows", flows);
}

static json_t *
cfg_to_json(const struct cfg *cfg)
{
	json_t *bridges = json_array(), *sites = json_array();

	for (size_t i = 0; i < cfg->n_bridges; i++)
		json_array_append_new(bridges, bridge_to_json(&cfg->bridges[i]));
	for (size_t i = 0; i < cfg->n_sites; i++)
		json_array_append_new(sites, json_pack("{s:s, s:s, s:o}", "name",
						       cfg->sites[i].name, "key",
						       cfg->sites[i].key, "eid_prefixes",
						       strlist_to_json(&cfg->sites[i].eids)));
	json_t *root = json_pack("{s:i, s:o}", "version", CFG_VERSION, "bridges", bridges);

	if (json_array_size(sites))
		json_object_set_new(root, "map_server_sites", sites);
	else
		json_decref(sites);
	return root;
}

/* A name already used by a bridge or a port of 'cfg' cannot be used again. */
static bool
name_taken(const struct cfg *cfg, const char *name)
{
	return cfg_find_bridge(cfg, name) || cfg_find_port(cfg, name, NULL);
}

static bool
port_from_json(const struct cfg *cfg, struct cfg_bridge *b, json_t *j)
{
	const char *name, *type, *key;
	json_int_t ofport, req;
	json_t *opts, *val, *map_cache = NULL;
	struct cfg_port *p;

	if (json_unpack(j, "{s:s, s:s, s:I, s:I, s:o, s?o}", "name", &name, "type", &type,
			"ofport", &ofport, "ofport_request", &req, "options", &opts,
			"map_cache", &map_cache) ||
	    !cfg_valid_ifname(name) || strlen(type) >= CFG_TYPE_MAX || ofport < 0 ||
	    ofport >= OFPP_MAX || req < 0 || req >= OFPP_MAX || !json_is_object(opts) ||
	    name_taken(cfg, name) || (ofport && ofport_used(b, (uint32_t)ofport, NULL)))
		return false;
	p = cfg_add_port(b, name);
	str_copy(p->type, type, sizeof p->type);
	p->ofport = (uint32_t)ofport;
	p->ofport_request = (uint32_t)req;
	if (!strlist_from_json(&p->map_cache, map_cache))
		return false;
	json_object_foreach(opts, key, val) {
		if (!json_is_string(val))
			return false;
		cfg_option_set(p, key, json_string_value(val));
	}
	return true;
}

/* Exactly "xx:xx:xx:xx:xx:xx" in hex. */
static bool
parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    (i < 5 && p[2] != ':'))
			return false;
		mac[i] = (uint8_t)strtoul((char[3]){ p[0], p[1], '\0' }, NULL, 16);
	}
	return true;
}

static bool
bridge_from_json(struct cfg *cfg, json_t *j)
{
	const char *name, *mac;
	json_int_t next;
	json_t *ports, *p, *flows = NULL;
	struct cfg_bridge *b;
	uint8_t mac8[6];
	size_t i;

	if (json_unpack(j, "{s:s, s:s, s:I, s:o, s?o}", "name", &name, "mac", &mac, "next_ofport",
			&next, "ports", &ports, "flows", &flows) ||
	    !cfg_valid_ifname(name) || !json_is_array(ports) || next < 1 || next >= OFPP_MAX ||
	    !parse_mac(mac, mac8) || name_taken(cfg, name) || (flows && !json_is_array(flows)))
		return false;
	b = cfg_add_bridge(cfg, name, mac8);
	b->next_ofport = (uint32_t)next;
	json_array_foreach(ports, i, p)
		if (!port_from_json(cfg, b, p))
			return false;
	b->flows = xcalloc(json_array_size(flows) + 1, sizeof *b->flows);
	json_array_foreach(flows, i, p) {
		if (!json_is_string(p))
			return false;
		b->flows[b->n_flows++] = xstrdup(json_string_value(p));
	}
	return true;
}

static bool
site_from_json(struct cfg *cfg, json_t *j)
{
	const char *name, *key;
	json_t *eids;

	if (json_unpack(j, "{s:s, s:s, s:o}", "name", &name, "key", &key, "eid_prefixes", &eids) ||
	    !*name || strlen(name) >= sizeof cfg->sites->name || cfg_find_site(cfg, name) ||
	    !json_is_array(eids))
		return false;
	return strlist_from_json(&cfg_add_site(cfg, name, key)->eids, eids);
}

/*
 * The parsed tree of the file is allocated in an obstack, dropped whole once the file is read.
 * With 100,000 static map-cache entries the file is 12 MB and its tree several times that, in
 * small pieces; from the ordinary heap they would be interleaved with the lines and options
 * the configuration keeps, and freeing the tree would leave most of its pages resident, held
 * by a kept line each (5 MiB here). Nothing of the tree outlives cfg_load(): what the
 * configuration keeps is copied out of it.
 */
#define obstack_chunk_alloc xmalloc
#define obstack_chunk_free free
#define LOAD_CHUNK (1 << 20)

static struct obstack load_arena;

static void *
load_alloc(size_t n)
{
	return obstack_alloc(&load_arena, n);
}

static void
load_free(void *p UNUSED)
{
}

static json_t *
load_json(FILE *f, json_error_t *jerr)
{
	json_t *root;

	obstack_begin(&load_arena, LOAD_CHUNK);
	json_set_alloc_funcs(load_alloc, load_free);
	root = json_loadf(f, JSON_REJECT_DUPLICATES, jerr);
	json_set_alloc_funcs(malloc, free);
	return root;
}

/* Frees the tree load_json() returned, or the arena of a failed parse (NULL). */
static void
unload_json(json_t *root)
{
	json_set_alloc_funcs(load_alloc, load_free);
	json_decref(root);
	json_set_alloc_funcs(malloc, free);
	obstack_free(&load_arena, NULL);
}

int
cfg_load(struct cfg *cfg, const char *path, char *err, size_t err_size)
{
	json_error_t jerr;
	json_t *root, *bridges, *b, *sites = NULL;
	int version;
	FILE *f;
	size_t i;

	cfg_init(cfg);
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	root = load_json(f, &jerr);
	fclose(f);
	if (!root) {
		snprintf(err, err_size, "%s: line %d: %s", path, jerr.line, jerr.text);
		unload_json(NULL);
		return -1;
	}
	if (json_unpack(root, "{s:i, s:o, s?o}", "version", &version, "bridges", &bridges,
			"map_server_sites", &sites) ||
	    version != CFG_VERSION || !json_is_array(bridges) || (sites && !json_is_array(sites))) {
		snprintf(err, err_size, "%s: not a lispswitch version %d configuration", path,
			 CFG_VERSION);
		goto fail;
	}
	json_array_foreach(bridges, i, b) {
		if (!bridge_from_json(cfg, b)) {
			snprintf(err, err_size, "%s: bridge #%zu is malformed", path, i + 1);
			goto fail;
		}
	}
	json_array_foreach(sites, i, b) {
		if (!site_from_json(cfg, b)) {
			snprintf(err, err_size, "%s: map-server site #%zu is malformed", path, i + 1);
			goto fail;
		}
	}
	unload_json(root);
	return 0;
fail:
	unload_json(root);
	cfg_free(cfg);
	return -1;
}

static int
fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Writes 'root' to new file 'path', readable by its owner only (it holds keys), and syncs it. */
static int
write_private(const char *path, const json_t *root)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), r;

	if (fd < 0)
		return -1;
	r = fchmod(fd, 0600) < 0 || json_dumpfd(root, fd, JSON_INDENT(1) | JSON_SORT_KEYS) < 0 ||
	    fsync(fd) < 0 ? -1 : 0;
	if (close(fd) < 0)
		r = -1;
	return r;
}

int
cfg_save(const struct cfg *cfg, const char *path, char *err, size_t err_size)
{
	char *tmp = xasprintf("%s.tmp", path);
	char *dir = xstrdup(path), *slash;
	json_t *root = cfg_to_json(cfg);
	int r = -1;

	if (write_private(tmp, root) < 0 || rename(tmp, path) < 0) {
		snprintf(err, err_size, "%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	/* The rename itself must reach the disk before we report success. */
	fsync_path(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
	r = 0;
out:
	json_decref(root);
	free(tmp);
	free(dir);
	return r;
}

#include "lisp-cfg.h"

#include <stdio.h>
#include <string.h>

#include "lisp-auth.h"
#include "lisp-dp.h"
#include "pkt.h"
#include "util.h"

struct option_desc {
	const char *name;
	int (*parse)(const char *value, struct lisp_cfg *cfg, const char **why);
};

void
lisp_v4_mapped(struct in6_addr *a, uint32_t v4)
{
	memset(a, 0, sizeof *a);
	a->s6_addr[10] = a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], &v4, 4);
}

void
lisp_tunnel_addrs(const struct pkt_tunnel *t, struct in6_addr *src, struct in6_addr *dst)
{
	if (t->ipv4_src || t->ipv4_dst) {
		lisp_v4_mapped(src, t->ipv4_src);
		lisp_v4_mapped(dst, t->ipv4_dst);
	} else {
		*src = t->ipv6_src;
		*dst = t->ipv6_dst;
	}
}

static bool
parse_addr(const char *v, struct lisp_addr *a)
{
	memset(a, 0, sizeof *a);
	if (!strcmp(v, "flow")) {
		a->flow = true;
		return true;
	}
	return (a->set = lisp_addr_parse(v, &a->addr));
}

static int
opt_remote(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not an IPv4 or IPv6 address, or \"flow\"";
	return parse_addr(v, &cfg->remote) ? 0 : -1;
}

static int
opt_local(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not an IPv4 or IPv6 address, or \"flow\"";
	return parse_addr(v, &cfg->local) ? 0 : -1;
}

static int
parse_key(const char *v, int64_t *key, const char **why)
{
	uint64_t n;

	if (!strcmp(v, "flow")) {
		*key = LISP_FROM_FLOW;
		return 0;
	}
	if (!str_to_u64(v, UINT64_MAX, &n)) {
		*why = "not a number or \"flow\"";
		return -1;
	}
	if (n > LISP_IID_MAX) {
		*why = "larger than 16777215 (LISP instance IDs are 24 bits)";
		return -1;
	}
	*key = (int64_t)n;
	return 0;
}

static int
opt_key(const char *v, struct lisp_cfg *cfg, const char **why)
{
	int r = parse_key(v, &cfg->in_key, why);

	cfg->out_key = cfg->in_key;
	return r;
}

static int
opt_in_key(const char *v, struct lisp_cfg *cfg, const char **why)
{
	return parse_key(v, &cfg->in_key, why);
}

static int
opt_out_key(const char *v, struct lisp_cfg *cfg, const char **why)
{
	return parse_key(v, &cfg->out_key, why);
}

static int
opt_dst_port(const char *v, struct lisp_cfg *cfg, const char **why)
{
	uint64_t n;

	*why = "not a UDP port (1 to 65535)";
	if (!str_to_u64(v, 65535, &n) || !n)
		return -1;
	cfg->dst_port = (uint16_t)n;
	return 0;
}

static int
parse_u8_or_inherit(const char *v, int min, int *out)
{
	uint64_t n;

	if (!strcmp(v, "inherit")) {
		*out = -1;
		return 0;
	}
	if (!str_to_u64(v, 255, &n) || (int)n < min)
		return -1;
	*out = (int)n;
	return 0;
}

static int
opt_ttl(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not 1 to 255 or \"inherit\"";
	return parse_u8_or_inherit(v, 1, &cfg->ttl);
}

static int
opt_tos(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not 0 to 255 or \"inherit\"";
	return parse_u8_or_inherit(v, 0, &cfg->tos);
}

static int
parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "false"))
		*out = false;
	else
		return -1;
	return 0;
}

static int
opt_df(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not true or false";
	return parse_bool(v, &cfg->df);
}

static int
opt_csum(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not true or false";
	return parse_bool(v, &cfg->csum6);
}

static int
opt_resolver(const char *v, struct lisp_cfg *cfg, const char **why)
{
	struct lisp_addr a;

	*why = "not an IPv4 or IPv6 address";
	if (!parse_addr(v, &a) || !a.set)
		return -1;
	cfg->cp.has_resolver = true;
	cfg->cp.resolver = a.addr;
	return 0;
}

/* Calls 'one' on each comma-separated item of 'v' (at most 'max' of them). */
static int
parse_list(const char *v, size_t max, int (*one)(const char *item, struct lisp_cfg *cfg),
	   struct lisp_cfg *cfg)
{
	char buf[1024], *save = NULL;
	size_t n = 0;

	if (!str_copy(buf, v, sizeof buf))
		return -1;
	for (char *item = strtok_r(buf, ", ", &save); item; item = strtok_r(NULL, ", ", &save))
		if (++n > max || one(item, cfg))
			return -1;
	return n ? 0 : -1;
}

static int
one_server(const char *item, struct lisp_cfg *cfg)
{
	struct lisp_addr a;

	if (!parse_addr(item, &a) || !a.set)
		return -1;
	cfg->cp.servers[cfg->cp.n_servers++] = a.addr;
	return 0;
}

static int
opt_servers(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not a list of 1 to 4 IPv4 or IPv6 addresses";
	cfg->cp.n_servers = 0;
	return parse_list(v, LISP_CP_SERVERS_MAX, one_server, cfg);
}

static int
opt_key_secret(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "empty or longer than 255 bytes";
	return *v && str_copy(cfg->cp.key, v, sizeof cfg->cp.key) ? 0 : -1;
}

static int
opt_auth(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not sha256 or sha1";
	return lisp_auth_alg_parse(v, &cfg->cp.auth_alg) ? 0 : -1;
}

static int
one_eid(const char *item, struct lisp_cfg *cfg)
{
	uint32_t iid = cfg->in_key == LISP_FROM_FLOW ? 0 : (uint32_t)cfg->in_key;
	struct lisp_prefix *p = &cfg->cp.eids[cfg->cp.n_eids];

	if (!lisp_prefix_parse(item, iid, p) || p->iid > LISP_IID_MAX)
		return -1;
	cfg->cp.n_eids++;
	return 0;
}

static int
opt_eids(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not a list of 1 to 16 EID prefixes ([IID]ADDRESS/LENGTH, IID < 2^24)";
	cfg->cp.n_eids = 0;
	return parse_list(v, LISP_CP_EIDS_MAX, one_eid, cfg);
}

static int
opt_rloc(const char *v, struct lisp_cfg *cfg, const char **why)
{
	struct lisp_addr a;

	*why = "not an IPv4 or IPv6 address";
	if (!parse_addr(v, &a) || !a.set)
		return -1;
	cfg->cp.has_rloc = true;
	cfg->cp.rloc = a.addr;
	return 0;
}

static int
opt_proxy_reply(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not true or false";
	return parse_bool(v, &cfg->cp.proxy_reply);
}

static int
parse_seconds(const char *v, uint64_t min, unsigned int *out)
{
	uint64_t n;

	if (!str_to_u64(v, 86400, &n) || n < min)
		return -1;
	*out = (unsigned int)n;
	return 0;
}

static int
opt_probe(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not 0 (off) to 86400 seconds";
	return parse_seconds(v, 0, &cfg->cp.probe_s);
}

static int
opt_request_interval(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not 1 to 86400 seconds";
	return parse_seconds(v, 1, &cfg->cp.request_s);
}

static int
opt_register_interval(const char *v, struct lisp_cfg *cfg, const char **why)
{
	*why = "not 1 to 86400 seconds";
	return parse_seconds(v, 1, &cfg->cp.register_s);
}

static int
opt_cache_size(const char *v, struct lisp_cfg *cfg, const char **why)
{
	uint64_t n;

	*why = "not 1 to 10000000 entries";
	if (!str_to_u64(v, 10000000, &n) || !n)
		return -1;
	cfg->cp.cache_size = n;
	return 0;
}

static const struct option_desc options_table[] = {
	{ "remote_ip", opt_remote },
	{ "local_ip", opt_local },
	{ "key", opt_key },
	{ "in_key", opt_in_key },
	{ "out_key", opt_out_key },
	{ "dst_port", opt_dst_port },
	{ "ttl", opt_ttl },
	{ "tos", opt_tos },
	{ "df_default", opt_df },
	{ "csum", opt_csum },
	{ "map_resolver", opt_resolver },
	{ "map_server", opt_servers },
	{ "map_server_key", opt_key_secret },
	{ "map_server_auth", opt_auth },
	{ "eid_prefix", opt_eids },
	{ "rloc", opt_rloc },
	{ "proxy_reply", opt_proxy_reply },
	{ "rloc_probe_interval", opt_probe },
	{ "map_request_interval", opt_request_interval },
	{ "map_register_interval", opt_register_interval },
	{ "map_cache_size", opt_cache_size },
};

bool
lisp_cfg_is_secret(const char *key)
{
	return !strcmp(key, "map_server_key");
}

static const struct option_desc *
find_option(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(options_table); i++)
		if (!strcmp(options_table[i].name, name))
			return &options_table[i];
	return NULL;
}

/* Checks that the options make sense together. */
static int
lisp_cfg_check(struct lisp_cfg *cfg, char *err, size_t err_size)
{
	if (!cfg->remote.flow && !cfg->remote.set && cfg->cp.has_resolver)
		cfg->remote.flow = true;
	if (!cfg->remote.flow && !cfg->remote.set) {
		snprintf(err, err_size, "remote_ip: required (an address or \"flow\")");
		return -1;
	}
	if (cfg->remote.set && cfg->local.set &&
	    lisp_addr_is_v4(&cfg->remote.addr) != lisp_addr_is_v4(&cfg->local.addr)) {
		snprintf(err, err_size, "local_ip and remote_ip: not of the same address family");
		return -1;
	}
	if (cfg->cp.n_servers && !cfg->cp.key[0]) {
		snprintf(err, err_size, "map_server: needs map_server_key");
		return -1;
	}
	if (cfg->cp.n_servers && !cfg->cp.n_eids) {
		snprintf(err, err_size, "map_server: needs eid_prefix (what to register)");
		return -1;
	}
	return 0;
}


int
lisp_cfg_parse(const struct kv *options, size_t n, struct lisp_cfg *cfg, char *err,
	       size_t err_size)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->dst_port = LISP_DATA_PORT;
	cfg->ttl = 64;
	cfg->df = true;
	cfg->csum6 = true;
	cfg->cp.auth_alg = LISP_AUTH_SHA256_128;
	cfg->cp.probe_s = 30;
	cfg->cp.request_s = 1;
	cfg->cp.register_s = 60;
	cfg->cp.cache_size = 100000;
	/*
	 * "key" sets both directions: apply it first so in_key/out_key can refine it, and so
	 * eid_prefix knows the instance its bare prefixes are in.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct option_desc *d = find_option(options[i].key);
			const char *why = "";

			if (!d) {
				snprintf(err, err_size, "unknown option \"%s\" for a lisp port",
					 options[i].key);
				return -1;
			}
			if ((pass == 0) != !strcmp(d->name, "key"))
				continue;
			if (d->parse(options[i].value, cfg, &why)) {
				snprintf(err, err_size, "%s \"%s\": %s", d->name,
					 lisp_cfg_is_secret(d->name) ? "(secret)" : options[i].value,
					 why);
				return -1;
			}
		}
	}
	return lisp_cfg_check(cfg, err, err_size);
}

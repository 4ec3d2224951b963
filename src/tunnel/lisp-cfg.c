#include "lisp-cfg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

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
	struct in_addr a4;

	memset(a, 0, sizeof *a);
	if (!strcmp(v, "flow")) {
		a->flow = true;
		return true;
	}
	if (inet_pton(AF_INET, v, &a4) == 1) {
		lisp_v4_mapped(&a->addr, a4.s_addr);
	} else if (inet_pton(AF_INET6, v, &a->addr) != 1) {
		return false;
	}
	a->set = true;
	return true;
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
};

static const struct option_desc *
find_option(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(options_table); i++)
		if (!strcmp(options_table[i].name, name))
			return &options_table[i];
	return NULL;
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
	/* "key" sets both directions: apply it first so in_key/out_key can refine it. */
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
				snprintf(err, err_size, "%s \"%s\": %s", d->name, options[i].value, why);
				return -1;
			}
		}
	}
	if (!cfg->remote.flow && !cfg->remote.set) {
		snprintf(err, err_size, "remote_ip: required (an address or \"flow\")");
		return -1;
	}
	if (cfg->remote.set && cfg->local.set &&
	    lisp_addr_is_v4(&cfg->remote.addr) != lisp_addr_is_v4(&cfg->local.addr)) {
		snprintf(err, err_size, "local_ip and remote_ip: not of the same address family");
		return -1;
	}
	return 0;
}

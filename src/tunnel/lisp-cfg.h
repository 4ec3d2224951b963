/*
 * A lisp port's options, as Open vSwitch's tunnel ports take them, parsed and checked:
 *   remote_ip   IPv4/IPv6 address or "flow" (required)
 *   local_ip    IPv4/IPv6 address or "flow" (default: the kernel picks the source)
 *   key         instance ID (0..16777215) or "flow", for both directions (default 0)
 *   in_key, out_key   the same, one direction each
 *   dst_port    UDP port (default 4341)
 *   ttl         1..255 or "inherit" (default 64)
 *   tos         0..255 or "inherit" (default 0); the ECN bits always follow RFC 6040
 *   df_default  true or false (default true)
 *   csum        true or false: UDP checksum over IPv6 (default true; false sends zero
 *               checksums, RFC 6935/6936). IPv4 always sends zero.
 * The LISP control plane (RFC 9301; see lisp-xtr.h), all optional:
 *   map_resolver          address of the Map-Resolver asked on a map-cache miss; with it,
 *                         remote_ip defaults to "flow"
 *   map_server            address(es) of Map-Servers to register with, comma-separated
 *   map_server_key        the shared secret (required with map_server; never shown)
 *   map_server_auth       sha256 (HMAC-SHA-256-128, default) or sha1 (HMAC-SHA-1-96)
 *   eid_prefix            the EID prefixes behind this port, comma-separated: "[IID]A/LEN" or
 *                         "A/LEN" (instance: the port's key if fixed, else 0)
 *   rloc                  the RLOC to register and answer with (default: local_ip, else the
 *                         source the kernel picks towards the map-server)
 *   proxy_reply           true: ask the Map-Server to answer for us (default false)
 *   rloc_probe_interval   seconds between RLOC probes, 0 for none (default 30)
 *   map_request_interval  seconds between Map-Requests for one EID (default 1)
 *   map_register_interval seconds between Map-Registers (default 60)
 *   map_cache_size        entries the map-cache holds at most (default 100000)
 * Unknown options are refused (OVS only warns).
 */
#ifndef LS_LISP_CFG_H
#define LS_LISP_CFG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "kv.h"
#include "lisp-msg.h"

#define LISP_FROM_FLOW (-1) /* An address or key given per packet by the flow. */

/* An IPv4 address is kept v4-mapped (::ffff:a.b.c.d). */
struct lisp_addr {
	bool flow;             /* "flow": set per packet. */
	bool set;              /* A fixed address was given. */
	struct in6_addr addr;
};

#define LISP_CP_SERVERS_MAX 4
#define LISP_CP_EIDS_MAX 16
#define LISP_CP_KEY_MAX 256

/* The control-plane options. */
struct lisp_cp_cfg {
	bool has_resolver;
	struct in6_addr resolver;
	size_t n_servers;
	struct in6_addr servers[LISP_CP_SERVERS_MAX];
	char key[LISP_CP_KEY_MAX];
	int auth_alg;                 /* enum lisp_auth_alg. */
	size_t n_eids;
	struct lisp_prefix eids[LISP_CP_EIDS_MAX];
	bool has_rloc;
	struct in6_addr rloc;
	bool proxy_reply;
	unsigned int probe_s, request_s, register_s;
	size_t cache_size;
};

struct lisp_cfg {
	struct lisp_addr remote, local;
	int64_t in_key, out_key;  /* LISP_FROM_FLOW or 0..LISP_IID_MAX. */
	uint16_t dst_port;
	int ttl;                  /* -1: inherit from the inner packet. */
	int tos;                  /* -1: inherit. */
	bool df;
	bool csum6;
	struct lisp_cp_cfg cp;
};

/* Whether option 'key' of a lisp port is a secret, never to be shown. */
bool lisp_cfg_is_secret(const char *key);

/* Parses and checks 'options' into 'cfg'. 0, or -1 with a one-line 'err'. */
int lisp_cfg_parse(const struct kv *options, size_t n, struct lisp_cfg *cfg, char *err,
		   size_t err_size);

struct pkt_tunnel;

/* Sets 'a' to IPv4 address 'v4' (network order), v4-mapped. */
void lisp_v4_mapped(struct in6_addr *a, uint32_t v4);

/* A tunnel's outer addresses, IPv4 ones v4-mapped, for comparing with a port's options. */
void lisp_tunnel_addrs(const struct pkt_tunnel *t, struct in6_addr *src, struct in6_addr *dst);

static inline bool
lisp_addr_is_v4(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

#endif

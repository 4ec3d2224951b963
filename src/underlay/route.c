#include "route.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <time.h>

#include "util.h"

static struct mnl_socket *nl;
static unsigned int seq;

static bool
is_v4(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

static int
family_of(const struct in6_addr *a)
{
	return is_v4(a) ? AF_INET : AF_INET6;
}

/* The address bytes as netlink carries them: 4 for IPv4, 16 for IPv6. */
static const void *
addr_bytes(const struct in6_addr *a)
{
	return is_v4(a) ? (const void *)&a->s6_addr[12] : (const void *)a;
}

static void
addr_from(struct in6_addr *out, const void *data, int family)
{
	memset(out, 0, sizeof *out);
	if (family == AF_INET) {
		out->s6_addr[10] = out->s6_addr[11] = 0xff;
		memcpy(&out->s6_addr[12], data, 4);
	} else {
		memcpy(out, data, 16);
	}
}

static int
open_socket(void)
{
	if (nl)
		return 0;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl);
		nl = NULL;
		return err;
	}
	return 0;
}

/*
 * Sends 'req' and runs 'cb' on the answer; 0 or -errno (from the kernel's error message). The
 * request asks for an acknowledgement, which ends the answer: without one a single reply leaves
 * nothing to say that no more is coming.
 */
static int
transact(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid;
	ssize_t n;
	int r, err = open_socket();

	if (err)
		return err;
	portid = mnl_socket_get_portid(nl);
	req->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof buf);
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, portid, cb, data);
	} while (r > 0);
	return r < 0 ? -errno : 0;
}

struct route_ctx {
	struct route_hop *hop;
	int family;
	int type;               /* rtm_type of the answer (RTN_LOCAL for our own addresses). */
};

static int
route_attr(const struct nlattr *a, void *data)
{
	struct route_ctx *ctx = data;
	const void *p = mnl_attr_get_payload(a);

	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		ctx->hop->oif = (int)mnl_attr_get_u32(a);
		break;
	case RTA_GATEWAY:
		addr_from(&ctx->hop->nexthop, p, ctx->family);
		break;
	case RTA_PREFSRC:
		addr_from(&ctx->hop->src, p, ctx->family);
		break;
	case RTA_METRICS: {
		const struct nlattr *m;

		mnl_attr_for_each_nested(m, a)
			if (mnl_attr_get_type(m) == RTAX_MTU)
				ctx->hop->mtu = (int)mnl_attr_get_u32(m);
		break;
	}
	}
	return MNL_CB_OK;
}

static int
route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_ctx *ctx = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	ctx->family = rtm->rtm_family;
	ctx->type = rtm->rtm_type;
	return mnl_attr_parse(nlh, sizeof *rtm, route_attr, ctx);
}

static int
neigh_attr(const struct nlattr *a, void *data)
{
	struct route_hop *hop = data;

	if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6) {
		memcpy(hop->mac, mnl_attr_get_payload(a), 6);
		hop->resolved = true;
	}
	return MNL_CB_OK;
}

static int
neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_hop *hop = data;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	/* States in which the kernel itself would send to the address it has. */
	const uint16_t usable = NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP | NUD_DELAY | NUD_PROBE;

	mnl_attr_parse(nlh, sizeof *ndm, neigh_attr, hop);
	hop->stale = ndm->ndm_state & NUD_STALE;
	if (!(ndm->ndm_state & (usable | NUD_STALE)))
		hop->resolved = false;
	return MNL_CB_OK;
}

static int
lookup_route(const struct in6_addr *dst, struct route_hop *hop, int *type)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_ctx ctx = { hop, family_of(dst), 0 };
	struct rtmsg *rtm;
	int err;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
	rtm->rtm_family = (uint8_t)ctx.family;
	rtm->rtm_dst_len = is_v4(dst) ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, is_v4(dst) ? 4 : 16, addr_bytes(dst));
	err = transact(nlh, route_cb, &ctx);
	*type = ctx.type;
	return err;
}

static int
lookup_neigh(struct route_hop *hop)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;
	int err;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof *ndm);
	ndm->ndm_family = (uint8_t)family_of(&hop->nexthop);
	ndm->ndm_ifindex = hop->oif;
	mnl_attr_put(nlh, NDA_DST, is_v4(&hop->nexthop) ? 4 : 16, addr_bytes(&hop->nexthop));
	err = transact(nlh, neigh_cb, hop);
	/* No entry yet is not an error: the neighbour is simply not resolved. */
	return err == -ENOENT ? 0 : err;
}

int
route_lookup(const struct in6_addr *dst, struct route_hop *hop)
{
	int err;

	int type;

	memset(hop, 0, sizeof *hop);
	hop->nexthop = *dst;
	if ((err = lookup_route(dst, hop, &type)))
		return err;
	if (!hop->oif)
		return -ENETUNREACH;
	return lookup_neigh(hop);
}

#define LOCAL_CACHE_SIZE 16
#define LOCAL_CACHE_MS 1000

bool
route_is_local(const struct in6_addr *a)
{
	static struct {
		struct in6_addr addr;
		bool local;
		int64_t expires_ms;
	} cache[LOCAL_CACHE_SIZE];
	int64_t now = time_msec();
	size_t oldest = 0;
	struct route_hop hop;
	int type = 0;

	for (size_t i = 0; i < LOCAL_CACHE_SIZE; i++) {
		if (cache[i].expires_ms > now && !memcmp(&cache[i].addr, a, sizeof *a))
			return cache[i].local;
		if (cache[i].expires_ms < cache[oldest].expires_ms)
			oldest = i;
	}
	memset(&hop, 0, sizeof hop);
	cache[oldest].addr = *a;
	cache[oldest].local = lookup_route(a, &hop, &type) == 0 && type == RTN_LOCAL;
	cache[oldest].expires_ms = now + LOCAL_CACHE_MS;
	return cache[oldest].local;
}

void
route_close(void)
{
	if (nl)
		mnl_socket_close(nl);
	nl = NULL;
}

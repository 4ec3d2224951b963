#include "rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "ctl-proto.h"
#include "list.h"
#include "log.h"
#include "loop.h"
#include "util.h"

/* Answers queued for one client beyond which it is no longer read from. */
#define RPC_MAX_PENDING_OUTPUT (4 * 1024 * 1024)

struct client {
	struct list node;    /* In 'clients'. */
	int fd;
	struct loop_source *src;
	char *in;            /* Bytes received, not yet a whole line. */
	size_t in_len, in_cap;
	char *out;           /* Bytes to send. */
	size_t out_len, out_cap;
	bool closing;        /* Close once 'out' is sent. */
	bool want_out;       /* EPOLLOUT is being watched. */
	rpc_stream_gone *gone;  /* A stream's owner, told when the client goes away. */
	void *gone_arg;
};

/* Streams never let one client hold more than this much unsent output. */
#define STREAM_MAX_QUEUED (4 * 1024 * 1024)

static int listen_fd = -1;
static struct loop_source *listen_src;
static char *listen_path;
static rpc_handler *handler;
static int ctl_group = -1;
static struct list clients = LIST_INITIALIZER(clients);
static struct client *current;  /* The client whose request the handler is running. */

/*
 * An error answer. Messages may quote what the client sent, which need not be valid UTF-8 (JSON
 * strings must be): bytes outside printable ASCII are shown as '?'.
 */
static json_t *
error_response(json_t *id, int code, const char *message)
{
	char clean[600];
	size_t i;

	for (i = 0; i < sizeof clean - 1 && message[i]; i++)
		clean[i] = message[i] >= 0x20 && message[i] < 0x7f ? message[i] : '?';
	clean[i] = '\0';
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
			 "error", "code", code, "message", clean);
}

/* Validates the JSON-RPC envelope and calls the handler; returns the response object. */
static json_t *
dispatch(json_t *req)
{
	struct rpc_error err = { 0, "" };
	json_t *id = json_object_get(req, "id"), *params, *result;
	const char *version, *method;

	if (!json_is_object(req) || json_unpack(req, "{s:s, s:s}", "jsonrpc", &version, "method",
						 &method) || strcmp(version, "2.0"))
		return error_response(id, RPC_INVALID_REQUEST,
				      "request: not a JSON-RPC 2.0 request object");
	params = json_object_get(req, "params");
	result = handler(method, params ? params : json_null(), &err);
	if (!result)
		return error_response(id, err.code, err.message);
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result",
			 result);
}

char *
rpc_process_line(const char *line, rpc_handler *h)
{
	json_error_t jerr;
	/* Any JSON value parses, so that a scalar is "not a request" (-32600), not a parse error. */
	json_t *req = json_loads(line, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr), *resp;
	char *text;

	handler = h;
	if (!req) {
		char msg[300];

		snprintf(msg, sizeof msg, "request: invalid JSON at column %d: %s", jerr.column,
			 jerr.text);
		resp = error_response(NULL, RPC_PARSE_ERROR, msg);
	} else {
		resp = dispatch(req);
		json_decref(req);
	}
	text = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
	json_decref(resp);
	/* Only an answer that cannot be encoded gets here; the client still gets one line. */
	return text ? text : xstrdup("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,"
				     "\"message\":\"response: cannot be encoded as JSON\"}}");
}

static void
client_close(struct client *c)
{
	if (c->gone)
		c->gone(c->gone_arg);
	list_remove(&c->node);
	loop_remove(c->src);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* Makes room for 'more' bytes after '*len' in '*buf', growing it by doubling. */
static void
buf_reserve(char **buf, size_t *cap, size_t len, size_t more)
{
	if (len + more <= *cap)
		return;
	*cap = MAX(*cap * 2, len + more);
	*buf = xrealloc(*buf, *cap);
}

static void
client_queue(struct client *c, const char *text)
{
	size_t len = strlen(text);

	buf_reserve(&c->out, &c->out_cap, c->out_len, len + 1);
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
}

/* Sends what it can; false if the client is gone. */
static bool
client_flush(struct client *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return false;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	c->want_out = c->out_len > 0;
	/* A client that does not read its answers is not read from either: its requests wait in
	 * the kernel, so memory for its answers stays bounded. */
	loop_modify(c->src, (c->out_len < RPC_MAX_PENDING_OUTPUT ? EPOLLIN : 0) |
			    (c->want_out ? EPOLLOUT : 0));
	return !(c->closing && !c->out_len);
}

/* Answers every complete line in the input buffer. */
static void
client_process(struct client *c)
{
	bool answered = false;
	char *nl;

	while ((nl = memchr(c->in, '\n', c->in_len))) {
		size_t line_len = (size_t)(nl - c->in) + 1;
		char *resp;

		*nl = '\0';
		current = c;
		resp = rpc_process_line(c->in, handler);
		current = NULL;
		client_queue(c, resp);
		free(resp);
		memmove(c->in, c->in + line_len, c->in_len - line_len);
		c->in_len -= line_len;
		answered = true;
	}
	/* Large or small, a request may have used much memory for a moment: a small one too, on a
	 * large flow table (a commit writes every flow's text, dump-flows answers with all). */
	if (answered)
		heap_trim();
}

static void
client_input(void *arg, uint32_t events)
{
	struct client *c = arg;
	/* Small reads keep turns short: a client with many requests queued gets answers a few
	 * dozen at a time, and other clients and the datapath get their turn in between. */
	char buf[4096];
	ssize_t n;

	if (events & EPOLLIN) {
		n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_close(c);
			return;
		}
		if (n > 0 && !c->closing) {
			buf_reserve(&c->in, &c->in_cap, c->in_len, (size_t)n + 1);
			memcpy(c->in + c->in_len, buf, (size_t)n);
			c->in_len += (size_t)n;
			client_process(c);
			if (c->in_len > CTL_MAX_REQUEST) {
				client_queue(c, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
						"\"message\":\"request: larger than 1 MiB\"}}");
				c->closing = true;
				c->in_len = 0;
			}
		}
	}
	if (!client_flush(c))
		client_close(c);
}

struct rpc_stream *
rpc_stream_open(rpc_stream_gone *gone, void *arg)
{
	if (!current || current->gone)
		return NULL;
	current->gone = gone;
	current->gone_arg = arg;
	return (struct rpc_stream *)current;
}

/*
 * Queues a notification line and makes sure the loop will send it. Unless 'force', nothing is
 * queued (false) while the client has more than STREAM_MAX_QUEUED bytes waiting.
 */
static bool
stream_queue(struct client *c, const char *method, json_t *params, bool force)
{
	json_t *n;
	char *text;

	if (!force && c->out_len > STREAM_MAX_QUEUED) {
		json_decref(params);
		return false;
	}
	n = json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", method, "params", params);
	text = json_dumps(n, JSON_COMPACT);
	json_decref(n);
	client_queue(c, text);
	free(text);
	if (!c->want_out) {
		c->want_out = true;
		loop_modify(c->src, EPOLLIN | EPOLLOUT);
	}
	return true;
}

bool
rpc_stream_notify(struct rpc_stream *s, const char *method, json_t *params)
{
	return stream_queue((struct client *)s, method, params, false);
}

void
rpc_stream_end(struct rpc_stream *s, const char *method, json_t *params)
{
	struct client *c = (struct client *)s;

	c->gone = NULL;
	c->closing = true;
	/* The last word gets through even to a client that lags behind. */
	stream_queue(c, method, params, true);
}

/* Whether user 'uid' (primary group 'gid') is in group 'group'. */
static bool
user_in_group(uid_t uid, gid_t gid, gid_t group)
{
	struct passwd pw, *pwp = NULL;
	gid_t groups[64];
	int n = 64;
	char buf[1024];

	if (gid == group)
		return true;
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &pwp) || !pwp ||
	    getgrouplist(pw.pw_name, gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == group)
			return true;
	return false;
}

/* The file mode keeps other users out; the peer's credentials are checked all the same. */
static bool
peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid() ||
	       (ctl_group >= 0 && user_in_group(cred.uid, cred.gid, (gid_t)ctl_group));
}

static void
accept_client(void *arg UNUSED, uint32_t events UNUSED)
{
	static const char refused[] = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
				      "\"message\":\"connection: permission denied\"}}\n";
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *c;

	if (fd < 0)
		return;
	if (!peer_allowed(fd)) {
		log_warn(CTL, "control connection from another user refused");
		if (send(fd, refused, sizeof refused - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_dbg(CTL, "could not tell the refused client why");
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->src = loop_add(fd, EPOLLIN, client_input, c);
	list_push_back(&clients, &c->node);
}

int
rpc_server_start(const char *path, int group, rpc_handler *h)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int err;

	handler = h;
	ctl_group = group;
	if (!str_copy(sun.sun_path, path, sizeof sun.sun_path))
		return -ENAMETOOLONG;
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		return -errno;
	/* A socket file left by a daemon that died is stale: the pidfile lock proved that. */
	unlink(path);
	old = umask(0077);
	err = bind(listen_fd, (struct sockaddr *)&sun, sizeof sun) < 0 ||
	      (group >= 0 && chown(path, (uid_t)-1, (gid_t)group) < 0) ||
	      chmod(path, group >= 0 ? 0660 : 0600) < 0 ||
	      listen(listen_fd, 64) < 0 ? -errno : 0;
	umask(old);
	if (err) {
		close(listen_fd);
		listen_fd = -1;
		return err;
	}
	listen_path = xstrdup(path);
	listen_src = loop_add(listen_fd, EPOLLIN, accept_client, NULL);
	return 0;
}

void
rpc_server_stop(void)
{
	struct client *c;

	LIST_FOR_EACH_SAFE(c, node, &clients)
		client_close(c);
	if (listen_fd < 0)
		return;
	loop_remove(listen_src);
	close(listen_fd);
	unlink(listen_path);
	free(listen_path);
	listen_fd = -1;
}

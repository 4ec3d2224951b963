/*
 * The control socket: a unix stream socket (mode 0600) speaking JSON-RPC 2.0 with one JSON
 * object per line. Framing, size limits and the JSON-RPC envelope are checked here; the method
 * handler only sees well-formed requests. Many clients at once; a slow or silent client never
 * blocks the loop (all I/O is non-blocking, requests are bounded by CTL_MAX_REQUEST).
 */
#ifndef LS_RPC_H
#define LS_RPC_H

#include <jansson.h>
#include <stdbool.h>

struct rpc_error {
	int code;          /* CTL_ERR_* or RPC_*. */
	char message[512]; /* One line, no trailing newline. */
};

/* Returns the result (a new reference), or NULL with 'err' filled. */
typedef json_t *rpc_handler(const char *method, json_t *params, struct rpc_error *err);

/*
 * Listens on 'path', replacing a stale socket. The socket is mode 0600; with 'group' (a group
 * id, or -1 for none) it is 0660 and owned by that group. Only root, the daemon's own user and
 * members of 'group' are answered: others get one error line and are disconnected.
 * 0 or -errno.
 */
int rpc_server_start(const char *path, int group, rpc_handler *handler);
void rpc_server_stop(void);

/*
 * Streams: a method that answers at once and then keeps sending JSON-RPC notifications on the
 * same connection (lispctl capture). The stream ends with a last notification, after which the
 * daemon closes the connection; a client that disconnects first ends it too.
 */
struct rpc_stream;
typedef void rpc_stream_gone(void *arg);

/*
 * Only inside a handler: keeps the requesting client for notifications after the answer.
 * 'gone(arg)' is called if the client disconnects (or the server stops) before
 * rpc_stream_end(). NULL when the request did not come over the socket or the client already
 * has a stream.
 */
struct rpc_stream *rpc_stream_open(rpc_stream_gone *gone, void *arg);
/* Queues notification 'method' with 'params' (a reference it takes). False, with nothing
 * queued, while the client lags more than 4 MiB behind: the caller counts the loss. */
bool rpc_stream_notify(struct rpc_stream *s, const char *method, json_t *params);
/* Queues the last notification (always) and closes once it is sent; 'gone' is not called. */
void rpc_stream_end(struct rpc_stream *s, const char *method, json_t *params);

/*
 * One request/response exchange inside a process, without a socket: the framing and envelope
 * checks, then the handler. 'line' is one request; returns the response line (malloc'd).
 */
char *rpc_process_line(const char *line, rpc_handler *handler);

#endif

/*
 * lispctl's side of the control socket: one request and its response, optionally followed by
 * the notifications of a stream (capture) until the daemon closes the connection.
 */
#ifndef LS_CLIENT_H
#define LS_CLIENT_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

/*
 * Sends JSON-RPC 'method' with 'params' (reference stolen) to the daemon at 'sockpath' and
 * waits for the answer. Returns the "result" (new reference), or NULL with 'err' filled: the
 * daemon's own message, or why it could not be reached. '*code' gets the error code.
 */
json_t *client_call(const char *sockpath, const char *method, json_t *params, char *err,
		    size_t err_size, int *code);

/* Called with each notification's method and params; returns false to stop listening. */
typedef bool client_notify_fn(const char *method, json_t *params, void *arg);

/*
 * As client_call(), then passes every notification that follows the answer to
 * 'notify(method, params, arg)' until it returns false, the daemon closes the connection, or
 * '*stop' is set by a signal handler. Returns 0, or -1 with 'err' and '*code' filled as
 * client_call() does.
 */
int client_stream(const char *sockpath, const char *method, json_t *params,
		  client_notify_fn *notify, void *arg, volatile sig_atomic_t *stop, char *err,
		  size_t err_size, int *code);

#endif

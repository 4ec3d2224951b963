/* lispctl's side of the control socket: one request, one response. */
#ifndef LS_CLIENT_H
#define LS_CLIENT_H

#include <jansson.h>

/*
 * Sends JSON-RPC 'method' with 'params' (reference stolen) to the daemon at 'sockpath' and
 * waits for the answer. Returns the "result" (new reference), or NULL with 'err' filled: the
 * daemon's own message, or why it could not be reached. '*code' gets the error code.
 */
json_t *client_call(const char *sockpath, const char *method, json_t *params, char *err,
		    size_t err_size, int *code);

#endif

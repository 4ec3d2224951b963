/* JSON-RPC framing and envelope checks on any request line; the handler is a stub. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *
echo(const char *method, json_t *params, struct rpc_error *err)
{
	if (!strcmp(method, "fail")) {
		err->code = 1;
		strcpy(err->message, "fail: as asked");
		return NULL;
	}
	return json_incref(params);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *resp;

	memcpy(line, data, size);
	line[size] = '\0';
	resp = rpc_process_line(line, echo);
	if (!resp || strchr(resp, '\n'))
		abort();
	free(resp);
	free(line);
	return 0;
}

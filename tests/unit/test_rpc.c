/*
 * Unit tests for rpc.c's framing and JSON-RPC 2.0 envelope, through rpc_process_line() with a
 * stub handler: parse errors with their column, invalid requests, the id echoed as sent,
 * handler errors passed through, results wrapped. Each response is compared as a whole JSON
 * value, so an extra or missing member fails too.
 */
#include "unit.h"

#include <jansson.h>

#include "ctl-proto.h"
#include "rpc.h"

/* What the stub handler saw last. */
static int calls;
static char last_method[64];
static char *last_params;

/*
 * "echo" returns its params; "fail" fails with code 4 and a message; "newline" returns a string
 * with a newline in it; anything else is "method not found".
 */
static json_t *
stub_handler(const char *method, json_t *params, struct rpc_error *err)
{
	calls++;
	snprintf(last_method, sizeof last_method, "%s", method);
	free(last_params);
	last_params = json_dumps(params, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if (!strcmp(method, "echo"))
		return json_incref(params);
	if (!strcmp(method, "fail")) {
		err->code = CTL_ERR_EXISTS;
		snprintf(err->message, sizeof err->message, "add-br br0: bridge already exists");
		return NULL;
	}
	if (!strcmp(method, "newline"))
		return json_string("two\nlines");
	err->code = RPC_METHOD_NOT_FOUND;
	snprintf(err->message, sizeof err->message, "%s: unknown method", method);
	return NULL;
}

static void
reset_stub(void)
{
	calls = 0;
	last_method[0] = '\0';
	free(last_params);
	last_params = NULL;
}

static const struct {
	const char *name;
	const char *request;
	const char *response;      /* Expected, compared as JSON. */
	int calls;                 /* Handler calls expected (0 or 1). */
} exchanges[] = {
	/* Framing: not JSON at all, or not one JSON value. */
	{ "invalid JSON, column reported", "{\"jsonrpc\": \"2.0\", \"method\": echo}",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
	  "\"request: invalid JSON at column 33: invalid token near 'echo'\"}}", 0 },
	{ "column counts characters, not bytes", "{\"a\":\"\xc3\xa9\xc3\xa9\", x}",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
	  "\"request: invalid JSON at column 12: string or '}' expected near 'x'\"}}", 0 },
	{ "invalid JSON at column 1", "x",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
	  "\"request: invalid JSON at column 1: invalid token near 'x'\"}}", 0 },
	{ "empty line", "",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
	  "\"request: invalid JSON at column 0: unexpected token near end of file\"}}", 0 },
	{ "cut short", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
	  "\"request: invalid JSON at column 39: '}' expected near end of file\"}}", 0 },
	{ "two objects on one line", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"} {}",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
	  "\"request: invalid JSON at column 42: end of file expected near '{'\"}}", 0 },
	{ "duplicate key", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"method\":\"fail\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
	  "\"request: invalid JSON at column 48: duplicate object key near '\\\"method\\\"'\"}}",
	  0 },

	/* Envelope: valid JSON, not a JSON-RPC 2.0 request (a scalar too: JSON-RPC's -32600). */
	{ "bare number", "42",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":"
	  "\"request: not a JSON-RPC 2.0 request object\"}}", 0 },
	{ "array", "[1, 2]",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":"
	  "\"request: not a JSON-RPC 2.0 request object\"}}", 0 },
	{ "batch", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}]",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":"
	  "\"request: not a JSON-RPC 2.0 request object\"}}", 0 },
	{ "missing method", "{\"jsonrpc\":\"2.0\",\"id\":7}",
	  "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,\"message\":"
	  "\"request: not a JSON-RPC 2.0 request object\"}}", 0 },
	{ "method not a string", "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":5}",
	  "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32600,\"message\":"
	  "\"request: not a JSON-RPC 2.0 request object\"}}", 0 },
	{ "jsonrpc 1.0", "{\"jsonrpc\":\"1.0\",\"id\":8,\"method\":\"echo\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-32600,\"message\":"
	  "\"request: not a JSON-RPC 2.0 request object\"}}", 0 },
	{ "jsonrpc as a number", "{\"jsonrpc\":2.0,\"id\":9,\"method\":\"echo\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32600,\"message\":"
	  "\"request: not a JSON-RPC 2.0 request object\"}}", 0 },
	{ "no jsonrpc member", "{\"id\":10,\"method\":\"echo\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":10,\"error\":{\"code\":-32600,\"message\":"
	  "\"request: not a JSON-RPC 2.0 request object\"}}", 0 },

	/* Ids echoed exactly as sent. */
	{ "id number", "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"echo\",\"params\":[1]}",
	  "{\"jsonrpc\":\"2.0\",\"id\":42,\"result\":[1]}", 1 },
	{ "id large number", "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"echo\","
	  "\"params\":[]}",
	  "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"result\":[]}", 1 },
	{ "id string", "{\"jsonrpc\":\"2.0\",\"id\":\"req-\\u00e9\",\"method\":\"echo\","
	  "\"params\":{}}",
	  "{\"jsonrpc\":\"2.0\",\"id\":\"req-\\u00e9\",\"result\":{}}", 1 },
	{ "id null", "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"echo\",\"params\":[true]}",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":[true]}", 1 },
	{ "id absent: null", "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[2]}",
	  "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":[2]}", 1 },

	/* Handler results and errors. */
	{ "result wrapped",
	  "{\"method\":\"echo\",\"params\":{\"b\":[1,{\"c\":null}],\"a\":\"x\"},\"id\":3,"
	  "\"jsonrpc\":\"2.0\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"a\":\"x\",\"b\":[1,{\"c\":null}]}}", 1 },
	{ "params absent: handler gets null", "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"echo\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":null}", 1 },
	{ "handler error passed through", "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"fail\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":4,\"message\":"
	  "\"add-br br0: bridge already exists\"}}", 1 },
	{ "unknown method from handler", "{\"jsonrpc\":\"2.0\",\"id\":\"u\",\"method\":\"nope\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":\"u\",\"error\":{\"code\":-32601,\"message\":"
	  "\"nope: unknown method\"}}", 1 },
	{ "newline in result stays escaped",
	  "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"newline\"}",
	  "{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":\"two\\nlines\"}", 1 },
};

static void
test_exchanges(void **state)
{
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof exchanges / sizeof exchanges[0]; i++) {
		json_t *want = json_loads(exchanges[i].response, 0, NULL), *got;
		char *line;

		if (!want)
			fail_msg("bad expected response in \"%s\"", exchanges[i].name);
		reset_stub();
		line = rpc_process_line(exchanges[i].request, stub_handler);
		assert_non_null(line);
		/* One line: the framing is newline-delimited. */
		assert_null(strchr(line, '\n'));
		got = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
		if (!got || !json_equal(got, want) || calls != exchanges[i].calls) {
			print_error("%s:\n  sent %s\n  got  %s\n  want %s\n  handler calls %d\n",
				    exchanges[i].name, exchanges[i].request, line,
				    exchanges[i].response, calls);
			failures++;
		}
		json_decref(got);
		json_decref(want);
		free(line);
	}
	reset_stub();
	assert_int_equal(failures, 0);
}

/* The handler gets the method name and the params exactly. */
static void
test_handler_sees_request(void **state)
{
	char *line;

	(void)state;
	reset_stub();
	line = rpc_process_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"transact\","
				"\"params\":[{\"verb\":\"add-br\",\"args\":[\"br0\"]}]}",
				stub_handler);
	assert_int_equal(calls, 1);
	assert_string_equal(last_method, "transact");
	assert_string_equal(last_params, "[{\"args\":[\"br0\"],\"verb\":\"add-br\"}]");
	free(line);
	reset_stub();
}

/* A large request (well under the 1 MiB limit) goes through whole. */
static void
test_large_request(void **state)
{
	size_t n = 200000;
	char *req = malloc(n + 100), *line, *p;
	json_t *resp;

	(void)state;
	p = req + sprintf(req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[\"");
	memset(p, 'a', n);
	strcpy(p + n, "\"]}");
	line = rpc_process_line(req, stub_handler);
	resp = json_loads(line, 0, NULL);
	assert_non_null(resp);
	assert_int_equal(json_string_length(json_array_get(json_object_get(resp, "result"), 0)), n);
	json_decref(resp);
	free(line);
	free(req);
	reset_stub();
}

/*
 * Found by fuzz/fuzz_rpc: an error message quoting bytes that are not UTF-8 (jansson's parse
 * error quotes the bad token) could not be encoded, and the daemon had no response to send.
 */
static void
test_error_quoting_invalid_utf8(void **state)
{
	char *resp = rpc_process_line("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"m\\u00e9\xd0\x80\"}",
				      stub_handler);
	json_t *j;

	(void)state;
	assert_non_null(resp);
	assert_null(strchr(resp, '\n'));
	j = json_loads(resp, 0, NULL);
	assert_non_null(j);
	assert_non_null(json_object_get(j, "error"));
	json_decref(j);
	free(resp);
	/* The fuzzer's input: an escape cut in the middle of a multibyte character. */
	resp = rpc_process_line("{\"jsonrpc\":\"2.0\",\"id\":\"\",\"meth\x7f\\\xd0\x80 `",
				stub_handler);
	assert_non_null(resp);
	j = json_loads(resp, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "error"), "code")),
			 RPC_PARSE_ERROR);
	json_decref(j);
	free(resp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchanges),
		cmocka_unit_test(test_handler_sees_request),
		cmocka_unit_test(test_large_request),
		cmocka_unit_test(test_error_quoting_invalid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

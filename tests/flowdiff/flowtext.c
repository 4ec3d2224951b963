/*
 * flowtext: reads flows one per line on stdin and prints, per line, "OK <normalised flow>" or
 * "ERR <message>". An offline stand-in for 'lispctl parse-flow', used by the differential test
 * against 'ovs-ofctl parse-flow'. "--filter" parses del-flows/dump-flows filters instead.
 * Port names "p1".."p9" resolve to ports 1..9 so that name lookups can be tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow-text.h"
#include "strbuf.h"

static int
test_port_by_name(void *aux, const char *name, uint32_t *ofport)
{
	(void)aux;
	if (name[0] == 'p' && name[1] >= '1' && name[1] <= '9' && !name[2]) {
		*ofport = (uint32_t)(name[1] - '0');
		return 0;
	}
	return -1;
}

static void
process_line(const char *line, const struct flow_parse_ctx *ctx)
{
	struct ofp_flow_spec spec;
	struct strbuf sb = STRBUF_INIT;
	char err[256];

	if (flow_parse(line, ctx, &spec, err, sizeof err)) {
		printf("ERR %s\n", err);
		return;
	}
	if (ctx->mode == FLOW_PARSE_FILTER)
		flow_format_match(&spec.match, spec.priority, &sb);
	else
		flow_format(&spec, &sb);
	printf("OK %s\n", strbuf_cstr(&sb));
	strbuf_uninit(&sb);
	ofp_flow_spec_uninit(&spec);
}

int
main(int argc, char *argv[])
{
	struct flow_parse_ctx ctx = { FLOW_PARSE_ADD, test_port_by_name, NULL };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc > 1 && !strcmp(argv[1], "--filter"))
		ctx.mode = FLOW_PARSE_FILTER;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n && line[n - 1] == '\n')
			line[n - 1] = '\0';
		process_line(line, &ctx);
	}
	free(line);
	return 0;
}

/*
 * The flow language on any text: parse as a flow and as a filter; whatever parses must print,
 * and what it prints must parse again to the same flow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow-text.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const char *text, enum flow_parse_mode mode)
{
	const struct flow_parse_ctx ctx = { .mode = mode };
	struct ofp_flow_spec a, b;
	struct strbuf sb;
	char err[512];

	if (flow_parse(text, &ctx, &a, err, sizeof err))
		return;
	strbuf_init(&sb);
	flow_format_match(&a.match, a.priority, &sb);
	if (mode == FLOW_PARSE_ADD) {
		strbuf_put(&sb, " actions=");
		actions_format(a.actions, a.n_actions, &sb);
		if (flow_parse(strbuf_cstr(&sb), &ctx, &b, err, sizeof err) ||
		    !match_equal(&a.match, &b.match))
			abort();
		ofp_flow_spec_uninit(&b);
	}
	strbuf_uninit(&sb);
	ofp_flow_spec_uninit(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	round_trip(text, FLOW_PARSE_ADD);
	round_trip(text, FLOW_PARSE_FILTER);
	free(text);
	return 0;
}

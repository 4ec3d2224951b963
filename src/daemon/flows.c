#include "flows.h"

#include <stdlib.h>

#include "config.h"
#include "log.h"
#include "ofproto.h"
#include "rule.h"
#include "strbuf.h"
#include "util.h"

char *
flows_to_text(const struct ofp_flow_spec *spec)
{
	struct strbuf sb, match;
	char *text;

	strbuf_init(&sb);
	strbuf_init(&match);
	if (spec->table_id && spec->table_id != FLOW_TABLE_ANY)
		strbuf_printf(&sb, "table=%u,", spec->table_id);
	if (spec->cookie)
		strbuf_printf(&sb, "cookie=0x%llx,", (unsigned long long)spec->cookie);
	if (spec->idle_timeout)
		strbuf_printf(&sb, "idle_timeout=%u,", spec->idle_timeout);
	if (spec->hard_timeout)
		strbuf_printf(&sb, "hard_timeout=%u,", spec->hard_timeout);
	/* The priority is always written, so the line is never empty before "actions". */
	strbuf_printf(&sb, "priority=%u", spec->priority);
	flow_format_match(&spec->match, FLOW_PRIORITY_DEFAULT, &match);
	if (*strbuf_cstr(&match))
		strbuf_printf(&sb, ",%s", strbuf_cstr(&match));
	strbuf_put(&sb, " actions=");
	actions_format(spec->actions, spec->n_actions, &sb);
	text = xstrdup(strbuf_cstr(&sb));
	strbuf_uninit(&match);
	strbuf_uninit(&sb);
	return text;
}

void
flows_load(struct ofproto *ofp, const struct cfg_bridge *cb)
{
	const struct flow_parse_ctx ctx = { .mode = FLOW_PARSE_ADD };

	for (size_t i = 0; i < cb->n_flows; i++) {
		struct ofp_flow_spec spec;
		char err[256];

		if (flow_parse(cb->flows[i], &ctx, &spec, err, sizeof err)) {
			log_err(FLOW, "bridge %s: saved flow \"%s\" left out: %s", cb->name,
				cb->flows[i], err);
			continue;
		}
		oftable_add(&ofp->flows, &spec);
		ofp_flow_spec_uninit(&spec);
	}
}

void
flows_save(const struct ofproto *ofp, struct cfg_bridge *cb)
{
	size_t n;
	struct rule **rules = oftable_collect(&ofp->flows, NULL, &n);

	cfg_flows_clear(cb);
	cb->flows = xcalloc(n ? n : 1, sizeof *cb->flows);
	for (size_t i = 0; i < n; i++)
		cb->flows[i] = flows_to_text(&rules[i]->spec);
	cb->n_flows = n;
	free(rules);
}

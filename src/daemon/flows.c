#include "flows.h"

#include <stdlib.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "ofproto.h"
#include "rule.h"
#include "strbuf.h"
#include "util.h"

char *
flows_to_text(const struct rule *r)
{
	struct strbuf sb, match_text;
	struct match m;
	char *text;

	strbuf_init(&sb);
	strbuf_init(&match_text);
	if (r->table_id)
		strbuf_printf(&sb, "table=%u,", r->table_id);
	if (r->cookie)
		strbuf_printf(&sb, "cookie=0x%llx,", (unsigned long long)r->cookie);
	if (r->idle_timeout)
		strbuf_printf(&sb, "idle_timeout=%u,", r->idle_timeout);
	if (r->hard_timeout)
		strbuf_printf(&sb, "hard_timeout=%u,", r->hard_timeout);
	/* The priority is always written, so the line is never empty before "actions". */
	strbuf_printf(&sb, "priority=%d", rule_priority(r));
	rule_get_match(r, &m);
	flow_format_match(&m, FLOW_PRIORITY_DEFAULT, &match_text);
	if (*strbuf_cstr(&match_text))
		strbuf_printf(&sb, ",%s", strbuf_cstr(&match_text));
	strbuf_put(&sb, " actions=");
	actions_format(r->actions, r->n_actions, &sb);
	text = xstrdup(strbuf_cstr(&sb));
	strbuf_uninit(&match_text);
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

static void
save_table(const struct ofproto *ofp, struct cfg_bridge *cb)
{
	size_t n;
	struct rule **rules = oftable_collect(&ofp->flows, NULL, &n);

	cfg_flows_clear(cb);
	cb->flows = xcalloc(n ? n : 1, sizeof *cb->flows);
	for (size_t i = 0; i < n; i++)
		cb->flows[i] = flows_to_text(rules[i]);
	cb->n_flows = n;
	free(rules);
}

void
flows_save(struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_bridges; i++) {
		struct bridge *br = bridge_find(cfg->bridges[i].name);

		if (br)
			save_table(&br->ofproto, &cfg->bridges[i]);
	}
}

void
flows_forget(struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_bridges; i++)
		if (bridge_find(cfg->bridges[i].name))
			cfg_flows_clear(&cfg->bridges[i]);
}

/*
 * Parsing a whole flow: the match items, the flow_mod settings (priority, table, cookie,
 * timeouts), then everything after "actions=" through actions_parse().
 *
 * Like ovs-ofctl, items may come in any order and a later item overrides an earlier one for
 * the same field ("tcp,udp" is udp). Prerequisites are checked once the whole match is known.
 */
#include "flow-text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow-tok.h"
#include "util.h"

struct fparse {
	const struct flow_parse_ctx *ctx;
	struct ofp_flow_spec *spec;
	const struct ftok *kv;                 /* The item being parsed. */
	const char *typed[FIELD_N];          /* Item that last set each field, for errors. */
	bool has_cookie_mask;
	const char *actions;                 /* Text after "actions=", or NULL. */
	char *err;
	size_t err_size;
};

typedef int spec_parser(struct fparse *fp, const char *value);

static int PRINTF_FMT(2, 3)
item_error(struct fparse *fp, const char *fmt, ...)
{
	va_list args;
	int r;

	va_start(args, fmt);
	r = ftok_verror(fp->kv, fp->err, fp->err_size, fmt, args);
	va_end(args);
	return r;
}

static int
parse_uint(struct fparse *fp, const char *s, uint64_t max, uint64_t *x)
{
	if (!str_to_u64(s, max, x))
		return item_error(fp, "invalid number (0 to %llu)", (unsigned long long)max);
	return 0;
}

static int
parse_priority(struct fparse *fp, const char *s)
{
	uint64_t x;

	if (parse_uint(fp, s, UINT16_MAX, &x))
		return -EINVAL;
	fp->spec->priority = (uint16_t)x;
	return 0;
}

static int
parse_table(struct fparse *fp, const char *s)
{
	uint64_t x;

	if (parse_uint(fp, s, UINT8_MAX, &x))
		return -EINVAL;
	fp->spec->table_id = (uint8_t)x;
	return 0;
}

static int
parse_timeout(struct fparse *fp, const char *s, uint16_t *timeout)
{
	uint64_t x;

	if (parse_uint(fp, s, UINT16_MAX, &x))
		return -EINVAL;
	*timeout = (uint16_t)x;
	return 0;
}

static int
parse_idle(struct fparse *fp, const char *s)
{
	return parse_timeout(fp, s, &fp->spec->idle_timeout);
}

static int
parse_hard(struct fparse *fp, const char *s)
{
	return parse_timeout(fp, s, &fp->spec->hard_timeout);
}

/* cookie=V, or cookie=V/MASK in a filter (a flow being added has no cookie mask). */
static int
parse_cookie(struct fparse *fp, const char *s)
{
	char buf[64];
	char *slash;
	uint64_t mask = UINT64_MAX;

	if (!str_copy(buf, s, sizeof buf))
		return item_error(fp, "invalid cookie");
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (fp->ctx->mode == FLOW_PARSE_ADD)
			return item_error(fp, "a flow being added cannot have a cookie mask");
		if (parse_uint(fp, slash + 1, UINT64_MAX, &mask))
			return -EINVAL;
	}
	if (parse_uint(fp, buf, UINT64_MAX, &fp->spec->cookie))
		return -EINVAL;
	fp->spec->cookie_mask = fp->ctx->mode == FLOW_PARSE_FILTER ? mask : 0;
	return 0;
}

static const struct {
	const char *name;
	spec_parser *parse;
} spec_keys[] = {
	{ "priority", parse_priority },
	{ "table", parse_table },
	{ "cookie", parse_cookie },
	{ "idle_timeout", parse_idle },
	{ "hard_timeout", parse_hard },
};

/* Remembers that the current item set field 'id' (a keyword like "tcp" sets nw_proto). */
static void
note_typed(struct fparse *fp, enum field_id id)
{
	fp->typed[id] = fp->kv->item;
}

/* A match field item "name=value[/mask]". */
static int
parse_field(struct fparse *fp, const struct field_desc *f, const char *s)
{
	const struct flow_parse_ctx *ctx = fp->ctx;
	union field_value v, mask;
	char reason[128];

	if (!*s)
		return item_error(fp, "missing value");
	if (field_parse(f, s, ctx->port_by_name, ctx->aux, &v, &mask, reason, sizeof reason))
		return item_error(fp, "%s", reason);
	/* "dl_vlan=0xffff" is OpenFlow 1.0's way to say "no VLAN tag". */
	if (f->id == FIELD_DL_VLAN && field_value_u64(&v, f->size) == 0xffff) {
		f = field_get_desc(FIELD_VLAN_TCI);
		field_value_set_u64(&v, f->size, 0);
	}
	match_set(&fp->spec->match, f, &v, &mask);
	note_typed(fp, f->id);
	return 0;
}

static int
parse_match_item(struct fparse *fp)
{
	const struct ftok *kv = fp->kv;
	char *key = ftok_strdup(kv->key, kv->key_len);
	char *value = ftok_strdup(kv->value, kv->value_len);
	const struct field_desc *f = field_by_name(key);
	int error = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(spec_keys) && strcmp(spec_keys[i].name, key); i++)
		continue;
	if (i < ARRAY_SIZE(spec_keys))
		error = spec_keys[i].parse(fp, value);
	else if (f && f->matchable)
		error = parse_field(fp, f, value);
	else if (match_set_proto(&fp->spec->match, key))
		note_typed(fp, FIELD_NW_PROTO);
	else {
		snprintf(fp->err, fp->err_size, "unknown field \"%s\"", key);
		error = -EINVAL;
	}
	free(key);
	free(value);
	return error;
}

/*
 * Refuses a field whose prerequisite the match lacks. OVS drops such a field without a word,
 * which turns "nw_src=10.0.0.1" into a flow matching every packet; we say so instead.
 */
static int
check_prereqs(struct fparse *fp)
{
	const struct match *m = &fp->spec->match;

	for (size_t i = 0; i < FIELD_N; i++) {
		const struct field_desc *f = field_get_desc((enum field_id)i);
		int n = (int)strcspn(fp->typed[i] ? fp->typed[i] : "", "=:");

		if (!fp->typed[i] || !match_uses(m, f) || match_prereq_ok(m, f->match_pre))
			continue;
		snprintf(fp->err, fp->err_size, "%.*s: needs %s (e.g. add \"%s,\")", n,
		         fp->typed[i], field_prereq_desc(f->match_pre),
		         field_prereq_example(f->match_pre));
		return -EINVAL;
	}
	return 0;
}

/*
 * ICMP type and code are one byte each: a port match under icmp/icmp6 keeps its low byte,
 * exactly, as OVS leaves it once the flow has gone through NXM (tp_src=0x150b is type 11), and
 * nothing of its high byte (tp_src=40/0xff00 matches any type).
 */
static void
normalize_icmp(struct match *m)
{
	static const enum field_id ids[][2] = { { FIELD_ICMP_TYPE, FIELD_TP_SRC },
						{ FIELD_ICMP_CODE, FIELD_TP_DST } };

	if (!match_prereq_ok(m, FIELD_PRE_ICMPV4) && !match_prereq_ok(m, FIELD_PRE_ICMPV6))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		const struct field_desc *f = field_get_desc(ids[i][0]);
		union field_value v, mask;

		match_get(m, f, &v, &mask);
		match_set_u64(m, ids[i][1], 0, 0);
		if (!field_value_is_zero(&mask, f->size))
			match_set(m, f, &v, NULL);
	}
}

/* Parses the match part, stopping at "actions=" (whose text is left in 'fp->actions'). */
static int
parse_items(struct fparse *fp, const char *text)
{
	struct ftok kv;
	int error = 0;

	fp->kv = &kv; /* cppcheck-suppress autoVariables ; reset before returning. */
	while (!error && ftok_next(&text, &kv)) {
		if (ftok_key_is(&kv, "actions", false) || ftok_key_is(&kv, "action", false)) {
			/* As in ovs-ofctl, spaces may surround this '=' ("actions = drop"). */
			const char *eq = kv.key + kv.key_len + strspn(kv.key + kv.key_len, " \t");

			if (*eq == '=') {
				fp->actions = eq + 1;
				break;
			}
		}
		error = parse_match_item(fp);
	}
	fp->kv = NULL; /* 'kv' lives on this stack frame only. */
	return error;
}

static int
parse_actions(struct fparse *fp)
{
	struct ofp_flow_spec *spec = fp->spec;
	struct action_parse_ctx actx = {
		.port_by_name = fp->ctx->port_by_name,
		.aux = fp->ctx->aux,
		.match = &spec->match,
	};

	if (fp->ctx->mode == FLOW_PARSE_FILTER) {
		if (!fp->actions)
			return 0;
		snprintf(fp->err, fp->err_size, "a flow filter cannot have actions");
		return -EINVAL;
	}
	if (!fp->actions) {
		snprintf(fp->err, fp->err_size, "must specify actions (e.g. \"actions=drop\")");
		return -EINVAL;
	}
	return actions_parse(fp->actions, &actx, &spec->actions, &spec->n_actions, fp->err,
	                     fp->err_size);
}

int
flow_parse(const char *text, const struct flow_parse_ctx *ctx, struct ofp_flow_spec *out,
           char *err, size_t err_size)
{
	struct fparse fp = { .ctx = ctx, .spec = out, .err = err, .err_size = err_size };
	int error;

	memset(out, 0, sizeof *out);
	match_init_catchall(&out->match);
	out->priority = FLOW_PRIORITY_DEFAULT;
	out->table_id = FLOW_TABLE_ANY;
	error = parse_items(&fp, text);
	if (!error)
		error = check_prereqs(&fp);
	if (!error)
		normalize_icmp(&out->match);
	if (!error)
		error = parse_actions(&fp);
	if (error)
		ofp_flow_spec_uninit(out);
	return error;
}

void
ofp_flow_spec_uninit(struct ofp_flow_spec *spec)
{
	free(spec->actions);
	spec->actions = NULL;
	spec->n_actions = 0;
}

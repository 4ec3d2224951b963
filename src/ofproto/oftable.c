#include "oftable.h"

#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "util.h"

void
oftable_init(struct oftable *t)
{
	memset(t, 0, sizeof *t);
	for (int i = 0; i < OFTABLE_N; i++)
		classifier_init(&t->cls[i]);
	t->n_timeouts = 0;
}

static bool
has_timeout(const struct rule *r)
{
	return r->idle_timeout || r->hard_timeout;
}

static void
rule_destroy(struct oftable *t, struct rule *r)
{
	classifier_remove(&t->cls[r->table_id], &r->cr);
	if (has_timeout(r))
		t->n_timeouts--;
	free(r->actions);
	free(r);
	t->generation++;
}

static void
destroy_cb(struct cls_rule *cr, void *aux)
{
	rule_destroy(aux, rule_from_cls(cr));
}

void
oftable_uninit(struct oftable *t)
{
	for (int i = 0; i < OFTABLE_N; i++) {
		classifier_for_each(&t->cls[i], destroy_cb, t);
		classifier_destroy(&t->cls[i]);
	}
}

static void
set_actions(struct rule *r, const struct action *actions, size_t n)
{
	free(r->actions);
	r->actions = n ? xmalloc(n * sizeof *actions) : NULL;
	if (n)
		memcpy(r->actions, actions, n * sizeof *actions);
	r->n_actions = n;
}

/* The table a flow to add goes to. */
static uint8_t
spec_table(const struct ofp_flow_spec *spec)
{
	return spec->table_id == FLOW_TABLE_ANY ? 0 : spec->table_id;
}

static struct rule *
find_strict(const struct oftable *t, uint8_t table, const struct match *m, uint16_t priority)
{
	struct cls_rule *cr = classifier_find_exact(&t->cls[table], m, priority);

	return cr ? rule_from_cls(cr) : NULL;
}

/* A new rule for 'spec', not in any classifier yet, with room for its match's words. */
static struct rule *
rule_create(const struct ofp_flow_spec *spec)
{
	size_t n_words = classifier_n_words(&spec->match.wc);
	struct rule *r = xcalloc(1, sizeof *r + n_words * sizeof *r->match_values);

	r->cookie = spec->cookie;
	set_actions(r, spec->actions, spec->n_actions);
	r->idle_timeout = spec->idle_timeout;
	r->hard_timeout = spec->hard_timeout;
	r->table_id = spec_table(spec);
	r->created_ms = r->used_ms = time_msec();
	return r;
}

void
oftable_add(struct oftable *t, const struct ofp_flow_spec *spec)
{
	struct rule *r = rule_create(spec);
	struct rule *old = find_strict(t, r->table_id, &spec->match, spec->priority);

	if (old)
		rule_destroy(t, old);
	classifier_insert(&t->cls[r->table_id], &r->cr, r->match_values, &spec->match,
			  spec->priority);
	if (has_timeout(r))
		t->n_timeouts++;
	t->generation++;
}

/* Whether 'm' is at least as specific as 'filter' and agrees with it where the filter looks. */
static bool
match_covered(const struct match *m, const struct match *filter)
{
	const uint64_t *mf = (const uint64_t *)&m->flow, *mw = (const uint64_t *)&m->wc;
	const uint64_t *ff = (const uint64_t *)&filter->flow, *fw = (const uint64_t *)&filter->wc;

	for (size_t i = 0; i < FLOW_U64S; i++)
		if ((fw[i] & ~mw[i]) || ((mf[i] ^ ff[i]) & fw[i]))
			return false;
	return true;
}

static bool
rule_selected(const struct rule *r, const struct ofp_flow_spec *f, bool strict)
{
	struct match m;

	if (f->table_id != FLOW_TABLE_ANY && f->table_id != r->table_id)
		return false;
	if ((r->cookie ^ f->cookie) & f->cookie_mask)
		return false;
	if (strict && rule_priority(r) != f->priority)
		return false;
	rule_get_match(r, &m);
	return strict ? match_equal(&m, &f->match) : match_covered(&m, &f->match);
}

struct select_ctx {
	const struct ofp_flow_spec *filter;
	bool strict;
	struct rule **rules;
	size_t n, cap;
};

static void
select_cb(struct cls_rule *cr, void *aux)
{
	struct select_ctx *ctx = aux;
	struct rule *r = rule_from_cls(cr);

	if (ctx->filter && !rule_selected(r, ctx->filter, ctx->strict))
		return;
	if (ctx->n == ctx->cap)
		ctx->rules = xrealloc(ctx->rules, (ctx->cap = ctx->cap * 2 + 16) * sizeof *ctx->rules);
	ctx->rules[ctx->n++] = r;
}

static int
cmp_rules(const void *a, const void *b)
{
	const struct rule *x = *(struct rule *const *)a, *y = *(struct rule *const *)b;

	if (x->table_id != y->table_id)
		return x->table_id < y->table_id ? -1 : 1;
	if (rule_priority(x) != rule_priority(y))
		return rule_priority(x) > rule_priority(y) ? -1 : 1;
	return x->cr.seq < y->cr.seq ? -1 : x->cr.seq > y->cr.seq;
}

static struct rule **
select_rules(const struct oftable *t, const struct ofp_flow_spec *filter, bool strict, size_t *n)
{
	struct select_ctx ctx = { filter, strict, NULL, 0, 0 };

	for (int i = 0; i < OFTABLE_N; i++)
		if (classifier_count(&t->cls[i]))
			classifier_for_each(&t->cls[i], select_cb, &ctx);
	if (ctx.n)
		qsort(ctx.rules, ctx.n, sizeof *ctx.rules, cmp_rules);
	*n = ctx.n;
	return ctx.rules;
}

struct rule **
oftable_collect(const struct oftable *t, const struct ofp_flow_spec *filter, size_t *n)
{
	return select_rules(t, filter, false, n);
}

size_t
oftable_del(struct oftable *t, const struct ofp_flow_spec *filter, bool strict)
{
	size_t n;
	struct rule **rules = select_rules(t, filter, strict, &n);

	for (size_t i = 0; i < n; i++)
		rule_destroy(t, rules[i]);
	free(rules);
	return n;
}

size_t
oftable_mod(struct oftable *t, const struct ofp_flow_spec *filter, bool strict)
{
	size_t n;
	struct rule **rules = select_rules(t, filter, strict, &n);

	for (size_t i = 0; i < n; i++)
		set_actions(rules[i], filter->actions, filter->n_actions);
	free(rules);
	t->generation++;
	return n;
}

static const struct ofp_flow_spec *
find_spec(const struct ofp_flow_spec *specs, size_t n, const struct rule *r)
{
	struct match m;

	rule_get_match(r, &m);
	for (size_t i = 0; i < n; i++)
		if (spec_table(&specs[i]) == r->table_id && specs[i].priority == rule_priority(r) &&
		    match_equal(&specs[i].match, &m))
			return &specs[i];
	return NULL;
}

void
oftable_replace(struct oftable *t, const struct ofp_flow_spec *specs, size_t n)
{
	size_t n_old;
	struct rule **old = select_rules(t, NULL, false, &n_old);

	for (size_t i = 0; i < n_old; i++) {
		const struct ofp_flow_spec *s = find_spec(specs, n, old[i]);

		if (!s)
			rule_destroy(t, old[i]);
		else if (!actions_equal(s->actions, s->n_actions, old[i]->actions,
					old[i]->n_actions) || s->cookie != old[i]->cookie ||
			 s->idle_timeout != old[i]->idle_timeout ||
			 s->hard_timeout != old[i]->hard_timeout)
			oftable_add(t, s);
	}
	for (size_t i = 0; i < n; i++)
		if (!find_strict(t, spec_table(&specs[i]), &specs[i].match, specs[i].priority))
			oftable_add(t, &specs[i]);
	free(old);
	t->generation++;
}

size_t
oftable_count(const struct oftable *t)
{
	size_t n = 0;

	for (int i = 0; i < OFTABLE_N; i++)
		n += classifier_count(&t->cls[i]);
	return n;
}

struct rule *
oftable_lookup(const struct oftable *t, uint8_t table_id, const struct flow *flow)
{
	const struct cls_rule *cr = classifier_lookup(&t->cls[table_id], flow);

	return cr ? rule_from_cls(cr) : NULL;
}

static bool
expired(const struct rule *r, int64_t now)
{
	return (r->idle_timeout && now - r->used_ms >= r->idle_timeout * 1000LL) ||
	       (r->hard_timeout && now - r->created_ms >= r->hard_timeout * 1000LL);
}

size_t
oftable_expire(struct oftable *t, int64_t now_ms)
{
	struct rule **rules;
	size_t n, gone = 0;

	if (!t->n_timeouts)
		return 0;
	rules = select_rules(t, NULL, false, &n);
	for (size_t i = 0; i < n; i++) {
		if (expired(rules[i], now_ms)) {
			rule_destroy(t, rules[i]);
			gone++;
		}
	}
	free(rules);
	return gone;
}

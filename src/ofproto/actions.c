#include "actions.h"

#include <inttypes.h>
#include <string.h>

#include "strbuf.h"
#include "util.h"

static const char *const action_names[ACTION_N_TYPES] = {
#define ACTION_NAME(id, name) [ACTION_##id] = name,
	ACTION_TYPES(ACTION_NAME)
#undef ACTION_NAME
};

const char *
action_type_name(enum action_type type)
{
	return action_names[type];
}

/* Bits [ofs, ofs + n) of the 128-bit big-endian integer 'v'; 'n' at most 64. */
static uint64_t
value_bits(const union field_value *v, unsigned int ofs, unsigned int n)
{
	uint64_t x = 0;

	for (unsigned int i = n; i-- > 0;) {
		unsigned int bit = ofs + i;

		x = x << 1 | ((v->be[15 - bit / 8] >> (bit % 8)) & 1);
	}
	return x;
}

static void
format_subfield(enum field_id id, unsigned int ofs, unsigned int n_bits, struct strbuf *sb)
{
	const struct field_desc *f = field_get_desc(id);

	strbuf_put(sb, f->nxm);
	if (ofs == 0 && n_bits == f->n_bits)
		strbuf_put(sb, "[]");
	else if (n_bits == 1)
		strbuf_printf(sb, "[%u]", ofs);
	else
		strbuf_printf(sb, "[%u..%u]", ofs, ofs + n_bits - 1);
}

static void
format_load(const struct action *a, struct strbuf *sb)
{
	const struct subfield *dst = &a->load.dst;

	strbuf_printf(sb, "load:%#" PRIx64 "->", value_bits(&a->load.value, 0, dst->n_bits));
	format_subfield(dst->field, dst->ofs, dst->n_bits, sb);
}

static void
format_resubmit(const struct action *a, struct strbuf *sb)
{
	if (a->resubmit.table == ACTION_TABLE_CURRENT) {
		strbuf_put(sb, "resubmit:");
		field_port_format(a->resubmit.port, sb);
		return;
	}
	strbuf_put(sb, "resubmit(");
	if (a->resubmit.port != OFPP_IN_PORT)
		field_port_format(a->resubmit.port, sb);
	strbuf_printf(sb, ",%u)", a->resubmit.table);
}

/* One element of a note: the start of it, or more of its bytes. */
static void
format_note(const struct action *a, struct strbuf *sb)
{
	if (!a->note.cont)
		strbuf_put(sb, "note:");
	for (size_t i = 0; i < a->note.size; i++)
		strbuf_printf(sb, i || a->note.cont ? ".%02x" : "%02x", a->note.data[i]);
}

static void
format_output(const struct action *a, struct strbuf *sb)
{
	if (a->output.port < OFPP_MAX)
		strbuf_printf(sb, "output:%u", a->output.port);
	else
		field_port_format(a->output.port, sb);
}

static void
format_set_field(const struct action *a, struct strbuf *sb)
{
	const struct field_desc *f = field_get_desc(a->set_field.field);

	strbuf_printf(sb, "%s:", f->mod_action);
	field_format(f, &a->set_field.value, NULL, sb);
}

static void
format_one(const struct action *a, struct strbuf *sb)
{
	switch (a->type) {
	case ACTION_OUTPUT:
		format_output(a, sb);
		break;
	case ACTION_SET_FIELD:
		format_set_field(a, sb);
		break;
	case ACTION_LOAD:
		format_load(a, sb);
		break;
	case ACTION_MOVE:
		strbuf_put(sb, "move:");
		format_subfield(a->move.src.field, a->move.src.ofs, a->move.src.n_bits, sb);
		strbuf_put(sb, "->");
		format_subfield(a->move.dst.field, a->move.dst.ofs, a->move.dst.n_bits, sb);
		break;
	case ACTION_DEC_TTL:
	case ACTION_STRIP_VLAN:
		strbuf_put(sb, action_type_name(a->type));
		break;
	case ACTION_PUSH_VLAN:
		strbuf_printf(sb, "push_vlan:%#06x", a->push_vlan.ethertype);
		break;
	case ACTION_SET_TUNNEL:
		strbuf_printf(sb, "set_tunnel%s:%#" PRIx64, a->set_tunnel.is64 ? "64" : "",
		              a->set_tunnel.tun_id);
		break;
	case ACTION_RESUBMIT:
		format_resubmit(a, sb);
		break;
	case ACTION_NOTE:
		format_note(a, sb);
		break;
	case ACTION_N_TYPES:
		break;
	}
}

void
actions_format(const struct action *actions, size_t n_actions, struct strbuf *sb)
{
	if (!n_actions)
		strbuf_put(sb, "drop");
	for (size_t i = 0; i < n_actions; i++) {
		const struct action *a = &actions[i];

		if (i && !(a->type == ACTION_NOTE && a->note.cont))
			strbuf_putc(sb, ',');
		format_one(a, sb);
	}
}

bool
actions_equal(const struct action *a, size_t n_a, const struct action *b, size_t n_b)
{
	return n_a == n_b && (!n_a || !memcmp(a, b, n_a * sizeof *a));
}

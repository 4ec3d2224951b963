/*
 * Parsing of ovs-ofctl action syntax into 'struct action' arrays. One table maps each action
 * keyword to its parser; the mod_* keywords share one parser through the field table.
 */
#include "actions.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flow-tok.h"
#include "match.h"
#include "util.h"

struct aparse {
	const struct action_parse_ctx *ctx;
	struct action *acts;            /* Parsed so far. */
	size_t n, cap;
	const struct ftok *kv;            /* The item being parsed. */
	char *arg;                      /* Its value, NUL-terminated. */
	bool drop;                      /* "drop" was seen. */
	bool goto_table;                /* goto_table was seen: nothing may follow. */
	int vlans;                      /* VLAN tags the packet has at this point. */
	char *err;
	size_t err_size;
};

typedef int action_parser(struct aparse *ap, enum field_id field);

/* Writes an error naming the current item: "ITEM": REASON. Returns -EINVAL. */
static int PRINTF_FMT(2, 3)
item_error(struct aparse *ap, const char *fmt, ...)
{
	va_list args;
	int r;

	va_start(args, fmt);
	r = ftok_verror(ap->kv, ap->err, ap->err_size, fmt, args);
	va_end(args);
	return r;
}

static struct action *
add_action(struct aparse *ap, enum action_type type)
{
	struct action *a;

	if (ap->n == ap->cap) {
		ap->cap = ap->cap ? ap->cap * 2 : 4;
		ap->acts = xrealloc(ap->acts, ap->cap * sizeof *ap->acts);
	}
	a = &ap->acts[ap->n++];
	memset(a, 0, sizeof *a);
	a->type = type;
	return a;
}

/* A port as typed: number, reserved name, or a name the caller resolves. */
static bool
parse_port(struct aparse *ap, const char *s, uint32_t *port)
{
	const struct action_parse_ctx *ctx = ap->ctx;

	return field_port_from_string(s, port) ||
	       (ctx->port_by_name && !ctx->port_by_name(ctx->aux, s, port));
}

static bool
output_port_ok(uint32_t port)
{
	return port < OFPP_MAX || port == OFPP_IN_PORT || port == OFPP_TABLE ||
	       port == OFPP_NORMAL || port == OFPP_FLOOD || port == OFPP_ALL ||
	       port == OFPP_LOCAL;
}

static int
add_output(struct aparse *ap, const char *s)
{
	uint32_t port;

	if (!parse_port(ap, s, &port))
		return item_error(ap, "output to unknown port");
	if (port == OFPP_CONTROLLER)
		return item_error(ap, "output to the controller is not supported");
	if (!output_port_ok(port))
		return item_error(ap, "invalid output port");
	add_action(ap, ACTION_OUTPUT)->output.port = port;
	return 0;
}

static int
parse_output(struct aparse *ap, enum field_id field UNUSED)
{
	return add_output(ap, ap->arg);
}

static int
parse_drop(struct aparse *ap, enum field_id field UNUSED)
{
	ap->drop = true;
	return 0;
}

static int
parse_simple(struct aparse *ap, enum action_type type)
{
	if (*ap->arg)
		return item_error(ap, "takes no argument");
	add_action(ap, type);
	return 0;
}

static int
parse_dec_ttl(struct aparse *ap, enum field_id field UNUSED)
{
	return parse_simple(ap, ACTION_DEC_TTL);
}

static int
parse_strip_vlan(struct aparse *ap, enum field_id field UNUSED)
{
	ap->vlans = MAX(ap->vlans - 1, 0);
	return parse_simple(ap, ACTION_STRIP_VLAN);
}

static int
parse_u64(struct aparse *ap, const char *s, uint64_t max, uint64_t *x)
{
	if (!str_to_u64(s, max, x))
		return item_error(ap, "invalid number \"%s\"", s);
	return 0;
}

static int
parse_push_vlan(struct aparse *ap, enum field_id field UNUSED)
{
	uint64_t type;

	if (parse_u64(ap, ap->arg, 0xffff, &type))
		return -EINVAL;
	if (type != 0x8100 && type != 0x88a8)
		return item_error(ap, "not a VLAN ethertype (0x8100 or 0x88a8)");
	/* Like OVS, a flow key holds two tags at most. */
	if (ap->vlans == 2)
		return item_error(ap, "a packet can have two VLAN tags at most");
	add_action(ap, ACTION_PUSH_VLAN)->push_vlan.ethertype = (uint16_t)type;
	ap->vlans++;
	return 0;
}

static int
parse_set_tunnel(struct aparse *ap, enum field_id field UNUSED)
{
	struct action *a;
	uint64_t id;

	if (parse_u64(ap, ap->arg, UINT64_MAX, &id))
		return -EINVAL;
	a = add_action(ap, ACTION_SET_TUNNEL);
	a->set_tunnel.tun_id = id;
	a->set_tunnel.is64 = ftok_key_is(ap->kv, "set_tunnel64", true) || id > UINT32_MAX;
	return 0;
}

static int
parse_table(struct aparse *ap, const char *s, uint8_t *table)
{
	uint64_t t;

	if (!str_to_u64(s, 254, &t))
		return item_error(ap, "unknown table \"%s\"", s);
	*table = (uint8_t)t;
	return 0;
}

/* resubmit:PORT, resubmit(PORT), resubmit(PORT,TABLE), resubmit(,TABLE). */
static int
parse_resubmit(struct aparse *ap, enum field_id field UNUSED)
{
	char *comma = strchr(ap->arg, ',');
	struct action *a;
	uint32_t port = OFPP_IN_PORT;
	uint8_t table = ACTION_TABLE_CURRENT;

	if (comma) {
		*comma = '\0';
		if (comma[1] && parse_table(ap, comma + 1, &table))
			return -EINVAL;
	}
	if (*ap->arg && !parse_port(ap, ap->arg, &port))
		return item_error(ap, "resubmit from unknown port");
	if (port == OFPP_IN_PORT && table == ACTION_TABLE_CURRENT)
		return item_error(ap, "needs a port or a table");
	a = add_action(ap, ACTION_RESUBMIT);
	a->resubmit.port = port;
	a->resubmit.table = table;
	return 0;
}

/* OVS sends goto_table to an OpenFlow 1.0 switch as resubmit(,T); so do we. */
static int
parse_goto_table(struct aparse *ap, enum field_id field UNUSED)
{
	struct action *a;
	uint8_t table = 0;

	if (parse_table(ap, ap->arg, &table))
		return -EINVAL;
	a = add_action(ap, ACTION_RESUBMIT);
	a->resubmit.port = OFPP_IN_PORT;
	a->resubmit.table = table;
	ap->goto_table = true;
	return 0;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Adds the 'size' bytes of a note as elements of ACTION_NOTE_CHUNK bytes at most. */
static void
add_note(struct aparse *ap, const uint8_t *data, size_t size)
{
	for (size_t ofs = 0; ofs < size; ofs += ACTION_NOTE_CHUNK) {
		struct action *a = add_action(ap, ACTION_NOTE);

		a->note.size = (uint8_t)MIN(size - ofs, ACTION_NOTE_CHUNK);
		a->note.cont = ofs > 0;
		memcpy(a->note.data, data + ofs, a->note.size);
	}
}

/* note:HEX, with optional '.' between bytes; padded with zeros as OpenFlow pads it. */
static int
parse_note(struct aparse *ap, enum field_id field UNUSED)
{
	uint8_t data[ACTION_NOTE_MAX] = { 0 };
	const char *s = ap->arg;
	size_t n = 0;

	while (*s) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (*s == '.') {
			s++;
			continue;
		}
		if (lo < 0)
			return item_error(ap, "bad hex digit");
		if (n == ACTION_NOTE_MAX)
			return item_error(ap, "longer than %d bytes", ACTION_NOTE_MAX);
		data[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	/* The action header is 10 bytes and actions are a multiple of 8 long. */
	add_note(ap, data, (n + 10 + 7) / 8 * 8 - 10);
	return 0;
}

/* The 128-bit big-endian integer a load carries, from a field value of 'size' bytes. */
static void
value_to_u128(const union field_value *v, size_t size, union field_value *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->be + sizeof out->be - size, v->be, size);
}

static bool
u128_bit(const union field_value *v, unsigned int bit)
{
	return (v->be[15 - bit / 8] >> (bit % 8)) & 1;
}

/* 'v' shifted right by 'ofs' bits. */
static void
u128_shift_right(union field_value *v, unsigned int ofs)
{
	union field_value r;

	memset(&r, 0, sizeof r);
	for (unsigned int bit = ofs; bit < 128; bit++)
		if (u128_bit(v, bit))
			r.be[15 - (bit - ofs) / 8] |= (uint8_t)(1u << ((bit - ofs) % 8));
	*v = r;
}

/* Whether the packet meets 'pre' at this point in the actions (push/strip change VLANs). */
static bool
prereq_ok(const struct aparse *ap, enum field_prereq pre)
{
	return pre == FIELD_PRE_VLAN ? ap->vlans > 0 : match_prereq_ok(ap->ctx->match, pre);
}

static int
check_prereq(struct aparse *ap, const struct field_desc *f)
{
	if (prereq_ok(ap, f->action_pre))
		return 0;
	return item_error(ap, "%s needs %s in the match (e.g. add \"%s,\")", f->name,
	                  field_prereq_desc(f->action_pre), field_prereq_example(f->action_pre));
}

/* Whether 'v' survives being stored in 'f' (no bits beyond the field's). */
static bool
value_fits(const struct field_desc *f, const union field_value *v)
{
	union field_value back;
	struct flow tmp;

	memset(&tmp, 0, sizeof tmp);
	field_write(f, v, false, &tmp);
	field_read(f, &tmp, &back);
	return !memcmp(back.be, v->be, f->size);
}

static int
add_set_field(struct aparse *ap, const struct field_desc *f, enum field_id mod_field,
              const union field_value *v)
{
	const struct field_desc *mod = field_get_desc(mod_field);
	struct action *a;
	struct flow tmp;

	if (!value_fits(f, v))
		return item_error(ap, "value out of range for %s", f->name);
	/* Stored as the mod_* field ("ip_dscp" 4 is "mod_nw_tos:16"). */
	memset(&tmp, 0, sizeof tmp);
	field_write(f, v, false, &tmp);
	a = add_action(ap, ACTION_SET_FIELD);
	a->set_field.field = mod_field;
	field_read(mod, &tmp, &a->set_field.value);
	a->set_field.push_vlan = false;
	return 0;
}

/* mod_dl_src:MAC and friends: set_field without prerequisite checks. */
static int
parse_mod(struct aparse *ap, enum field_id field)
{
	const struct field_desc *f = field_get_desc(field);
	union field_value v;
	char reason[128];

	if (field_parse(f, ap->arg, NULL, NULL, &v, NULL, reason, sizeof reason))
		return item_error(ap, "%s", reason);
	if (add_set_field(ap, f, field, &v))
		return -EINVAL;
	/* OVS's mod_vlan_* push a tag on untagged packets; set_field does not. Where a tag is
	 * sure to be there the two are the same, and are stored the same. */
	if (f->present) {
		ap->acts[ap->n - 1].set_field.push_vlan = ap->vlans == 0;
		ap->vlans = MAX(ap->vlans, 1);
	}
	return 0;
}

/* Bits [ofs, ofs + n) of 'v', as a load's right-aligned value. */
static void
u128_bits(const union field_value *v, unsigned int ofs, unsigned int n,
          union field_value *out)
{
	*out = *v;
	u128_shift_right(out, ofs);
	for (unsigned int bit = n; bit < 128; bit++)
		out->be[15 - bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

/* Adds a load, cut into loads of 64 bits at most, low bits first, as OpenFlow carries it. */
static int
add_load(struct aparse *ap, const struct subfield *dst, const union field_value *v128)
{
	for (unsigned int start = 0; start < dst->n_bits; start += 64) {
		struct action *a = add_action(ap, ACTION_LOAD);

		a->load.dst = *dst;
		a->load.dst.ofs = (uint8_t)(dst->ofs + start);
		a->load.dst.n_bits = (uint8_t)MIN(64u, dst->n_bits - start);
		u128_bits(v128, start, a->load.dst.n_bits, &a->load.value);
	}
	return 0;
}

/* set_field with a mask becomes one load per run of 1 bits in the mask, low bits first. */
static int
add_masked_load(struct aparse *ap, const struct field_desc *f, const union field_value *v,
                const union field_value *mask)
{
	union field_value val, m, bits;
	unsigned int bit = 0;

	value_to_u128(v, f->size, &val);
	value_to_u128(mask, f->size, &m);
	while (bit < f->n_bits) {
		struct subfield dst = { f->id, 0, 0 };

		if (!u128_bit(&m, bit)) {
			bit++;
			continue;
		}
		dst.ofs = (uint8_t)bit;
		while (bit < f->n_bits && u128_bit(&m, bit))
			bit++;
		dst.n_bits = (uint8_t)(bit - dst.ofs);
		u128_bits(&val, dst.ofs, dst.n_bits, &bits);
		add_load(ap, &dst, &bits);
	}
	return 0;
}

static enum field_id mod_field_of(const struct field_desc *f);

/* set_field:VALUE[/MASK]->FIELD */
static int
parse_set_field(struct aparse *ap, enum field_id field UNUSED)
{
	char *arrow = strstr(ap->arg, "->"), reason[128];
	const struct field_desc *f;
	union field_value v, mask;

	if (!arrow)
		return item_error(ap, "expects VALUE->FIELD");
	*arrow = '\0';
	f = field_by_name(arrow + 2);
	if (!f || !f->settable)
		return item_error(ap, "%s \"%s\"", f ? "cannot set field" : "unknown field",
		                  arrow + 2);
	if (field_parse(f, ap->arg, ap->ctx->port_by_name, ap->ctx->aux, &v, &mask, reason,
	                sizeof reason))
		return item_error(ap, "%s", reason);
	if (check_prereq(ap, f))
		return -EINVAL;
	/* A field with an OpenFlow 1.0 action is sent as that action, which has no mask: OVS
	 * drops the mask ("set_field:V/M->eth_dst" sets all of eth_dst to V). */
	if (f->mod_action)
		return add_set_field(ap, f, mod_field_of(f), &v);
	if (!f->nxm)
		return item_error(ap, "%s cannot be set with a mask", f->name);
	return add_masked_load(ap, f, &v, &mask);
}

/* NAME[], NAME[BIT], NAME[START..END] or NAME, where NAME is an NXM or field name; a
 * destination ('is_dst') must be writable. */
static int
parse_subfield(struct aparse *ap, char *s, bool is_dst, struct subfield *sf)
{
	char *bracket = strchr(s, '[');
	const struct field_desc *f;
	unsigned int start = 0, end = 0;
	int n = 0;

	if (bracket)
		*bracket++ = '\0';
	f = field_by_nxm(s);
	if (!f && (f = field_by_name(s)) && !f->nxm)
		f = NULL;
	if (!f)
		return item_error(ap, "unknown field \"%s\"", s);
	if (is_dst && !f->settable)
		return item_error(ap, "%s is read-only", f->nxm);
	if (!bracket || !strcmp(bracket, "]")) {
		start = 0;
		end = f->n_bits - 1u;
	} else if (sscanf(bracket, "%u..%u]%n", &start, &end, &n) != 2 || bracket[n]) {
		n = 0;
		if (sscanf(bracket, "%u]%n", &start, &n) != 1 || bracket[n])
			return item_error(ap, "bad bit range \"[%s\"", bracket);
		end = start;
	}
	if (start >= f->n_bits || end >= f->n_bits || end < start)
		return item_error(ap, "bits %u..%u are outside %s (%u bits)", start, end,
		                  f->nxm, f->n_bits);
	*sf = (struct subfield){ f->id, (uint8_t)start, (uint8_t)(end - start + 1) };
	return check_prereq(ap, f);
}

/* load:VALUE->DST */
static int
parse_load(struct aparse *ap, enum field_id field UNUSED)
{
	char *arrow = strstr(ap->arg, "->");
	union field_value v;
	struct subfield dst = { 0 };
	uint64_t x = 0;

	if (!arrow)
		return item_error(ap, "expects VALUE->FIELD[BITS]");
	*arrow = '\0';
	if (parse_subfield(ap, arrow + 2, true, &dst) || parse_u64(ap, ap->arg, UINT64_MAX, &x))
		return -EINVAL;
	if (dst.n_bits < 64 && x >> dst.n_bits)
		return item_error(ap, "value does not fit in %u bits", dst.n_bits);
	field_value_set_u64(&v, sizeof v.be, x);
	return add_load(ap, &dst, &v);
}

/* move:SRC->DST */
static int
parse_move(struct aparse *ap, enum field_id field UNUSED)
{
	char *arrow = strstr(ap->arg, "->");
	struct action *a;
	struct subfield src = { 0 }, dst = { 0 };

	if (!arrow)
		return item_error(ap, "expects SRC[BITS]->DST[BITS]");
	*arrow = '\0';
	if (parse_subfield(ap, ap->arg, false, &src) || parse_subfield(ap, arrow + 2, true, &dst))
		return -EINVAL;
	if (src.n_bits != dst.n_bits)
		return item_error(ap, "source is %u bits wide but destination is %u", src.n_bits,
		                  dst.n_bits);
	a = add_action(ap, ACTION_MOVE);
	a->move.src = src;
	a->move.dst = dst;
	return 0;
}

static const struct {
	const char *name;
	action_parser *parse;
	enum field_id field;            /* For parse_mod. */
} parsers[] = {
	{ "output", parse_output, 0 },
	{ "drop", parse_drop, 0 },
	{ "mod_dl_src", parse_mod, FIELD_ETH_SRC },
	{ "mod_dl_dst", parse_mod, FIELD_ETH_DST },
	{ "mod_nw_src", parse_mod, FIELD_NW_SRC },
	{ "mod_nw_dst", parse_mod, FIELD_NW_DST },
	{ "mod_nw_tos", parse_mod, FIELD_NW_TOS },
	{ "mod_tp_src", parse_mod, FIELD_TP_SRC },
	{ "mod_tp_dst", parse_mod, FIELD_TP_DST },
	{ "mod_vlan_vid", parse_mod, FIELD_DL_VLAN },
	{ "mod_vlan_pcp", parse_mod, FIELD_DL_VLAN_PCP },
	{ "dec_ttl", parse_dec_ttl, 0 },
	{ "strip_vlan", parse_strip_vlan, 0 },
	{ "pop_vlan", parse_strip_vlan, 0 },
	{ "push_vlan", parse_push_vlan, 0 },
	{ "set_field", parse_set_field, 0 },
	{ "load", parse_load, 0 },
	{ "move", parse_move, 0 },
	{ "set_tunnel", parse_set_tunnel, 0 },
	{ "set_tunnel64", parse_set_tunnel, 0 },
	{ "resubmit", parse_resubmit, 0 },
	{ "goto_table", parse_goto_table, 0 },
	{ "note", parse_note, 0 },
};

/* The field whose mod_* action set_field on 'f' is stored as. */
static enum field_id
mod_field_of(const struct field_desc *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(parsers); i++)
		if (parsers[i].parse == parse_mod && !strcmp(parsers[i].name, f->mod_action))
			return parsers[i].field;
	return f->id;
}

static int
parse_item(struct aparse *ap)
{
	const struct ftok *kv = ap->kv;

	if (ap->goto_table)
		return item_error(ap, "nothing may follow goto_table");
	for (size_t i = 0; i < ARRAY_SIZE(parsers); i++)
		if (ftok_key_is(kv, parsers[i].name, true))
			return parsers[i].parse(ap, parsers[i].field);
	/* A bare port ("1", "LOCAL", "in_port", a port name) outputs to it. */
	if (!kv->delim) {
		char *name = ftok_strdup(kv->key, kv->key_len);
		uint32_t port;
		int error = parse_port(ap, name, &port) ? add_output(ap, name) : -ENOENT;

		free(name);
		if (error != -ENOENT)
			return error;
	}
	snprintf(ap->err, ap->err_size, "unknown action \"%.*s\"", (int)kv->key_len, kv->key);
	return -EINVAL;
}

/*
 * The checks an OpenFlow 1.1+ switch makes, which apply once push_vlan (which OpenFlow 1.0
 * lacks) is in the list: ovs-ofctl then sends mod_* as set_field, whose prerequisites hold,
 * and needs IP for dec_ttl and a tag for strip_vlan. Returns the offending action or NULL.
 */
static const struct action *
check_of11(struct aparse *ap, const char **need)
{
	ap->vlans = match_prereq_ok(ap->ctx->match, FIELD_PRE_VLAN);
	for (size_t i = 0; i < ap->n; i++) {
		const struct action *a = &ap->acts[i];
		enum field_prereq pre = FIELD_PRE_NONE;

		if (a->type == ACTION_DEC_TTL)
			pre = FIELD_PRE_IP_ANY;
		else if (a->type == ACTION_STRIP_VLAN || a->type == ACTION_SET_FIELD)
			pre = a->type == ACTION_STRIP_VLAN ? FIELD_PRE_VLAN
			                                   : field_get_desc(a->set_field.field)->action_pre;
		if (a->type == ACTION_SET_FIELD && a->set_field.push_vlan)
			ap->vlans = MAX(ap->vlans, 1);
		if (!prereq_ok(ap, pre)) {
			*need = field_prereq_desc(pre);
			return a;
		}
		if (a->type == ACTION_PUSH_VLAN)
			ap->vlans++;
		else if (a->type == ACTION_STRIP_VLAN)
			ap->vlans--;
	}
	return NULL;
}

static bool
has_action(const struct aparse *ap, enum action_type type)
{
	for (size_t i = 0; i < ap->n; i++)
		if (ap->acts[i].type == type)
			return true;
	return false;
}

static int
check_list(struct aparse *ap)
{
	const struct action *bad;
	const char *need;

	if (ap->drop && ap->n) {
		snprintf(ap->err, ap->err_size, "\"drop\" must not be combined with other actions");
		return -EINVAL;
	}
	if (has_action(ap, ACTION_PUSH_VLAN) && (bad = check_of11(ap, &need))) {
		snprintf(ap->err, ap->err_size, "with push_vlan (OpenFlow 1.1+), %s needs %s in the "
		         "match", action_type_name(bad->type), need);
		return -EINVAL;
	}
	return 0;
}

int
actions_parse(const char *text, const struct action_parse_ctx *ctx,
              struct action **actions, size_t *n_actions, char *err, size_t err_size)
{
	struct aparse ap = { .ctx = ctx, .err = err, .err_size = err_size };
	struct ftok kv;
	int error = 0;

	ap.kv = &kv;
	ap.vlans = match_prereq_ok(ctx->match, FIELD_PRE_VLAN);
	while (!error && ftok_next(&text, &kv)) {
		ap.arg = ftok_strdup(kv.value, kv.value_len);
		error = parse_item(&ap);
		free(ap.arg);
	}
	if (!error)
		error = check_list(&ap);
	if (error) {
		free(ap.acts);
		return error;
	}
	*actions = ap.acts;
	*n_actions = ap.n;
	return 0;
}

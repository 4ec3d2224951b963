/*
 * Flow actions: a flat array of 'struct action', in the order they run. Each action is plain
 * data (no pointers), so an array is copied with memcpy and compared with memcmp. Every flow
 * holds such an array, so 'struct action' is kept small (32 bytes): a note, the only long one,
 * takes as many elements as its bytes need (see 'note').
 *
 * Actions are kept in the form an OpenFlow 1.0 switch with Nicira extensions (what ovs-ofctl
 * talks by default) would store, so that they print the way 'ovs-ofctl dump-flows' prints them:
 * "set_field:V->eth_src" becomes a SET_FIELD printed "mod_dl_src:V"; "set_field:V->tun_dst"
 * becomes a LOAD printed "load:0x...->NXM_NX_TUN_IPV4_DST[]"; "goto_table:T" becomes
 * "resubmit(,T)". "drop" is the empty list.
 */
#ifndef LS_ACTIONS_H
#define LS_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "field.h"

struct match;
struct strbuf;

#define ACTION_TYPES(X) \
	X(OUTPUT, "output")         /* Send to a port (number or reserved port). */ \
	X(SET_FIELD, "set_field")   /* Set a whole field (the OpenFlow 1.0 mod_* actions). */ \
	X(LOAD, "load")             /* Write an immediate into some bits of a field. */ \
	X(MOVE, "move")             /* Copy bits from one field to another. */ \
	X(DEC_TTL, "dec_ttl")       /* Decrement the IP TTL or hop limit. */ \
	X(STRIP_VLAN, "strip_vlan") /* Pop the outer VLAN tag. */ \
	X(PUSH_VLAN, "push_vlan")   /* Push a VLAN tag with the given ethertype. */ \
	X(SET_TUNNEL, "set_tunnel") /* Set the tunnel key (LISP Instance ID). */ \
	X(RESUBMIT, "resubmit")     /* Look up again, as if from a port, in a table. */ \
	X(NOTE, "note")             /* Opaque bytes; does nothing. */

enum action_type {
#define ACTION_ENUM(id, name) ACTION_##id,
	ACTION_TYPES(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_N_TYPES
};

/* Room for a note's bytes, padded as OpenFlow pads them (OVS allows more; we refuse). */
#define ACTION_NOTE_MAX 62
/* A note's bytes that one element holds: as many as leave the union no larger. */
#define ACTION_NOTE_CHUNK 22

/* Some bits of a field, as load and move address them ("NXM_OF_ETH_SRC[0..15]"). */
struct subfield {
	enum field_id field;
	uint8_t ofs;            /* First bit, counted from the least significant. */
	uint8_t n_bits;         /* Number of bits, at least 1. */
};

/* The table a resubmit without a table means: the current one. */
#define ACTION_TABLE_CURRENT 0xff

struct action {
	enum action_type type;
	union {
		struct {
			uint32_t port;          /* OpenFlow port, possibly reserved. */
		} output;
		struct {
			enum field_id field;    /* A field with a 'mod_action'. */
			union field_value value;
			bool push_vlan;         /* mod_vlan_* where the packet may be untagged:
			                         * push a tag if there is none. */
		} set_field;
		struct {
			struct subfield dst;    /* At most 64 bits: wider loads are split. */
			union field_value value; /* A 128-bit big-endian integer. */
		} load;
		struct {
			struct subfield src, dst; /* Same width. */
		} move;
		struct {
			uint16_t ethertype;     /* 0x8100 or 0x88a8. */
		} push_vlan;
		struct {
			uint64_t tun_id;
			bool is64;              /* Printed as set_tunnel64 (always past 32 bits). */
		} set_tunnel;
		struct {
			uint32_t port;          /* In port to pretend, OFPP_IN_PORT to keep it. */
			uint8_t table;          /* ACTION_TABLE_CURRENT or a table. */
		} resubmit;
		struct {
			uint8_t size;           /* Bytes of 'data' used. */
			bool cont;              /* Continues the note of the element before. */
			uint8_t data[ACTION_NOTE_CHUNK];
		} note;
	};
};

_Static_assert(sizeof(struct action) == 32, "a note element must not make actions larger");

/* What action parsing needs from its caller. */
struct action_parse_ctx {
	field_port_lookup *port_by_name; /* Resolves port names; NULL to allow numbers only. */
	void *aux;                       /* Passed to 'port_by_name'. */
	const struct match *match;       /* The flow's match, for prerequisite checks. */
};

/*
 * Parses the comma- or space-separated 'text' into a new array '*actions' (free() it) of
 * '*n_actions'. On error writes a one-line message to 'err' and returns -EINVAL.
 */
int actions_parse(const char *text, const struct action_parse_ctx *ctx,
                  struct action **actions, size_t *n_actions, char *err, size_t err_size);

/* Prints 'actions' as ovs-ofctl does ("drop" when empty). */
void actions_format(const struct action *actions, size_t n_actions, struct strbuf *sb);

bool actions_equal(const struct action *a, size_t n_a, const struct action *b, size_t n_b);

/* Name of 'type' as typed ("set_field"). */
const char *action_type_name(enum action_type type);

#endif

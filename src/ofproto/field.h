/*
 * The one table of flow fields. Every place that names a field (match parsing and printing,
 * set_field, load, move, prerequisite checks) looks it up here, so adding a field is one row.
 *
 * A field has a value syntax (how users type and read it), a place in 'struct flow' (how it is
 * stored, possibly as a few bits of a wider member), and the NXM name that load/move use. Several
 * names may share storage ("nw_src" and "arp_spa" are both 'flow.nw_src'); each is its own row
 * because its prerequisites and printing differ.
 *
 * Values travel as 'union field_value': 'size' bytes in network order at the start of 'be'.
 */
#ifndef LS_FIELD_H
#define LS_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define FIELD_IDS(X) \
	X(IN_PORT) X(ETH_SRC) X(ETH_DST) X(ETH_TYPE) \
	X(VLAN_TCI) X(DL_VLAN) X(VLAN_VID) X(DL_VLAN_PCP) \
	X(NW_SRC) X(NW_DST) X(ARP_SPA) X(ARP_TPA) X(IPV6_SRC) X(IPV6_DST) \
	X(NW_PROTO) X(ARP_OP) X(NW_TOS) X(IP_DSCP) X(NW_TTL) \
	X(TP_SRC) X(TP_DST) X(TCP_SRC) X(TCP_DST) X(UDP_SRC) X(UDP_DST) X(SCTP_SRC) X(SCTP_DST) \
	X(ICMP_TYPE) X(ICMP_CODE) X(ICMPV6_TYPE) X(ICMPV6_CODE) \
	X(ARP_SHA) X(ARP_THA) \
	X(TUN_ID) X(TUN_SRC) X(TUN_DST) X(TUN_IPV6_SRC) X(TUN_IPV6_DST)

enum field_id {
#define FIELD_ENUM(id) FIELD_##id,
	FIELD_IDS(FIELD_ENUM)
#undef FIELD_ENUM
	FIELD_N
};

/* How a value is typed and printed. */
enum field_syntax {
	FIELD_SYN_DEC,   /* Integer, printed in decimal (hex when masked). */
	FIELD_SYN_HEX,   /* Integer, printed as minimal hex ("0x2a"). */
	FIELD_SYN_HEX4,  /* Integer, printed as 4 hex digits ("0x0800"). */
	FIELD_SYN_MAC,   /* xx:xx:xx:xx:xx:xx. */
	FIELD_SYN_IPV4,  /* Dotted quad; masks as /prefix or /netmask. */
	FIELD_SYN_IPV6,  /* RFC 4291 text; masks as /prefix or /netmask. */
	FIELD_SYN_PORT,  /* OpenFlow port: number, reserved name or port name. */
};

/* How a value maps onto 'struct flow'. */
enum field_store {
	FIELD_ST_BYTES,  /* 'size' bytes at 'ofs', as is. */
	FIELD_ST_RESIZE, /* An integer of 'size' bytes kept in 'st_size' bytes (zero-extended or
	                  * truncated), e.g. the 8-bit ICMP type in the 16-bit 'tp_src'. */
	FIELD_ST_HOST32, /* A 16-bit value kept in a host-order uint32_t ('in_port'). */
	FIELD_ST_BITS,   /* Bits 'bits' of the big-endian integer at 'ofs' ('st_size' bytes),
	                  * value shifted left by 'shift'; 'present' bits are set in value and
	                  * mask whenever a match uses the field (the VLAN CFI bit). */
};

/*
 * What a flow must match for the field to mean something. Matches are checked by storage (as
 * OVS normalises them: 'nw_src' is fine with arp), actions by the field's own protocol.
 */
enum field_prereq {
	FIELD_PRE_NONE,
	FIELD_PRE_L3,          /* ip or arp: IPv4 addresses and ARP SPA/TPA. */
	FIELD_PRE_IP_OR_ARP,   /* ip, ipv6 or arp: protocol and ARP opcode. */
	FIELD_PRE_IP_ANY,      /* ip or ipv6. */
	FIELD_PRE_IPV4,
	FIELD_PRE_IPV6,
	FIELD_PRE_ARP,
	FIELD_PRE_L4,          /* ip/ipv6 with tcp, udp, sctp, icmp or icmp6. */
	FIELD_PRE_PORTS,       /* ip/ipv6 with tcp, udp or sctp. */
	FIELD_PRE_TCP,
	FIELD_PRE_UDP,
	FIELD_PRE_SCTP,
	FIELD_PRE_ICMPV4,
	FIELD_PRE_ICMPV6,
	FIELD_PRE_VLAN,        /* A VLAN tag (CFI bit matched as 1). */
	FIELD_PRE_N
};

union field_value {
	uint8_t be[16];        /* Network order, in the first 'size' bytes. */
};

struct field_desc {
	enum field_id id;
	const char *name;          /* Name printed in matches and accepted everywhere. */
	const char *aliases[2];    /* Other accepted names (OXM spellings), or NULL. */
	const char *nxm;           /* NXM name for load/move, or NULL if none. */
	enum field_syntax syntax;
	enum field_store store;
	uint8_t size;              /* Bytes of a value as typed (and of the NXM field). */
	uint8_t n_bits;            /* Bits of the NXM field (load/move width). */
	uint16_t ofs;              /* offsetof(struct flow, member). */
	uint8_t st_size;           /* Bytes of the flow member for RESIZE and BITS. */
	uint8_t shift;             /* BITS: value bit 0 is storage bit 'shift'. */
	uint16_t bits;             /* BITS: storage bits the field covers. */
	uint16_t present;          /* BITS: storage bits a match also sets (VLAN CFI). */
	bool maskable;             /* Accepts "value/mask" in matches. */
	bool matchable;            /* Usable as a match key ("vlan_vid" is set_field only). */
	bool settable;             /* Usable with set_field. */
	enum field_prereq match_pre;   /* Needed by a match on it (else refused). */
	enum field_prereq action_pre;  /* Needed by set_field/load/move on it (else rejected). */
	const char *mod_action;    /* The OpenFlow 1.0 action set_field prints as, or NULL. */
};

/* The row for 'id'. */
const struct field_desc *field_get_desc(enum field_id id);

/* Finds a field by any of its names, or by NXM name; NULL if none. */
const struct field_desc *field_by_name(const char *name);
const struct field_desc *field_by_nxm(const char *nxm);

/* A short description and an example keyword for an error message ("ip or arp", "ip"). */
const char *field_prereq_desc(enum field_prereq pre);
const char *field_prereq_example(enum field_prereq pre);

/* Reads a value of 'f' out of 'flow' (which may be a mask). */
void field_read(const struct field_desc *f, const struct flow *flow, union field_value *v);
/*
 * Writes 'v' into 'flow' as the value of 'f'. For BITS fields only the field's bits change;
 * 'as_mask' sets the extra bits a mask needs (RESIZE's widened bytes, the VLAN CFI bit).
 */
void field_write(const struct field_desc *f, const union field_value *v, bool as_mask,
                 struct flow *flow);

/*
 * Parses 'text' ("value" or, if 'mask' is nonnull, "value/mask") for 'f'. 'mask' is all ones
 * when no mask is given. Port names go through 'port_by_name' when it is nonnull. On failure
 * writes a one-line reason (without the field name) to 'err' and returns -EINVAL.
 */
typedef int field_port_lookup(void *aux, const char *name, uint32_t *ofport);
int field_parse(const struct field_desc *f, const char *text, field_port_lookup *lookup,
                void *aux, union field_value *v, union field_value *mask, char *err,
                size_t err_size);

struct strbuf;
/* Prints 'v' (and 'mask' unless it is NULL or covers the field) in the field's syntax. */
void field_format(const struct field_desc *f, const union field_value *v,
                  const union field_value *mask, struct strbuf *sb);

/* The mask that covers all of 'f' (for BITS fields, only its bits). */
void field_full_mask(const struct field_desc *f, union field_value *m);
/* Whether 'mask' covers all of 'f'. */
bool field_mask_is_exact(const struct field_desc *f, const union field_value *mask);

/* Value helpers for integers up to 64 bits ('size' bytes in 'v'). */
uint64_t field_value_u64(const union field_value *v, size_t size);
void field_value_set_u64(union field_value *v, size_t size, uint64_t x);
bool field_value_is_zero(const union field_value *v, size_t size);
bool field_value_is_ones(const union field_value *v, size_t size);

/* Parses an OpenFlow port: a decimal number up to 0xffff or a reserved name (any case). */
bool field_port_from_string(const char *s, uint32_t *port);
/* Prints 'port' as ovs-ofctl does: reserved ports by name, others in decimal. */
void field_port_format(uint32_t port, struct strbuf *sb);

#endif

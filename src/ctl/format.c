#include "format.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "format-lisp.h"
#include "util.h"

/* A value in ovs-vsctl's syntax: bare word if it is one, else a quoted string. */
static void
print_atom(json_t *v, FILE *f)
{
	const char *s;
	bool bare;

	if (json_is_integer(v)) {
		fprintf(f, "%lld", (long long)json_integer_value(v));
		return;
	}
	s = json_string_value(v);
	bare = *s && !isdigit((unsigned char)*s);
	for (const char *c = s; *c && bare; c++)
		bare = isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '.';
	fprintf(f, bare ? "%s" : "\"%s\"", s);
}

static void
print_value(json_t *v, FILE *f)
{
	const char *key;
	json_t *val;
	bool first = true;

	if (json_is_array(v)) {
		fputs("[]", f);
		return;
	}
	if (!json_is_object(v)) {
		print_atom(v, f);
		return;
	}
	fputc('{', f);
	json_object_foreach(v, key, val) {
		fprintf(f, "%s%s=", first ? "" : ", ", key);
		print_atom(val, f);
		first = false;
	}
	fputc('}', f);
}

static void
print_lines(json_t *out, FILE *f)
{
	size_t i;
	json_t *v;

	json_array_foreach(out, i, v) {
		print_value(v, f);
		fputc('\n', f);
	}
}

static void
print_show(json_t *out, FILE *f)
{
	json_t *bridges = json_object_get(out, "bridges"), *b, *p;
	size_t i, j;

	json_array_foreach(bridges, i, b) {
		fprintf(f, "    Bridge %s\n", json_string_value(json_object_get(b, "name")));
		json_array_foreach(json_object_get(b, "ports"), j, p) {
			const char *name = json_string_value(json_object_get(p, "name"));
			const char *type = json_string_value(json_object_get(p, "type"));
			json_t *opts = json_object_get(p, "options");

			fprintf(f, "        Port %s\n            Interface %s\n", name, name);
			if (*type)
				fprintf(f, "                type: %s\n", type);
			if (json_object_size(opts)) {
				fputs("                options: ", f);
				print_value(opts, f);
				fputc('\n', f);
			}
		}
	}
}

static const char *
port_label(json_t *port, char *buf, size_t size)
{
	if (json_is_string(port))
		return json_string_value(port);
	snprintf(buf, size, "%2lld", (long long)json_integer_value(port));
	return buf;
}

static long long
num(json_t *o, const char *k1, const char *k2)
{
	return (long long)json_integer_value(json_object_get(json_object_get(o, k1), k2));
}

static void
print_dump_ports(json_t *out, FILE *f)
{
	size_t i;
	json_t *p;

	fprintf(f, "OFPST_PORT reply: %zu ports\n", json_array_size(out));
	json_array_foreach(out, i, p) {
		json_t *drops = json_object_get(p, "drops"), *v;
		const char *reason;
		char buf[16];
		bool any = false;

		fprintf(f, "  port %s (%s): rx pkts=%lld, bytes=%lld, drop=%lld, errs=%lld\n",
			port_label(json_object_get(p, "port"), buf, sizeof buf),
			json_string_value(json_object_get(p, "name")), num(p, "rx", "packets"),
			num(p, "rx", "bytes"), num(p, "rx", "dropped"), num(p, "rx", "errors"));
		fprintf(f, "           tx pkts=%lld, bytes=%lld, drop=%lld, errs=%lld\n",
			num(p, "tx", "packets"), num(p, "tx", "bytes"), num(p, "tx", "dropped"),
			num(p, "tx", "errors"));
		json_object_foreach(drops, reason, v) {
			if (!json_integer_value(v))
				continue;
			fprintf(f, "%s%s=%lld", any ? ", " : "           datapath drops: ", reason,
				(long long)json_integer_value(v));
			any = true;
		}
		if (any)
			fputc('\n', f);
	}
}

static void
print_fdb(json_t *out, FILE *f)
{
	size_t i;
	json_t *e;

	fputs(" port  VLAN  MAC                Age\n", f);
	json_array_foreach(out, i, e) {
		char buf[16];

		fprintf(f, "%5s  %4lld  %s  %3lld\n",
			port_label(json_object_get(e, "port"), buf, sizeof buf),
			(long long)json_integer_value(json_object_get(e, "vlan")),
			json_string_value(json_object_get(e, "mac")),
			(long long)json_integer_value(json_object_get(e, "age")));
	}
}

static void
print_vlog(json_t *out, FILE *f)
{
	const char *cat;
	json_t *level;

	fputs("category   level\n", f);
	json_object_foreach(out, cat, level)
		fprintf(f, "%-10s %s\n", cat, json_string_value(level));
}

static long long
int_of(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *
str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "priority=3,dl_dst=..." as ovs-ofctl prints a flow's match (no priority when default). */
static void
print_match(json_t *flow, FILE *f)
{
	const char *match = str_of(flow, "match");

	if (int_of(flow, "priority") != 32768)
		fprintf(f, "priority=%lld%s", int_of(flow, "priority"), *match ? "," : "");
	fputs(match, f);
	if (*match || int_of(flow, "priority") != 32768)
		fputc(' ', f);
	fprintf(f, "actions=%s\n", str_of(flow, "actions"));
}

static void
print_flows(json_t *out, FILE *f, bool stats)
{
	size_t i;
	json_t *fl;

	json_array_foreach(out, i, fl) {
		if (stats) {
			fprintf(f, " cookie=%s, duration=%.3fs, table=%lld, n_packets=%lld, "
				"n_bytes=%lld, ", str_of(fl, "cookie"),
				json_real_value(json_object_get(fl, "duration")), int_of(fl, "table"),
				int_of(fl, "n_packets"), int_of(fl, "n_bytes"));
			if (int_of(fl, "idle_timeout"))
				fprintf(f, "idle_timeout=%lld, ", int_of(fl, "idle_timeout"));
			if (int_of(fl, "hard_timeout"))
				fprintf(f, "hard_timeout=%lld, ", int_of(fl, "hard_timeout"));
			fprintf(f, "idle_age=%lld, ", int_of(fl, "idle_age"));
		} else {
			fputc(' ', f);
			if (strcmp(str_of(fl, "cookie"), "0x0"))
				fprintf(f, "cookie=%s, ", str_of(fl, "cookie"));
			if (int_of(fl, "table"))
				fprintf(f, "table=%lld, ", int_of(fl, "table"));
		}
		print_match(fl, f);
	}
}

static void
print_dump_flows(json_t *out, FILE *f)
{
	print_flows(out, f, true);
}

void
format_flows_no_stats(json_t *out, FILE *f)
{
	print_flows(out, f, false);
}

static void
print_dump_tables(json_t *out, FILE *f)
{
	size_t i;
	json_t *t;

	fprintf(f, "OFPST_TABLE reply: %zu tables\n", json_array_size(out));
	json_array_foreach(out, i, t)
		fprintf(f, "  table %lld: active=%lld, lookups=%lld, matched=%lld\n",
			int_of(t, "table"), int_of(t, "active"), int_of(t, "lookups"),
			int_of(t, "matched"));
}

/* dump-drops: every reason, its count over the bridges asked for, and what it means. */
static void
print_drops(json_t *out, FILE *f)
{
	size_t i;
	json_t *r;

	fprintf(f, "%-22s %12s  %s\n", "reason", "packets", "meaning");
	json_array_foreach(out, i, r)
		fprintf(f, "%-22s %12lld  %s\n", str_of(r, "reason"), int_of(r, "packets"),
			str_of(r, "text"));
}

static void
print_text(json_t *out, FILE *f)
{
	fputs(json_string_value(out), f);
}

static void (*const printers[CTL_N_VERBS])(json_t *, FILE *) = {
	[CTL_VERB_DUMP_FLOWS] = print_dump_flows,
	[CTL_VERB_DUMP_TABLES] = print_dump_tables,
	[CTL_VERB_TRACE] = print_text,
	[CTL_VERB_LIST_BR] = print_lines,
	[CTL_VERB_LIST_PORTS] = print_lines,
	[CTL_VERB_GET] = print_lines,
	[CTL_VERB_SHOW] = print_show,
	[CTL_VERB_DUMP_PORTS] = print_dump_ports,
	[CTL_VERB_FDB_SHOW] = print_fdb,
	[CTL_VERB_VLOG_LIST] = print_vlog,
	[CTL_VERB_DUMP_DROPS] = print_drops,
	[CTL_VERB_METRICS] = print_text,
	[CTL_VERB_MC_SHOW] = format_map_cache,
	[CTL_VERB_MS_SHOW] = format_ms,
};

void
format_output(enum ctl_verb verb, json_t *out, FILE *f)
{
	if (printers[verb])
		printers[verb](out, f);
}

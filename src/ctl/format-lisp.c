#include "format-lisp.h"

#include <stdbool.h>

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static long long
num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "key=value" for every counter, wrapped, skipping zeros unless all are zero. */
static void
print_counters(const char *indent, json_t *counters, FILE *f)
{
	const char *key;
	json_t *v;
	int col = 0;

	fprintf(f, "%scounters:", indent);
	json_object_foreach(counters, key, v) {
		if (!json_integer_value(v))
			continue;
		if (col > 70) {
			fprintf(f, "\n%s         ", indent);
			col = 0;
		}
		col += fprintf(f, " %s=%lld", key, (long long)json_integer_value(v));
	}
	fputs(col || !json_object_size(counters) ? "\n" : " all zero\n", f);
}

static void
print_entry(json_t *e, FILE *f)
{
	json_t *expires = json_object_get(e, "expires_s"), *l;
	size_t i;

	fprintf(f, "  %-28s %-9s age %llds, ", str(e, "eid"), str(e, "source"), num(e, "age_s"));
	if (json_is_integer(expires))
		fprintf(f, "expires in %llds, ", (long long)json_integer_value(expires));
	else
		fputs("never expires, ", f);
	fprintf(f, "%lld packets, %lld bytes\n", num(e, "packets"), num(e, "bytes"));
	if (json_is_string(json_object_get(e, "action")))
		fprintf(f, "      negative: %s\n", str(e, "action"));
	json_array_foreach(json_object_get(e, "locators"), i, l) {
		json_t *rtt = json_object_get(l, "rtt_us");

		fprintf(f, "      %-39s priority %lld weight %lld %s", str(l, "rloc"),
			num(l, "priority"), num(l, "weight"),
			json_is_true(json_object_get(l, "up")) ? "up" : "DOWN");
		if (json_is_integer(rtt))
			fprintf(f, " rtt %.1f ms", (double)json_integer_value(rtt) / 1000);
		fputc('\n', f);
	}
}

void
format_map_cache(json_t *out, FILE *f)
{
	json_t *p, *e, *s;
	size_t i, j;

	json_array_foreach(out, i, p) {
		fprintf(f, "%s (bridge %s): map-cache %lld of %lld entries", str(p, "port"),
			str(p, "bridge"), num(p, "size"), num(p, "max"));
		if (num(p, "queued"))
			fprintf(f, ", %lld packets waiting on %lld Map-Requests", num(p, "queued"),
				num(p, "asking"));
		fprintf(f, "\n  map-resolver %s\n", str(p, "map_resolver"));
		json_array_foreach(json_object_get(p, "map_servers"), j, s) {
			json_t *ago = json_object_get(s, "registered_s_ago");

			fprintf(f, "  map-server %s: ", str(s, "address"));
			if (json_is_integer(ago))
				fprintf(f, "registered, acknowledged %llds ago\n",
					(long long)json_integer_value(ago));
			else
				fputs("not registered (no Map-Notify yet)\n", f);
		}
		json_array_foreach(json_object_get(p, "eid_prefixes"), j, e) {
			fprintf(f, "  EID prefix %s\n", json_string_value(e));
		}
		json_array_foreach(json_object_get(p, "entries"), j, e) {
			print_entry(e, f);
		}
		print_counters("  ", json_object_get(p, "counters"), f);
	}
}

void
format_ms(json_t *out, FILE *f)
{
	json_t *s, *g, *e;
	size_t i, j;

	json_array_foreach(json_object_get(out, "sites"), i, s) {
		fprintf(f, "site %s:", str(s, "name"));
		json_array_foreach(json_object_get(s, "eid_prefixes"), j, e) {
			fprintf(f, " %s", json_string_value(e));
		}
		fputc('\n', f);
		if (!json_array_size(json_object_get(s, "registrations")))
			fputs("  no registrations\n", f);
		json_array_foreach(json_object_get(s, "registrations"), j, g) {
			json_t *l;
			size_t k;

			fprintf(f, "  %-28s from %s, last %llds ago, expires in %llds, %lld "
				"registers%s\n", str(g, "eid"), str(g, "etr"), num(g, "last_s_ago"),
				num(g, "expires_s"), num(g, "registers"),
				json_is_true(json_object_get(g, "proxy_reply")) ? ", proxy reply" : "");
			json_array_foreach(json_object_get(g, "locators"), k, l) {
				fprintf(f, "      %-39s priority %lld weight %lld\n", str(l, "rloc"),
					num(l, "priority"), num(l, "weight"));
			}
		}
	}
	print_counters("", json_object_get(out, "counters"), f);
	fputs("control endpoint ", f);
	print_counters("", json_object_get(out, "control"), f);
}

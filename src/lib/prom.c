#include "prom.h"

#include <inttypes.h>

/* Escapes backslash and newline, and the double quote too inside label values. */
static void
put_escaped(struct strbuf *sb, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_put(sb, "\\\\");
		else if (*s == '\n')
			strbuf_put(sb, "\\n");
		else if (*s == '"' && quote)
			strbuf_put(sb, "\\\"");
		else
			strbuf_putc(sb, *s);
	}
}

void
prom_family(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_printf(sb, "# HELP %s ", name);
	put_escaped(sb, help, false);
	strbuf_printf(sb, "\n# TYPE %s %s\n", name, type);
}

void
prom_sample(struct strbuf *sb, const char *name, const struct prom_label *labels, size_t n,
	    uint64_t value)
{
	strbuf_put(sb, name);
	for (size_t i = 0; i < n; i++) {
		strbuf_printf(sb, "%c%s=\"", i ? ',' : '{', labels[i].name);
		put_escaped(sb, labels[i].value, true);
		strbuf_putc(sb, '"');
	}
	strbuf_printf(sb, "%s %" PRIu64 "\n", n ? "}" : "", value);
}

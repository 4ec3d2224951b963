/*
 * Writing the Prometheus text exposition format (version 0.0.4), which Prometheus and every
 * compatible scraper read: per metric family one "# HELP" and one "# TYPE" line, then its
 * samples, 'name{label="value",...} value', all samples of a family together.
 */
#ifndef LS_PROM_H
#define LS_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct prom_label {
	const char *name;   /* [a-zA-Z_][a-zA-Z0-9_]*: ours are constants. */
	const char *value;  /* Any text: escaped here. */
};

/* Opens family 'name' of 'type' ("counter" or "gauge"), described by 'help' (escaped here). */
void prom_family(struct strbuf *sb, const char *name, const char *type, const char *help);
/* One sample of family 'name' with 'n' labels. */
void prom_sample(struct strbuf *sb, const char *name, const struct prom_label *labels, size_t n,
		 uint64_t value);

#endif

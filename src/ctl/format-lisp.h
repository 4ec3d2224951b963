/* lispctl's text for the lisp/ views (format-lisp.c); format.c dispatches to them. */
#ifndef LS_FORMAT_LISP_H
#define LS_FORMAT_LISP_H

#include <jansson.h>
#include <stdio.h>

void format_map_cache(json_t *out, FILE *f);
void format_ms(json_t *out, FILE *f);

#endif

/*
 * Every counter of the running switch in the Prometheus text format, for `lispctl metrics` and
 * the HTTP endpoint (metrics-http.c). Built on demand by the main loop, which owns the
 * counters, so it needs no locking and is exact at the moment it is made.
 */
#ifndef LS_METRICS_H
#define LS_METRICS_H

#include "strbuf.h"

struct cfg;

/* Appends the metrics of the bridges of 'running' (running now) to 'sb'. */
void metrics_write(const struct cfg *running, struct strbuf *sb);

#endif

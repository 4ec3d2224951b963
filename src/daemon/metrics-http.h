/*
 * --metrics-listen ADDR:PORT: serves the metrics over HTTP for Prometheus to scrape, from the
 * main loop. Off unless asked for; only loopback addresses unless --metrics-allow-remote.
 *
 * Not libmicrohttpd: its own thread would have to hand every request to the main loop, which
 * owns the counters, and wait for the text (a queue, an eventfd and a lock both ways). A few
 * dozen lines of non-blocking socket code in the loop need none of that, and the text is made
 * exactly where the counters live. The cost, a scrape delaying packets for the time it takes to
 * print the counters, is the same as for any lispctl command.
 *
 * One request per connection (HTTP/1.1 with "Connection: close"), requests up to 8 KiB, at
 * most 16 connections at a time, each closed after 10 seconds.
 */
#ifndef LS_METRICS_HTTP_H
#define LS_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

typedef void metrics_http_produce(struct strbuf *sb);

/*
 * Listens on 'addr' ("IPv4:PORT" or "[IPv6]:PORT", numeric), answering GET /metrics with what
 * 'produce' writes. A non-loopback address is refused unless 'allow_remote'. 0, or -1 with a
 * one-line 'err'.
 */
int metrics_http_start(const char *addr, bool allow_remote, metrics_http_produce *produce,
		       char *err, size_t err_size);
void metrics_http_stop(void);
/* Closes connections older than the time limit; call from the loop's tick. */
void metrics_http_run(int64_t now_ms);

#endif

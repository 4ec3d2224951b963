/*
 * The daemon's main loop: one epoll set, a callback per file descriptor, and a once-a-second
 * tick for periodic work. Everything (control socket, clients, ports) runs on this one thread,
 * so no state is shared between threads.
 */
#ifndef LS_LOOP_H
#define LS_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef void loop_cb(void *arg, uint32_t events);

struct loop_source; /* Opaque registration handle. */

int loop_init(void);
/* Calls 'cb(arg, events)' whenever 'fd' has any of 'events' (EPOLLIN, ...). */
struct loop_source *loop_add(int fd, uint32_t events, loop_cb *cb, void *arg);
int loop_modify(struct loop_source *src, uint32_t events);
/* Stops watching; the source is freed at a point where no callback can still refer to it. */
void loop_remove(struct loop_source *src);
/* Runs until loop_stop(); 'tick' runs about once a second. */
void loop_run(void (*tick)(int64_t now_ms));
void loop_stop(void);

#endif

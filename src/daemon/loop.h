/*
 * The daemon's main loop: one epoll set, a callback per file descriptor, and a once-a-second
 * tick for periodic work. The packet ports' ring kicks of a turn are made by the loop, with its
 * sleep when it sleeps (lib/kick.h); with io_uring the packet rings themselves are polled by
 * that sleep, not by the epoll set (docs/architecture.md). Everything (control socket, clients,
 * ports) runs on this one thread, so no state is shared between threads.
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
/* 'ready(arg)' tells from memory, without a system call, whether the source has work (a packet
 * ring's next frame): busy polling checks it instead of calling epoll_wait() each time. */
void loop_set_ready(struct loop_source *src, bool (*ready)(void *arg));
/* Stops watching; the source is freed at a point where no callback can still refer to it. */
void loop_remove(struct loop_source *src);
/* Idle, the loop polls for up to 'max_usec' before sleeping when recent traffic came in quick
 * succession (lib/busy-poll.h); 0 turns polling off. Default LOOP_BUSY_POLL_USEC. */
#define LOOP_BUSY_POLL_USEC 100
void loop_set_busy_poll(uint32_t max_usec);
/* Never sleep: poll without pause, as OVS's poll-mode threads do, for the lowest latency at
 * the cost of the CPU the loop runs on (shared with other tasks: it yields between polls). */
void loop_set_always_poll(bool on);

/* How the loop waited for work: to show what polling saves. */
struct loop_stats {
	uint64_t waits;    /* Sleeps that ended with work: wake-ups, mostly. */
	uint64_t polls;    /* Polls started instead of sleeping (nothing was there yet). */
	uint64_t caught;   /* Polls that found work (each a wake-up saved). */
	uint64_t kicked;   /* Sleeps that made the ports' ring kicks in the same system call. */
};
void loop_get_stats(struct loop_stats *);

/* Runs until loop_stop(); 'tick' runs about once a second. */
void loop_run(void (*tick)(int64_t now_ms));
void loop_stop(void);

#endif

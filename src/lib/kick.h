/*
 * Kicks: a zero-length send() on a packet socket makes the kernel transmit the frames queued in
 * its TX ring. A port kicks once per batch.
 *
 * The kick is also where a switch wakes the next hop (the other end of a veth is received in the
 * sender's system call). When the woken task is placed on the kicking CPU, it preempts the
 * switch on the way back from send(), and the switch then goes to sleep in epoll_wait(): two
 * context switches per batch where one would do. So the main loop may take kicks over
 * (kick_defer_to_loop()): a port's kick is then queued, and the loop makes the queued kicks in
 * the same system call as its wait for the next events (io_uring: the sends, then the sleep), or
 * with send() before it polls. Without a loop that takes them over (tests, benchmarks, a kernel
 * without io_uring), a kick is made at once.
 */
#ifndef LS_KICK_H
#define LS_KICK_H

#include <stdbool.h>
#include <stddef.h>

struct kick {
	int fd;                                  /* The packet socket with the TX ring. */
	void (*failed)(struct kick *, int err);  /* send() failed with -err. */
	bool queued;                             /* In the loop's queue. */
};

/* Kicks 'k' now, or queues it for the loop; a kick already queued is not queued twice. */
void kick_request(struct kick *k);
/* Kicks 'k' now, taking it out of the queue (a port that must send in order right away). */
void kick_now(struct kick *k);
/* Takes 'k' out of the queue without kicking (a port that closes). */
void kick_cancel(struct kick *k);

/* For the main loop. */
void kick_defer_to_loop(bool on);
size_t kick_queued(void);
/* Removes and returns the queued kicks one at a time, oldest first; NULL when none is left. */
struct kick *kick_pop(void);
/* Makes every queued kick with send(). */
void kick_flush(void);

#endif

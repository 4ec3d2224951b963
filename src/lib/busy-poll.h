/*
 * When the main loop should poll instead of sleeping. A packet that arrives while the daemon
 * sleeps in epoll_wait() costs a wake-up: tens of microseconds of latency and of CPU on a
 * virtual machine, where an idle CPU halts and must be woken by the host. Request-response
 * traffic (a ping, a TCP acknowledgement, a DNS answer) brings its next packet a few tens of
 * microseconds after the last one left, so polling a little longer catches it awake; a steady
 * flow whose packets are a little further apart than the poll would pay the poll on nearly all
 * of its idle time and gain only the wake-ups.
 *
 * The policy looks at the idle gaps just seen and polls, for at most 'max_usec', while both:
 * - it pays: at least a quarter of the last 32 gaps were shorter than max_usec, and
 * - it is cheap: polling through each recent gap (all of a short one, max_usec of a long one)
 *   would have taken at most a quarter of the time that passed. A ping every 10 ms polls for
 *   a few hundred us of each 10 ms; a steady 5 kpps flow, whose gaps are nearly all its time,
 *   never polls; a busy switch, whose gaps are short beside its work, does.
 */
#ifndef LS_BUSY_POLL_H
#define LS_BUSY_POLL_H

#include <stdint.h>

struct busy_poll {
	uint32_t max_usec;  /* Longest poll before sleeping; 0: always sleep at once. */
	uint32_t history;   /* The last 32 gaps, newest in bit 0: 1 if shorter than max_usec. */
	int64_t cost;       /* Decaying sums (about 32 times the recent mean) of what polling */
	int64_t period;     /* through a gap costs, and of the time from one gap's end to the next. */
};

void busy_poll_init(struct busy_poll *, uint32_t max_usec);
/* How long to poll before sleeping, in microseconds: 0 or max_usec. */
uint32_t busy_poll_budget(const struct busy_poll *);
/* Records an idle gap of 'gap' us that ended with work to do, 'period' us after the previous
 * gap ended (the gap and the work before it). */
void busy_poll_record(struct busy_poll *, int64_t gap, int64_t period);

#endif

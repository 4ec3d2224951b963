/*
 * When the main loop should poll instead of sleeping. A packet that arrives while the daemon
 * sleeps in epoll_wait() costs a wake-up: tens of microseconds of latency and of CPU on a
 * virtual machine, where an idle CPU halts and must be woken by the host. Request-response
 * traffic (a ping, a TCP acknowledgement, a DNS answer) brings its next packet a few tens of
 * microseconds after the last one left, so polling a little longer catches it awake; a steady
 * flow whose packets are further apart than the poll would pay the poll on every packet and gain
 * nothing. The policy tells them apart by the idle gaps just seen: it polls, for at most
 * 'max_usec', only while at least a quarter of the last 32 gaps were shorter than that.
 */
#ifndef LS_BUSY_POLL_H
#define LS_BUSY_POLL_H

#include <stdint.h>

struct busy_poll {
	uint32_t max_usec;  /* Longest poll before sleeping; 0: always sleep at once. */
	uint32_t history;   /* The last 32 gaps, newest in bit 0: 1 if shorter than max_usec. */
};

void busy_poll_init(struct busy_poll *, uint32_t max_usec);
/* How long to poll before sleeping, in microseconds: 0 or max_usec. */
uint32_t busy_poll_budget(const struct busy_poll *);
/* Records an idle gap of 'usec' that ended with work to do. */
void busy_poll_record(struct busy_poll *, int64_t usec);

#endif

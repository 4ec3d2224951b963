#include "loop.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <string.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "busy-poll.h"
#include "kick.h"
#include "log.h"
#include "util.h"

#define MAX_EVENTS 64
/* While busy polling with sources that tell readiness from memory, epoll_wait() runs only
 * when one of them has work, or every this many polls for the others (sockets, timers). */
#define POLLS_PER_EPOLL 8
/* Submission queue of the ring that kicks and sleeps: the ports' kicks of one turn and the
 * poll of the epoll set. More kicks than fit are made with send() first. */
#define URING_DEPTH 64

struct loop_source {
	int fd;
	loop_cb *cb;
	bool (*ready)(void *arg);  /* See loop_set_ready(), or NULL. */
	void *arg;
	bool dead;                 /* Removed during this turn: skip its remaining events. */
	struct loop_source *next;  /* In the list of dead sources freed after the turn. */
};

static int epfd = -1;
static bool stopping;
static struct loop_source *graveyard;
static struct loop_source **readies;  /* Sources with 'ready'. */
static size_t n_readies;
static struct busy_poll busy_poll = { .max_usec = LOOP_BUSY_POLL_USEC };
static struct loop_stats stats;
static struct io_uring uring;      /* Kicks and sleeps in one system call (lib/kick.h). */
static bool have_uring;
static bool epoll_polled;          /* The ring holds a poll of epfd that has not completed. */

int
loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	/* Task work (the poll's completion) runs only when this thread waits: nothing interrupts
	 * the datapath for it. Without io_uring (an old kernel, a sandbox that forbids it) kicks
	 * are made at once, as send() calls. */
	have_uring = !io_uring_queue_init(URING_DEPTH, &uring, IORING_SETUP_SINGLE_ISSUER |
					  IORING_SETUP_DEFER_TASKRUN) ||
		     !io_uring_queue_init(URING_DEPTH, &uring, 0);
	if (!have_uring)
		log_info(MAIN, "io_uring unavailable: ring kicks are separate system calls");
	kick_defer_to_loop(have_uring);
	return 0;
}

struct loop_source *
loop_add(int fd, uint32_t events, loop_cb *cb, void *arg)
{
	struct loop_source *src = xcalloc(1, sizeof *src);
	struct epoll_event ev = { .events = events, .data.ptr = src };

	src->fd = fd;
	src->cb = cb;
	src->arg = arg;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_fatal("epoll_ctl add fd %d: %s", fd, strerror(errno));
	return src;
}

int
loop_modify(struct loop_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, src->fd, &ev) < 0 ? -errno : 0;
}

void
loop_set_ready(struct loop_source *src, bool (*ready)(void *arg))
{
	src->ready = ready;
	readies = xrealloc(readies, (n_readies + 1) * sizeof *readies);
	readies[n_readies++] = src;
}

void
loop_remove(struct loop_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; src->ready && i < n_readies; i++) {
		if (readies[i] == src) {
			readies[i] = readies[--n_readies];
			break;
		}
	}
	epoll_ctl(epfd, EPOLL_CTL_DEL, src->fd, NULL);
	src->dead = true;
	src->next = graveyard;
	graveyard = src;
}

static void
bury(void)
{
	while (graveyard) {
		struct loop_source *next = graveyard->next;

		free(graveyard);
		graveyard = next;
	}
}

void
loop_set_busy_poll(uint32_t max_usec)
{
	busy_poll_init(&busy_poll, max_usec);
}

void
loop_get_stats(struct loop_stats *out)
{
	*out = stats;
}

static bool
any_ready(void)
{
	for (size_t i = 0; i < n_readies; i++)
		if (readies[i]->ready(readies[i]->arg))
			return true;
	return false;
}

/* Polls the epoll set without sleeping for up to 'usec': the number of events, or 0. Between
 * polls the CPU goes to whatever else is runnable here (the VMs, the other switch). Work that
 * is already there is no poll. A system call is dear on a virtual machine, so the sources
 * that can are asked in memory, and epoll_wait() asked when they have work or now and then. */
static int
poll_events(struct epoll_event *evs, uint32_t usec)
{
	int64_t deadline = time_usec() + usec;
	int n = epoll_wait(epfd, evs, MAX_EVENTS, 0);

	if (n != 0)
		return n;
	stats.polls++;
	for (unsigned int i = 1; n == 0 && time_usec() < deadline; i++) {
		sched_yield();
		if (!n_readies || i % POLLS_PER_EPOLL == 0 || any_ready())
			n = epoll_wait(epfd, evs, MAX_EVENTS, 0);
	}
	stats.caught += n > 0;
	return n;
}

/* Makes the queued kicks and sleeps until the epoll set has events or 'timeout_ms' passes, in
 * one io_uring_enter(), then reads the events. A successful kick posts no completion, so the
 * wait is for the poll of epfd (or a failed kick, handled at once). With MSG_DONTWAIT a send
 * runs inside the submitting call and never waits, so every kick has completed when the call
 * returns: none can complete after its port has closed. */
static int
kick_and_sleep(struct epoll_event *evs, int timeout_ms)
{
	struct __kernel_timespec ts = { .tv_sec = timeout_ms / 1000,
					.tv_nsec = (timeout_ms % 1000) * 1000000L };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct kick *k;
	unsigned int head, seen = 0;

	while ((k = kick_pop())) {
		if (io_uring_sq_space_left(&uring) <= 1) {
			kick_now(k);
			continue;
		}
		sqe = io_uring_get_sqe(&uring);
		io_uring_prep_send(sqe, k->fd, NULL, 0, MSG_DONTWAIT);
		io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
		io_uring_sqe_set_data(sqe, k);
	}
	if (!epoll_polled) {
		sqe = io_uring_get_sqe(&uring);
		io_uring_prep_poll_add(sqe, epfd, POLLIN);
		io_uring_sqe_set_data(sqe, NULL);
		epoll_polled = true;
	}
	stats.kicked++;
	io_uring_submit_and_wait_timeout(&uring, &cqe, 1, &ts, NULL);
	io_uring_for_each_cqe(&uring, head, cqe) {
		k = io_uring_cqe_get_data(cqe);
		if (!k)
			epoll_polled = false;
		else if (cqe->res < 0)
			k->failed(k, cqe->res);
		seen++;
	}
	io_uring_cq_advance(&uring, seen);
	return epoll_wait(epfd, evs, MAX_EVENTS, 0);
}

/* Sleeps until there are events or the next tick: with the queued kicks when there are. */
static int
sleep_events(struct epoll_event *evs, int64_t next_tick)
{
	int timeout_ms = (int)MAX(0, next_tick - time_msec());

	if (kick_queued())
		return kick_and_sleep(evs, timeout_ms);
	return epoll_wait(epfd, evs, MAX_EVENTS, timeout_ms);
}

/* Waits for events: polls first when the policy says it pays, then sleeps until the next tick.
 * Records the idle gap that ended with work, and the time since the previous one ended. */
static int
wait_events(struct epoll_event *evs, int64_t next_tick)
{
	static int64_t last_work;
	uint32_t budget = busy_poll_budget(&busy_poll);
	int64_t idle_from = time_usec(), now;
	int n = 0;

	if (budget) {
		kick_flush();     /* Polling, the next hop must have its packets now. */
		n = poll_events(evs, budget);
	}
	if (n == 0) {
		n = sleep_events(evs, next_tick);
		stats.waits += n > 0;
	}
	if (n > 0) {
		now = time_usec();
		busy_poll_record(&busy_poll, now - idle_from, last_work ? now - last_work : 0);
		last_work = now;
	}
	return n;
}

void
loop_run(void (*tick)(int64_t now_ms))
{
	struct epoll_event evs[MAX_EVENTS];
	int64_t next_tick = time_msec() + 1000;

	while (!stopping) {
		int64_t now;
		int n = wait_events(evs, next_tick);

		if (n < 0 && errno != EINTR)
			log_fatal("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct loop_source *src = evs[i].data.ptr;

			if (!src->dead)
				src->cb(src->arg, evs[i].events);
		}
		bury();
		now = time_msec();
		if (now >= next_tick) {
			tick(now);
			next_tick = now + 1000;
		}
	}
}

void
loop_stop(void)
{
	stopping = true;
}

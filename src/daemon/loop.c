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
/* Submission queue of the ring that kicks and sleeps: the ports' kicks of one turn, a poll per
 * packet ring and the poll of the epoll set. What does not fit is submitted first. */
#define URING_DEPTH 128
/* What a completion of that ring is, in the low bits of its user data: the rest is a kick or a
 * source (both aligned), or nothing. */
enum uring_tag { TAG_KICK, TAG_SOURCE, TAG_EPOLL, TAG_IGNORE, TAG_MASK = 3 };

struct loop_source {
	int fd;
	loop_cb *cb;
	bool (*ready)(void *arg);  /* See loop_set_ready(), or NULL. */
	void *arg;
	bool dead;                 /* Removed during this turn: skip its remaining events. */
	bool armed;                /* A poll of 'fd' is in the ring (a ready source, with io_uring). */
	uint32_t revents;          /* Errors that poll found (POLLERR, POLLHUP), for the next turn. */
	struct loop_source *next;  /* In the list of dead sources freed after the turn. */
};

static int epfd = -1;
static bool stopping;
static struct loop_source *graveyard;
static struct loop_source **readies;  /* Sources with 'ready'. */
static size_t n_readies;
/* With io_uring, sources with 'ready' are not in the epoll set but polled by the ring, and only
 * while the loop sleeps: a socket in an epoll set keeps the set's entry on its wait queue, so
 * every packet the kernel puts in its ring makes the sender take the wait queue's lock and the
 * epoll set's, to wake nobody while the switch is busy. A poll in the ring leaves the queue as
 * soon as it fires. */
static bool readies_in_epoll = true;
static struct busy_poll busy_poll = { .max_usec = LOOP_BUSY_POLL_USEC };
static bool always_poll;
static struct loop_stats stats;
static struct io_uring uring;      /* Kicks and sleeps in one system call (lib/kick.h). */
static bool have_uring;
static bool epoll_armed;           /* The ring holds a poll of epfd that has not completed. */

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
	readies_in_epoll = !have_uring;
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
	if (!readies_in_epoll)
		epoll_ctl(epfd, EPOLL_CTL_DEL, src->fd, NULL);
}

/* A free submission entry, making room by submitting what is queued if need be. */
static struct io_uring_sqe *
get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&uring);

	if (!sqe) {
		io_uring_submit(&uring);
		sqe = io_uring_get_sqe(&uring);
	}
	if (!sqe)
		log_fatal("io_uring: no free submission entry after submitting");
	return sqe;
}

static void
set_tagged_data(struct io_uring_sqe *sqe, void *ptr, enum uring_tag tag)
{
	io_uring_sqe_set_data64(sqe, (uintptr_t)ptr | tag);
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
	if (src->armed) {
		/* The poll holds the socket open: take it out now. Its completion still refers to
		 * 'src', which is freed only after that. */
		struct io_uring_sqe *sqe = get_sqe();

		io_uring_prep_poll_remove(sqe, (uintptr_t)src | TAG_SOURCE);
		io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
		set_tagged_data(sqe, NULL, TAG_IGNORE);
		io_uring_submit(&uring);
	}
	epoll_ctl(epfd, EPOLL_CTL_DEL, src->fd, NULL);
	src->dead = true;
	src->next = graveyard;
	graveyard = src;
}

/* Frees the removed sources, but those whose poll has not completed yet. */
static void
bury(void)
{
	struct loop_source **p = &graveyard;

	while (*p) {
		struct loop_source *src = *p;

		if (src->armed) {
			p = &src->next;
		} else {
			*p = src->next;
			free(src);
		}
	}
}

void
loop_set_busy_poll(uint32_t max_usec)
{
	busy_poll_init(&busy_poll, max_usec);
}

void
loop_set_always_poll(bool on)
{
	always_poll = on;
}

void
loop_get_stats(struct loop_stats *out)
{
	*out = stats;
}

/* Whether a ready source has work: a frame in its ring, or an error its poll found. (A poll that
 * found a frame may complete after the loop took the frame: its POLLIN is no work.) */
static bool
source_due(const struct loop_source *src)
{
	return src->revents || src->ready(src->arg);
}

static bool
any_due(void)
{
	for (size_t i = 0; i < n_readies; i++)
		if (source_due(readies[i]))
			return true;
	return false;
}

/* Whether a wait found work: 'n' events of the epoll set, or ready sources outside it. */
static bool
found_work(int n)
{
	return n > 0 || (!readies_in_epoll && any_due());
}

/* Polls for work without sleeping until 'deadline' (time_usec()): the number of the epoll
 * set's events. Between polls the CPU goes to whatever else is runnable here (the VMs, the
 * other switch). Work that is already there is no poll. A system call is dear on a virtual
 * machine, so the sources that can are asked in memory, and epoll_wait() now and then (and,
 * when those sources are in the epoll set, when they have work). */
static int
poll_events(struct epoll_event *evs, int64_t deadline)
{
	int n = epoll_wait(epfd, evs, MAX_EVENTS, 0);

	if (found_work(n))
		return n;
	stats.polls++;
	for (unsigned int i = 1; !found_work(n) && time_usec() < deadline; i++) {
		sched_yield();
		if (!n_readies || i % POLLS_PER_EPOLL == 0 || (readies_in_epoll && any_due()))
			n = epoll_wait(epfd, evs, MAX_EVENTS, 0);
	}
	stats.caught += found_work(n);
	return n;
}

/* Puts in the ring a poll of each ready source that has none and of the epoll set. */
static void
arm_polls(void)
{
	struct io_uring_sqe *sqe;

	for (size_t i = 0; i < n_readies; i++) {
		struct loop_source *src = readies[i];

		if (src->armed)
			continue;
		sqe = get_sqe();
		io_uring_prep_poll_add(sqe, src->fd, POLLIN);
		set_tagged_data(sqe, src, TAG_SOURCE);
		src->armed = true;
	}
	if (!epoll_armed) {
		sqe = get_sqe();
		io_uring_prep_poll_add(sqe, epfd, POLLIN);
		set_tagged_data(sqe, NULL, TAG_EPOLL);
		epoll_armed = true;
	}
}

/* Takes in the ring's completions: a failed kick is handled at once, a ready source keeps the
 * errors its poll found for this turn. True if the epoll set's poll completed. */
static bool
reap_completions(void)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	bool epoll_fired = false;

	io_uring_for_each_cqe(&uring, head, cqe) {
		uintptr_t data = (uintptr_t)io_uring_cqe_get_data64(cqe);
		void *ptr = (void *)(data & ~(uintptr_t)TAG_MASK);

		switch ((enum uring_tag)(data & TAG_MASK)) {
		case TAG_KICK:
			((struct kick *)ptr)->failed(ptr, cqe->res);
			break;
		case TAG_SOURCE:
			((struct loop_source *)ptr)->armed = false;
			((struct loop_source *)ptr)->revents |=
				cqe->res > 0 ? (uint32_t)cqe->res & (POLLERR | POLLHUP) : 0;
			break;
		case TAG_EPOLL:
			epoll_armed = false;
			epoll_fired = true;
			break;
		case TAG_IGNORE:
			break;
		}
		seen++;
	}
	io_uring_cq_advance(&uring, seen);
	return epoll_fired;
}

/* Makes the queued kicks and sleeps until a packet ring or the epoll set has work or the next
 * tick, in one io_uring_enter(); then reads the epoll set if its poll fired. A successful kick
 * posts no completion. With MSG_DONTWAIT a send runs inside the submitting call and never
 * waits, so every kick has completed when the call returns: none can complete after its port
 * has closed. A wait that ends with only a stale completion (a poll that fired while the loop
 * was busy, posted when it next waits) sleeps again. */
static int
uring_sleep(struct epoll_event *evs, int64_t next_tick)
{
	struct io_uring_cqe *cqe;
	struct kick *k;
	bool epoll_fired;

	if (kick_queued())
		stats.kicked++;
	while ((k = kick_pop())) {
		struct io_uring_sqe *sqe = get_sqe();

		io_uring_prep_send(sqe, k->fd, NULL, 0, MSG_DONTWAIT);
		io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
		set_tagged_data(sqe, k, TAG_KICK);
	}
	do {
		int64_t ms = MAX(0, next_tick - time_msec());
		struct __kernel_timespec ts = { .tv_sec = ms / 1000,
						.tv_nsec = (ms % 1000) * 1000000L };
		int ret;

		arm_polls();
		ret = io_uring_submit_and_wait_timeout(&uring, &cqe, 1, &ts, NULL);
		epoll_fired = reap_completions();
		if (ret == -ETIME || ret == -EINTR)
			break;
	} while (!epoll_fired && !any_due());
	return epoll_fired ? epoll_wait(epfd, evs, MAX_EVENTS, 0) : 0;
}

/* Sleeps until there is work or the next tick. */
static int
sleep_events(struct epoll_event *evs, int64_t next_tick)
{
	if (have_uring)
		return uring_sleep(evs, next_tick);
	return epoll_wait(epfd, evs, MAX_EVENTS, (int)MAX(0, next_tick - time_msec()));
}

/* Waits for work: polls first when the policy says it pays (always, with --always-poll, until
 * the next tick), then sleeps until the next tick. Records the idle gap that ended with work,
 * and the time since the previous one ended. */
static int
wait_events(struct epoll_event *evs, int64_t next_tick)
{
	static int64_t last_work;
	int64_t idle_from = time_usec(), now;
	int64_t poll_until = always_poll ? next_tick * 1000
					 : idle_from + busy_poll_budget(&busy_poll);
	int n = 0;
	bool work = false;

	if (poll_until > idle_from) {
		kick_flush();     /* Polling, the next hop must have its packets now. */
		n = poll_events(evs, poll_until);
		work = found_work(n);
	}
	if (!work) {
		n = sleep_events(evs, next_tick);
		work = found_work(n);
		stats.waits += work;
	}
	if (work) {
		now = time_usec();
		busy_poll_record(&busy_poll, now - idle_from, last_work ? now - last_work : 0);
		last_work = now;
	}
	return n;
}

/* Runs the callbacks of the ready sources outside the epoll set that have work. */
static void
run_due_sources(void)
{
	for (size_t i = 0; i < n_readies; i++) {
		struct loop_source *src = readies[i];

		if (source_due(src)) {
			uint32_t events = src->revents | EPOLLIN;

			src->revents = 0;
			src->cb(src->arg, events);
		}
	}
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
		if (!readies_in_epoll)
			run_due_sources();
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

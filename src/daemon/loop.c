#include "loop.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define MAX_EVENTS 64

struct loop_source {
	int fd;
	loop_cb *cb;
	void *arg;
	bool dead;                 /* Removed during this turn: skip its remaining events. */
	struct loop_source *next;  /* In the list of dead sources freed after the turn. */
};

static int epfd = -1;
static bool stopping;
static struct loop_source *graveyard;

int
loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
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
loop_remove(struct loop_source *src)
{
	if (!src)
		return;
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
loop_run(void (*tick)(int64_t now_ms))
{
	struct epoll_event evs[MAX_EVENTS];
	int64_t next_tick = time_msec() + 1000;

	while (!stopping) {
		int64_t now = time_msec();
		int n = epoll_wait(epfd, evs, MAX_EVENTS, (int)MAX(0, next_tick - now));

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

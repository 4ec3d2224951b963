#include "kick.h"

#include <errno.h>
#include <sys/socket.h>

#include "util.h"

/* A handful of ports kick per turn; the queue grows to the number of ports that do. */
static struct kick **queue;
static size_t n_queued, capacity;
static bool deferring;

void
kick_defer_to_loop(bool on)
{
	deferring = on;
	if (!on)
		kick_flush();
}

size_t
kick_queued(void)
{
	return n_queued;
}

void
kick_cancel(struct kick *k)
{
	if (!k->queued)
		return;
	for (size_t i = 0; i < n_queued; i++) {
		if (queue[i] == k) {
			for (; i + 1 < n_queued; i++)
				queue[i] = queue[i + 1];
			n_queued--;
			break;
		}
	}
	k->queued = false;
}

void
kick_now(struct kick *k)
{
	kick_cancel(k);
	if (send(k->fd, NULL, 0, MSG_DONTWAIT) < 0)
		k->failed(k, -errno);
}

void
kick_request(struct kick *k)
{
	if (!deferring) {
		kick_now(k);
		return;
	}
	if (k->queued)
		return;
	if (n_queued == capacity) {
		capacity = capacity ? capacity * 2 : 8;
		queue = xrealloc(queue, capacity * sizeof *queue);
	}
	queue[n_queued++] = k;
	k->queued = true;
}

struct kick *
kick_pop(void)
{
	struct kick *k;

	if (!n_queued)
		return NULL;
	k = queue[0];
	kick_cancel(k);
	return k;
}

void
kick_flush(void)
{
	struct kick *k;

	while ((k = kick_pop()))
		kick_now(k);
}

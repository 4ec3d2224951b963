#include "busy-poll.h"

/* Short gaps among the last 32 from which polling pays: one in four. A ping shows one in two
 * (the reply is short, the next request long); a steady flow slower than the poll, none. */
#define SHORT_GAPS_TO_POLL 8

void
busy_poll_init(struct busy_poll *bp, uint32_t max_usec)
{
	*bp = (struct busy_poll){ .max_usec = max_usec };
}

uint32_t
busy_poll_budget(const struct busy_poll *bp)
{
	return __builtin_popcount(bp->history) >= SHORT_GAPS_TO_POLL ? bp->max_usec : 0;
}

void
busy_poll_record(struct busy_poll *bp, int64_t usec)
{
	bp->history = bp->history << 1 | (usec < (int64_t)bp->max_usec);
}

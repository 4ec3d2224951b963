#include "busy-poll.h"

#include "util.h"

/* Short gaps among the last 32 from which polling pays: one in four. A ping shows one in two
 * (the reply is short, the next request long); a steady flow slower than the poll, none. */
#define SHORT_GAPS_TO_POLL 8
/* The largest share of the time that polling may take: one part in four. */
#define POLL_SHARE_DIV 4
/* Weight of the newest gap in the decaying sums: 1/32, the same horizon as 'history'. */
#define DECAY_SHIFT 5

void
busy_poll_init(struct busy_poll *bp, uint32_t max_usec)
{
	*bp = (struct busy_poll){ .max_usec = max_usec };
}

uint32_t
busy_poll_budget(const struct busy_poll *bp)
{
	return __builtin_popcount(bp->history) >= SHORT_GAPS_TO_POLL &&
	       bp->cost * POLL_SHARE_DIV <= bp->period ? bp->max_usec : 0;
}

void
busy_poll_record(struct busy_poll *bp, int64_t gap, int64_t period)
{
	bp->history = bp->history << 1 | (gap < (int64_t)bp->max_usec);
	bp->cost += MIN(gap, (int64_t)bp->max_usec) - (bp->cost >> DECAY_SHIFT);
	bp->period += MAX(gap, period) - (bp->period >> DECAY_SHIFT);
}

/*
 * Unit tests for busy-poll.c, the main loop's choice between polling and sleeping: it polls only
 * once enough recent idle gaps were shorter than the poll and polling through them would have
 * been cheap beside the time that passed, stops when either changes, and never polls when
 * turned off. The gaps are those of the traffic the policy must tell apart: a ping's (reply
 * soon, next request 10 ms later), a steady flow a little slower than the poll, a busy switch.
 */
#include "unit.h"

#include "busy-poll.h"

/* 'times' idle gaps of 'gap' us, each ending 'period' us after the previous one ended, after
 * which the budget must be 'budget'. */
struct step {
	int64_t gap, period;
	int times;
	uint32_t budget;
};

static void
run_steps(uint32_t max_usec, const struct step *steps, size_t n)
{
	struct busy_poll bp;

	busy_poll_init(&bp, max_usec);
	assert_int_equal(busy_poll_budget(&bp), 0);
	for (size_t i = 0; i < n; i++) {
		for (int t = 0; t < steps[i].times; t++)
			busy_poll_record(&bp, steps[i].gap, steps[i].period);
		if (busy_poll_budget(&bp) != steps[i].budget)
			fail_msg("step %zu (%d gaps of %lld us in %lld): budget %u, expected %u", i,
				 steps[i].times, (long long)steps[i].gap, (long long)steps[i].period,
				 busy_poll_budget(&bp), steps[i].budget);
	}
}

#define RUN(max, ...) \
	run_steps(max, (const struct step[]){ __VA_ARGS__ }, \
		  sizeof((const struct step[]){ __VA_ARGS__ }) / sizeof(struct step))

static void
test_ping_polls(void **state)
{
	(void)state;
	/* Reply after 40 us, next request 10 ms later: one gap in two is short, and the eighth
	 * short one (the 15th gap) turns polling on; polling costs 340 us of each 10 ms. */
	struct step ping[32];

	for (int i = 0; i < 32; i++)
		ping[i] = i % 2 ? (struct step){ 10000, 10050, 1, i < 14 ? 0 : 300 }
				: (struct step){ 40, 50, 1, i < 14 ? 0 : 300 };
	run_steps(300, ping, 32);
}

static void
test_steady_slow_flow_sleeps(void **state)
{
	(void)state;
	/* 5 kpps with the sender's jitter, 10 us of work per packet: never within a 100 us poll;
	 * within a 300 us one, but polling would take nearly all the time. */
	RUN(100, { 140, 150, 8, 0 }, { 210, 220, 8, 0 }, { 170, 180, 8, 0 }, { 190, 200, 8, 0 },
	    { 101, 111, 32, 0 });
	RUN(300, { 190, 200, 64, 0 }, { 140, 150, 32, 0 });
}

static void
test_busy_switch_polls(void **state)
{
	(void)state;
	/* Gaps of 5 us between 35 us of work (a loaded switch): short and cheap. */
	RUN(300, { 5, 40, 32, 300 });
}

static void
test_short_gaps_threshold(void **state)
{
	(void)state;
	/* Seven short gaps among 32 are too few; the eighth starts polling (the long gaps are
	 * long enough for polling to be cheap throughout). */
	RUN(100, { 5000, 5000, 25, 0 }, { 99, 100, 7, 0 }, { 0, 10, 1, 100 });
	/* A gap of exactly the poll is not short. */
	RUN(100, { 100, 1000, 32, 0 });
}

static void
test_cost_threshold(void **state)
{
	(void)state;
	/* Polling through a fifth of the time is allowed, through a third is not; a steady
	 * flow that speeds up (the gaps stay, the work grows) is polled from then on. */
	RUN(100, { 20, 100, 64, 100 });
	RUN(100, { 30, 90, 64, 0 }, { 30, 300, 64, 100 });
}

static void
test_stops_when_gaps_grow(void **state)
{
	(void)state;
	/* 24 long gaps leave 8 short ones: still polling; the 25th stops it. */
	RUN(100, { 5, 40, 32, 100 }, { 5000, 5000, 24, 100 }, { 5000, 5000, 1, 0 });
	/* A ping that turns into a steady slow flow: the gaps stay short, the cost grows. */
	RUN(300, { 40, 50, 1, 0 }, { 10000, 10050, 1, 0 }, { 40, 50, 15, 300 },
	    { 190, 200, 32, 0 });
}

static void
test_off_never_polls(void **state)
{
	(void)state;
	RUN(0, { 0, 10, 32, 0 });
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_polls),
		cmocka_unit_test(test_steady_slow_flow_sleeps),
		cmocka_unit_test(test_busy_switch_polls),
		cmocka_unit_test(test_short_gaps_threshold),
		cmocka_unit_test(test_cost_threshold),
		cmocka_unit_test(test_stops_when_gaps_grow),
		cmocka_unit_test(test_off_never_polls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

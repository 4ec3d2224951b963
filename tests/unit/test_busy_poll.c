/*
 * Unit tests for busy-poll.c, the main loop's choice between polling and sleeping: it polls only
 * once enough recent idle gaps were shorter than the poll, stops when they grow long, and never
 * polls when turned off. The gaps are those of the traffic the policy must tell apart: a ping's
 * (reply soon, next request 10 ms later) and a steady flow slower than the poll.
 */
#include "unit.h"

#include "busy-poll.h"

/* 'times' idle gaps of 'usec' each, after which the budget must be 'budget'. */
struct step {
	int64_t usec;
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
			busy_poll_record(&bp, steps[i].usec);
		if (busy_poll_budget(&bp) != steps[i].budget)
			fail_msg("step %zu (%d gaps of %lld us): budget %u, expected %u", i,
				 steps[i].times, (long long)steps[i].usec, busy_poll_budget(&bp),
				 steps[i].budget);
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
	 * short one (the 15th gap) turns polling on. */
	struct step ping[32];

	for (int i = 0; i < 32; i++)
		ping[i] = (struct step){ i % 2 ? 10000 : 40, 1, i < 14 ? 0 : 100 };
	run_steps(100, ping, 32);
}

static void
test_steady_slow_flow_sleeps(void **state)
{
	(void)state;
	/* 5 kpps with the sender's jitter: never within a 100 us poll. */
	RUN(100, { 150, 8, 0 }, { 220, 8, 0 }, { 180, 8, 0 }, { 200, 8, 0 }, { 101, 32, 0 });
}

static void
test_threshold(void **state)
{
	(void)state;
	/* Seven short gaps among 32 are too few; the eighth starts polling. */
	RUN(100, { 500, 25, 0 }, { 99, 7, 0 }, { 0, 1, 100 });
	/* A gap of exactly the poll is not short. */
	RUN(100, { 100, 32, 0 });
}

static void
test_stops_when_gaps_grow(void **state)
{
	(void)state;
	/* 24 long gaps leave 8 short ones: still polling; the 25th stops it. */
	RUN(100, { 5, 32, 100 }, { 5000, 24, 100 }, { 5000, 1, 0 });
}

static void
test_off_never_polls(void **state)
{
	(void)state;
	RUN(0, { 0, 32, 0 });
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_polls),
		cmocka_unit_test(test_steady_slow_flow_sleeps),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_stops_when_gaps_grow),
		cmocka_unit_test(test_off_never_polls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

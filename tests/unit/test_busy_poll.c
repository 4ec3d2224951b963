/*
 * Unit tests for busy-poll.c, the main loop's choice between polling and sleeping: it polls only
 * once enough recent idle gaps were shorter than the poll, stops when they grow long, and never
 * polls when turned off. The gaps are those of the traffic the policy must tell apart: a ping's
 * (reply soon, next request 10 ms later) and a steady flow slower than the poll.
 */
#include "unit.h"

#include "busy-poll.h"

static void
feed(struct busy_poll *bp, const int64_t *gaps, size_t n, int times)
{
	for (int t = 0; t < times; t++)
		for (size_t i = 0; i < n; i++)
			busy_poll_record(bp, gaps[i]);
}

static void
test_starts_asleep(void **state)
{
	struct busy_poll bp;

	(void)state;
	busy_poll_init(&bp, 100);
	assert_int_equal(busy_poll_budget(&bp), 0);
}

static void
test_ping_polls(void **state)
{
	const int64_t ping[] = { 40, 10000 };  /* Reply after 40 us, next request 10 ms later. */
	struct busy_poll bp;

	(void)state;
	busy_poll_init(&bp, 100);
	feed(&bp, ping, 2, 16);
	assert_int_equal(busy_poll_budget(&bp), 100);
}

static void
test_steady_slow_flow_sleeps(void **state)
{
	const int64_t flow[] = { 150, 220, 180, 200 };  /* 5 kpps: never within a 100 us poll. */
	struct busy_poll bp;

	(void)state;
	busy_poll_init(&bp, 100);
	feed(&bp, flow, 4, 8);
	assert_int_equal(busy_poll_budget(&bp), 0);
}

static void
test_threshold(void **state)
{
	struct busy_poll bp;

	(void)state;
	busy_poll_init(&bp, 100);
	/* Seven short gaps among 32 are too few; the eighth starts polling. */
	for (int i = 0; i < 32; i++)
		busy_poll_record(&bp, i < 25 ? 500 : 99);
	assert_int_equal(busy_poll_budget(&bp), 0);
	busy_poll_record(&bp, 0);
	assert_int_equal(busy_poll_budget(&bp), 100);
	/* A gap of exactly the poll is not short. */
	busy_poll_init(&bp, 100);
	for (int i = 0; i < 32; i++)
		busy_poll_record(&bp, 100);
	assert_int_equal(busy_poll_budget(&bp), 0);
}

static void
test_stops_when_gaps_grow(void **state)
{
	struct busy_poll bp;

	(void)state;
	busy_poll_init(&bp, 100);
	for (int i = 0; i < 32; i++)
		busy_poll_record(&bp, 5);
	assert_int_equal(busy_poll_budget(&bp), 100);
	/* 24 long gaps leave 8 short ones: still polling; the 25th stops it. */
	for (int i = 0; i < 24; i++)
		busy_poll_record(&bp, 5000);
	assert_int_equal(busy_poll_budget(&bp), 100);
	busy_poll_record(&bp, 5000);
	assert_int_equal(busy_poll_budget(&bp), 0);
}

static void
test_off_never_polls(void **state)
{
	struct busy_poll bp;

	(void)state;
	busy_poll_init(&bp, 0);
	for (int i = 0; i < 32; i++)
		busy_poll_record(&bp, 0);
	assert_int_equal(busy_poll_budget(&bp), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_asleep),
		cmocka_unit_test(test_ping_polls),
		cmocka_unit_test(test_steady_slow_flow_sleeps),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_stops_when_gaps_grow),
		cmocka_unit_test(test_off_never_polls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

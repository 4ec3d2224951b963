/*
 * Unit tests for kick.c, the ring kicks the main loop may take over: made at once unless the
 * loop defers them, queued once however often requested, made by kick_flush() in request
 * order, taken out of the queue by kick_now() and kick_cancel(), and a failed send reported
 * with its error. A kick here is a zero-length send() on one end of a datagram socketpair, so
 * the other end counts the kicks actually made.
 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kick.h"
#include "util.h"

struct end {
	struct kick kick;
	int peer;         /* Receives one empty datagram per kick made. */
	int failures;
	int last_err;
};

static void
record_failure(struct kick *k, int err)
{
	struct end *e = CONTAINER_OF(k, struct end, kick);

	e->failures++;
	e->last_err = err;
}

static void
end_open(struct end *e)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	*e = (struct end){ .kick = { .fd = sv[0], .failed = record_failure }, .peer = sv[1] };
}

static void
end_close(struct end *e)
{
	kick_cancel(&e->kick);
	close(e->kick.fd);
	close(e->peer);
}

/* Kicks that reached the peer since the last call. */
static int
kicks_made(const struct end *e)
{
	char c;
	int n = 0;

	while (recv(e->peer, &c, sizeof c, 0) == 0)
		n++;
	return n;
}

/* Every test gets three ends, and the loop not deferring; teardown closes them. */
static int
setup(void **state)
{
	struct end *e = calloc(3, sizeof *e);

	for (int i = 0; i < 3; i++)
		end_open(&e[i]);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct end *e = *state;

	kick_defer_to_loop(false);
	for (int i = 0; i < 3; i++)
		end_close(&e[i]);
	free(e);
	return 0;
}

static void
test_immediate_without_loop(void **state)
{
	struct end *a = *state;

	kick_request(&a->kick);
	kick_request(&a->kick);
	assert_int_equal(kicks_made(a), 2);
	assert_int_equal(kick_queued(), 0);
	assert_int_equal(a->failures, 0);
}

static void
test_deferred_once_until_flush(void **state)
{
	struct end *a = *state, *b = a + 1;

	kick_defer_to_loop(true);
	kick_request(&a->kick);
	kick_request(&b->kick);
	kick_request(&a->kick);
	assert_int_equal(kick_queued(), 2);
	assert_int_equal(kicks_made(a) + kicks_made(b), 0);
	kick_flush();
	assert_int_equal(kick_queued(), 0);
	assert_int_equal(kicks_made(a), 1);
	assert_int_equal(kicks_made(b), 1);
}

static void
test_pop_in_request_order(void **state)
{
	struct end *a = *state, *b = a + 1, *c = a + 2;

	kick_defer_to_loop(true);
	kick_request(&b->kick);
	kick_request(&a->kick);
	kick_request(&c->kick);
	kick_cancel(&a->kick);
	assert_ptr_equal(kick_pop(), &b->kick);
	assert_ptr_equal(kick_pop(), &c->kick);
	assert_null(kick_pop());
	assert_false(b->kick.queued || c->kick.queued || a->kick.queued);
	assert_int_equal(kicks_made(a) + kicks_made(b) + kicks_made(c), 0);
}

static void
test_now_and_cancel_leave_queue(void **state)
{
	struct end *a = *state, *b = a + 1;

	kick_defer_to_loop(true);
	kick_request(&a->kick);
	kick_request(&b->kick);
	kick_now(&a->kick);
	assert_int_equal(kicks_made(a), 1);
	kick_cancel(&b->kick);
	assert_int_equal(kick_queued(), 0);
	kick_flush();
	assert_int_equal(kicks_made(a) + kicks_made(b), 0);
}

static void
test_loop_giving_up_flushes(void **state)
{
	struct end *a = *state;

	kick_defer_to_loop(true);
	kick_request(&a->kick);
	kick_defer_to_loop(false);
	assert_int_equal(kicks_made(a), 1);
	assert_int_equal(kick_queued(), 0);
}

static void
test_failure_reported(void **state)
{
	struct end *a = *state;

	close(a->peer);          /* A datagram to a closed peer: ECONNREFUSED. */
	a->peer = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	kick_request(&a->kick);
	assert_int_equal(a->failures, 1);
	assert_int_equal(a->last_err, -ECONNREFUSED);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_immediate_without_loop),
		TEST(test_deferred_once_until_flush),
		TEST(test_pop_in_request_order),
		TEST(test_now_and_cancel_leave_queue),
		TEST(test_loop_giving_up_flushes),
		TEST(test_failure_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

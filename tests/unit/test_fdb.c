/*
 * Unit tests for fdb.c, the MAC learning table: learning and lookup per VLAN, aging with the
 * time passed in, the size bound with least-recently-learned eviction and its counter, flushes,
 * multicast sources never learned, and a re-learned MAC moving to its new port.
 */
#include "unit.h"

#include "fdb.h"
#include "flow.h"

#define AGING 300000

/* Host number 'n' as a locally administered unicast MAC 02:00:00:00:xx:xx. */
static const uint8_t *
mac(unsigned int n)
{
	static uint8_t m[8][6];
	static unsigned int slot;
	uint8_t *p = m[slot++ % 8];

	memcpy(p, (uint8_t[6]){ 0x02, 0, 0, 0, (uint8_t)(n >> 8), (uint8_t)n }, 6);
	return p;
}

static void
test_learn_lookup(void **state)
{
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 100, AGING);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 0), OFPP_NONE);
	fdb_learn(&fdb, mac(1), 0, 5, 1000);
	fdb_learn(&fdb, mac(2), 0, 6, 1000);
	fdb_learn(&fdb, mac(1), 10, 7, 1000);     /* Same MAC, other VLAN: its own entry. */
	assert_int_equal(fdb_count(&fdb), 3);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 1000), 5);
	assert_int_equal(fdb_lookup(&fdb, mac(2), 0, 1000), 6);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 10, 1000), 7);
	assert_int_equal(fdb_lookup(&fdb, mac(2), 10, 1000), OFPP_NONE);
	assert_int_equal(fdb_lookup(&fdb, mac(3), 0, 1000), OFPP_NONE);
	/* MACs differing only in the first or last byte are different hosts. */
	assert_int_equal(fdb_lookup(&fdb, (uint8_t[6]){ 0x06, 0, 0, 0, 0, 1 }, 0, 1000), OFPP_NONE);
	assert_int_equal(fdb_lookup(&fdb, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x81 }, 0, 1000),
			 OFPP_NONE);
	assert_int_equal(fdb.n_evicted, 0);
	fdb_uninit(&fdb);
}

static void
test_relearn_moves_port(void **state)
{
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 100, AGING);
	fdb_learn(&fdb, mac(1), 0, 1, 0);
	fdb_learn(&fdb, mac(1), 0, 2, 10);
	assert_int_equal(fdb_count(&fdb), 1);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 10), 2);
	fdb_learn(&fdb, mac(1), 0, OFPP_LOCAL, 20);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 20), OFPP_LOCAL);
	assert_int_equal(fdb_count(&fdb), 1);
	fdb_uninit(&fdb);
}

/* An entry answers for exactly 'aging' ms after its last packet. */
static void
test_aging_lookup(void **state)
{
	static const struct {
		int64_t now;
		uint32_t port;
	} v[] = {
		{ 1000, 4 },
		{ 1000 + AGING - 1, 4 },
		{ 1000 + AGING, OFPP_NONE },
		{ 1000 + 10 * AGING, OFPP_NONE },
	};
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 100, AGING);
	fdb_learn(&fdb, mac(1), 0, 4, 1000);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_int_equal(fdb_lookup(&fdb, mac(1), 0, v[i].now), v[i].port);
	/* A lookup does not refresh: only traffic from the MAC does. */
	fdb_learn(&fdb, mac(1), 0, 4, 1000 + AGING);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 1000 + 2 * AGING - 1), 4);
	fdb_uninit(&fdb);

	/* The aging time is the one given to fdb_init. */
	fdb_init(&fdb, 100, 50);
	fdb_learn(&fdb, mac(1), 0, 4, 0);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 49), 4);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 50), OFPP_NONE);
	fdb_uninit(&fdb);
}

static void
test_expire(void **state)
{
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 100, AGING);
	fdb_learn(&fdb, mac(1), 0, 1, 0);
	fdb_learn(&fdb, mac(2), 0, 2, 100);
	fdb_learn(&fdb, mac(3), 0, 3, 200);
	fdb_expire(&fdb, AGING - 1);
	assert_int_equal(fdb_count(&fdb), 3);
	fdb_expire(&fdb, AGING + 100);    /* mac 1 and 2 are exactly AGING or more idle. */
	assert_int_equal(fdb_count(&fdb), 1);
	assert_int_equal(fdb_lookup(&fdb, mac(3), 0, AGING + 100), 3);

	/* A refresh moves an entry to the young end: the other one expires first. */
	fdb_learn(&fdb, mac(1), 0, 1, AGING + 150);
	fdb_learn(&fdb, mac(3), 0, 3, AGING + 300);   /* Refreshed after mac 1. */
	fdb_expire(&fdb, 2 * AGING + 150);
	assert_int_equal(fdb_count(&fdb), 1);
	assert_int_equal(fdb_lookup(&fdb, mac(3), 0, 2 * AGING + 150), 3);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 2 * AGING + 150), OFPP_NONE);
	fdb_expire(&fdb, 2 * AGING + 300);
	assert_int_equal(fdb_count(&fdb), 0);
	/* Expiry is not eviction. */
	assert_int_equal(fdb.n_evicted, 0);
	fdb_uninit(&fdb);
}

static void
test_bound_lru_eviction(void **state)
{
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 3, AGING);
	fdb_learn(&fdb, mac(1), 0, 1, 0);
	fdb_learn(&fdb, mac(2), 0, 2, 1);
	fdb_learn(&fdb, mac(3), 0, 3, 2);
	assert_int_equal(fdb.n_evicted, 0);
	/* Full: the fourth host evicts the oldest, host 1. */
	fdb_learn(&fdb, mac(4), 0, 4, 3);
	assert_int_equal(fdb_count(&fdb), 3);
	assert_int_equal(fdb.n_evicted, 1);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 3), OFPP_NONE);
	assert_int_equal(fdb_lookup(&fdb, mac(4), 0, 3), 4);
	/* Host 2 refreshes, so host 3 is now the oldest and goes next. */
	fdb_learn(&fdb, mac(2), 0, 2, 4);
	assert_int_equal(fdb.n_evicted, 1);
	fdb_learn(&fdb, mac(5), 0, 5, 5);
	assert_int_equal(fdb.n_evicted, 2);
	assert_int_equal(fdb_lookup(&fdb, mac(3), 0, 5), OFPP_NONE);
	assert_int_equal(fdb_lookup(&fdb, mac(2), 0, 5), 2);
	assert_int_equal(fdb_lookup(&fdb, mac(4), 0, 5), 4);
	assert_int_equal(fdb_lookup(&fdb, mac(5), 0, 5), 5);
	/* Re-learning a known host on another port when full evicts nothing. */
	fdb_learn(&fdb, mac(4), 0, 9, 6);
	assert_int_equal(fdb.n_evicted, 2);
	assert_int_equal(fdb_count(&fdb), 3);
	assert_int_equal(fdb_lookup(&fdb, mac(4), 0, 6), 9);
	fdb_uninit(&fdb);
}

/* A flood of source MACs stays bounded, and every eviction is counted. */
static void
test_flood_bounded(void **state)
{
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 64, AGING);
	for (unsigned int i = 0; i < 10000; i++)
		fdb_learn(&fdb, mac(i), (uint16_t)(i % 3), 1 + i % 7, i);
	assert_int_equal(fdb_count(&fdb), 64);
	assert_int_equal(fdb.n_evicted, 10000 - 64);
	/* The survivors are the 64 most recent. */
	for (unsigned int i = 10000 - 64; i < 10000; i++)
		assert_int_equal(fdb_lookup(&fdb, mac(i), (uint16_t)(i % 3), 10000), 1 + i % 7);
	assert_int_equal(fdb_lookup(&fdb, mac(10000 - 65), (10000 - 65) % 3, 10000), OFPP_NONE);
	fdb_uninit(&fdb);
}

static void
test_zero_max_learns_nothing(void **state)
{
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 0, AGING);
	fdb_learn(&fdb, mac(1), 0, 1, 0);
	assert_int_equal(fdb_count(&fdb), 0);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 0), OFPP_NONE);
	assert_int_equal(fdb.n_evicted, 0);
	fdb_uninit(&fdb);
}

static void
test_multicast_never_learned(void **state)
{
	static const struct {
		const char *name;
		uint8_t mac[6];
		bool learned;
	} v[] = {
		{ "broadcast", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, false },
		{ "ipv4 multicast", { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, false },
		{ "ipv6 multicast", { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, false },
		{ "stp", { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 }, false },
		{ "group bit only", { 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 }, false },
		{ "unicast", { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }, true },
		{ "local unicast", { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, true },
		{ "odd last byte", { 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff }, true },
	};
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 1, AGING);
	fdb_learn(&fdb, mac(1000), 0, 1, 0);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint64_t evicted = fdb.n_evicted;

		print_message("%s\n", v[i].name);
		fdb_learn(&fdb, v[i].mac, 0, 3, 0);
		assert_int_equal(fdb_lookup(&fdb, v[i].mac, 0, 0), v[i].learned ? 3 : OFPP_NONE);
		/* A table full of one entry: multicast must not evict it either. */
		assert_int_equal(fdb.n_evicted, evicted + v[i].learned);
		assert_int_equal(fdb_count(&fdb), 1);
	}
	fdb_uninit(&fdb);
}

static void
test_flush_port(void **state)
{
	struct fdb fdb;

	(void)state;
	fdb_init(&fdb, 100, AGING);
	fdb_learn(&fdb, mac(1), 0, 1, 0);
	fdb_learn(&fdb, mac(2), 0, 2, 0);
	fdb_learn(&fdb, mac(3), 5, 1, 0);
	fdb_learn(&fdb, mac(4), 0, 3, 0);
	fdb_learn(&fdb, mac(5), 0, 1, 0);
	fdb_flush_port(&fdb, 1);
	assert_int_equal(fdb_count(&fdb), 2);
	assert_int_equal(fdb_lookup(&fdb, mac(1), 0, 0), OFPP_NONE);
	assert_int_equal(fdb_lookup(&fdb, mac(3), 5, 0), OFPP_NONE);
	assert_int_equal(fdb_lookup(&fdb, mac(5), 0, 0), OFPP_NONE);
	assert_int_equal(fdb_lookup(&fdb, mac(2), 0, 0), 2);
	assert_int_equal(fdb_lookup(&fdb, mac(4), 0, 0), 3);
	fdb_flush_port(&fdb, 77);       /* No entries on it: nothing changes. */
	assert_int_equal(fdb_count(&fdb), 2);
	/* The LRU list stayed consistent: learning and eviction still work. */
	fdb.max = 2;
	fdb_learn(&fdb, mac(6), 0, 6, 1);
	assert_int_equal(fdb.n_evicted, 1);
	assert_int_equal(fdb_count(&fdb), 2);
	assert_int_equal(fdb_lookup(&fdb, mac(2), 0, 1), OFPP_NONE);
	fdb_flush(&fdb);
	assert_int_equal(fdb_count(&fdb), 0);
	assert_int_equal(fdb_lookup(&fdb, mac(4), 0, 1), OFPP_NONE);
	fdb_learn(&fdb, mac(4), 0, 4, 2);
	assert_int_equal(fdb_lookup(&fdb, mac(4), 0, 2), 4);
	fdb_uninit(&fdb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_lookup),
		cmocka_unit_test(test_relearn_moves_port),
		cmocka_unit_test(test_aging_lookup),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_bound_lru_eviction),
		cmocka_unit_test(test_flood_bounded),
		cmocka_unit_test(test_zero_max_learns_nothing),
		cmocka_unit_test(test_multicast_never_learned),
		cmocka_unit_test(test_flush_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

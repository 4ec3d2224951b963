/*
 * Unit tests for hmap.c: insertion, lookup by hash, removal and iteration with many nodes,
 * with fully colliding hashes and with hashes that share a bucket but differ, growth, and
 * HMAP_FOR_EACH_SAFE removing nodes as it goes. Every check compares against a plain array that
 * records which values should be in the map.
 */
#include "unit.h"

#include "hmap.h"

#define N 2000

struct elem {
	struct hmap_node node;
	int value;
	int seen;         /* Times the current iteration visited it. */
	bool in_map;
};

typedef uint32_t hash_fn(int value);

static uint32_t
hash_distinct(int v)
{
	return (uint32_t)v * 2654435761u;
}

static uint32_t
hash_all_same(int v)
{
	(void)v;
	return 42;
}

/* Same low bits (one bucket until the map has 2^20 buckets), different full hashes. */
static uint32_t
hash_same_bucket(int v)
{
	return (uint32_t)v << 20 | 7;
}

/* Two values per hash. */
static uint32_t
hash_pairs(int v)
{
	return hash_distinct(v / 2);
}

static const struct {
	const char *name;
	hash_fn *hash;
} hashes[] = {
	{ "distinct", hash_distinct },
	{ "all colliding", hash_all_same },
	{ "same bucket, different hash", hash_same_bucket },
	{ "pairs", hash_pairs },
};

static struct elem *
find(const struct hmap *map, hash_fn *hash, int value)
{
	struct elem *e, *found = NULL;

	HMAP_FOR_EACH_WITH_HASH(e, node, hash(value), map) {
		assert_int_equal(e->node.hash, hash(value));
		if (e->value == value) {
			assert_null(found); /* Found once only. */
			found = e;
		}
	}
	return found;
}

/* Checks that the map holds exactly the elements marked 'in_map', each once. */
static void
check_map(const struct hmap *map, struct elem *elems, hash_fn *hash)
{
	size_t expected = 0, visited = 0;
	struct elem *e;

	for (int i = 0; i < N; i++) {
		elems[i].seen = 0;
		expected += elems[i].in_map;
	}
	assert_int_equal(hmap_count(map), expected);
	for (struct hmap_node *n = hmap_first(map); n; n = hmap_next(map, n)) {
		e = CONTAINER_OF(n, struct elem, node);
		e->seen++;
		visited++;
		assert_true(visited <= expected);
	}
	assert_int_equal(visited, expected);
	for (int i = 0; i < N; i++) {
		assert_int_equal(elems[i].seen, elems[i].in_map);
		assert_ptr_equal(find(map, hash, i), elems[i].in_map ? &elems[i] : NULL);
	}
}

static void
test_insert_remove_iterate(void **state)
{
	struct elem *elems = calloc(N, sizeof *elems);

	(void)state;
	for (size_t h = 0; h < sizeof hashes / sizeof hashes[0]; h++) {
		struct hmap map;

		print_message("hash: %s\n", hashes[h].name);
		hmap_init(&map);
		for (int i = 0; i < N; i++) {
			elems[i] = (struct elem){ .value = i, .in_map = true };
			hmap_insert(&map, &elems[i].node, hashes[h].hash(i));
		}
		check_map(&map, elems, hashes[h].hash);
		/* Remove every third, then put half of them back. */
		for (int i = 0; i < N; i += 3) {
			hmap_remove(&map, &elems[i].node);
			elems[i].in_map = false;
		}
		check_map(&map, elems, hashes[h].hash);
		for (int i = 0; i < N; i += 6) {
			hmap_insert(&map, &elems[i].node, hashes[h].hash(i));
			elems[i].in_map = true;
		}
		check_map(&map, elems, hashes[h].hash);
		for (int i = 0; i < N; i++) {
			if (elems[i].in_map) {
				hmap_remove(&map, &elems[i].node);
				elems[i].in_map = false;
			}
		}
		check_map(&map, elems, hashes[h].hash);
		assert_null(hmap_first(&map));
		hmap_destroy(&map);
	}
	free(elems);
}

static void
test_empty(void **state)
{
	struct hmap map = HMAP_INITIALIZER;
	struct elem *e;
	int n = 0;

	(void)state;
	assert_int_equal(hmap_count(&map), 0);
	assert_null(hmap_first(&map));
	assert_null(hmap_bucket(&map, 5));
	HMAP_FOR_EACH_WITH_HASH(e, node, 5, &map)
		n++;
	HMAP_FOR_EACH_SAFE(e, node, &map)
		n++;
	assert_int_equal(n, 0);
	hmap_destroy(&map);
}

/* Buckets start at 8 and double when an insertion finds a load factor of 2. */
static void
test_growth(void **state)
{
	static struct elem elems[200];
	static const struct {
		size_t count;       /* After this many insertions... */
		size_t n_buckets;   /* ...the map has this many buckets. */
	} steps[] = {
		{ 1, 8 }, { 16, 8 }, { 17, 16 }, { 32, 16 }, { 33, 32 }, { 64, 32 }, { 65, 64 },
		{ 129, 128 }, { 200, 128 },
	};
	struct hmap map;
	size_t step = 0;

	(void)state;
	hmap_init(&map);
	assert_null(map.buckets);
	for (size_t i = 0; i < 200; i++) {
		elems[i].value = (int)i;
		hmap_insert(&map, &elems[i].node, hash_distinct((int)i));
		if (step < sizeof steps / sizeof steps[0] && steps[step].count == i + 1) {
			assert_int_equal(map.mask + 1, steps[step].n_buckets);
			step++;
		}
	}
	assert_int_equal(step, sizeof steps / sizeof steps[0]);
	/* Every node is still reachable through its bucket after the resizes. */
	for (int i = 0; i < 200; i++)
		assert_ptr_equal(find(&map, hash_distinct, i), &elems[i]);
	/* Removal does not shrink. */
	for (int i = 0; i < 200; i++)
		hmap_remove(&map, &elems[i].node);
	assert_int_equal(map.mask + 1, 128);
	hmap_destroy(&map);
	assert_null(map.buckets);
	assert_int_equal(map.count, 0);
}

/* Removing (and freeing) the current node inside HMAP_FOR_EACH_SAFE, for every hash shape. */
static void
test_for_each_safe_remove(void **state)
{
	(void)state;
	for (size_t h = 0; h < sizeof hashes / sizeof hashes[0]; h++) {
		int *seen = calloc(N, sizeof *seen);
		struct hmap map;
		struct elem *e;
		size_t visited = 0;

		hmap_init(&map);
		for (int i = 0; i < N; i++) {
			e = calloc(1, sizeof *e);
			e->value = i;
			hmap_insert(&map, &e->node, hashes[h].hash(i));
		}
		/* First pass: remove the odd values, keep the even ones. */
		HMAP_FOR_EACH_SAFE(e, node, &map) {
			seen[e->value]++;
			visited++;
			if (e->value % 2) {
				hmap_remove(&map, &e->node);
				free(e);
			}
		}
		assert_int_equal(visited, N);
		for (int i = 0; i < N; i++)
			assert_int_equal(seen[i], 1);
		assert_int_equal(hmap_count(&map), N / 2);
		/* Second pass: drain everything (freed nodes must not be touched again). */
		visited = 0;
		HMAP_FOR_EACH_SAFE(e, node, &map) {
			assert_int_equal(e->value % 2, 0);
			seen[e->value]++;
			visited++;
			hmap_remove(&map, &e->node);
			free(e);
		}
		assert_int_equal(visited, N / 2);
		for (int i = 0; i < N; i++)
			assert_int_equal(seen[i], i % 2 ? 1 : 2);
		assert_int_equal(hmap_count(&map), 0);
		assert_null(hmap_first(&map));
		hmap_destroy(&map);
		free(seen);
	}
}

/* A node embedded twice is in two maps independently. */
struct two {
	struct hmap_node by_a, by_b;
	int a, b;
};

static void
test_two_maps(void **state)
{
	struct two t[10];
	struct hmap ma, mb;
	struct two *p;
	int hits = 0;

	(void)state;
	hmap_init(&ma);
	hmap_init(&mb);
	for (int i = 0; i < 10; i++) {
		t[i].a = i;
		t[i].b = 100 + i;
		hmap_insert(&ma, &t[i].by_a, (uint32_t)t[i].a);
		hmap_insert(&mb, &t[i].by_b, (uint32_t)t[i].b);
	}
	hmap_remove(&ma, &t[3].by_a);
	assert_int_equal(hmap_count(&ma), 9);
	assert_int_equal(hmap_count(&mb), 10);
	HMAP_FOR_EACH_WITH_HASH(p, by_b, 103, &mb) {
		assert_ptr_equal(p, &t[3]);
		hits++;
	}
	HMAP_FOR_EACH_WITH_HASH(p, by_a, 3, &ma)
		hits += 10;
	assert_int_equal(hits, 1);
	hmap_destroy(&ma);
	hmap_destroy(&mb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_remove_iterate),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_for_each_safe_remove),
		cmocka_unit_test(test_two_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

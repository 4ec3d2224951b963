/*
 * Unit tests for cursor.h: every reader at exact and short lengths, and sub-cursors that
 * cannot read past their part. A failed read must consume nothing and write nothing.
 */
#include "unit.h"

#include "cursor.h"

static const uint8_t bytes[9] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };

/* One reader under test: reads from 'c' into 'out' (8 bytes), returns whether it succeeded. */
typedef bool reader_fn(struct cursor *c, uint8_t *out, size_t n);

static bool
rd_u8(struct cursor *c, uint8_t *out, size_t n)
{
	(void)n;
	return cursor_u8(c, out);
}

static bool
rd_u16(struct cursor *c, uint8_t *out, size_t n)
{
	uint16_t v = 0xeeee;
	bool ok = cursor_u16be(c, &v);

	(void)n;
	memcpy(out, &v, sizeof v);
	return ok;
}

static bool
rd_u32(struct cursor *c, uint8_t *out, size_t n)
{
	uint32_t v = 0xeeeeeeee;
	bool ok = cursor_u32be(c, &v);

	(void)n;
	memcpy(out, &v, sizeof v);
	return ok;
}

static bool
rd_u64(struct cursor *c, uint8_t *out, size_t n)
{
	uint64_t v = 0xeeeeeeeeeeeeeeeeull;
	bool ok = cursor_u64be(c, &v);

	(void)n;
	memcpy(out, &v, sizeof v);
	return ok;
}

static bool
rd_copy(struct cursor *c, uint8_t *out, size_t n)
{
	return cursor_copy(c, out, n);
}

static bool
rd_pull(struct cursor *c, uint8_t *out, size_t n)
{
	const uint8_t *p = cursor_pull(c, n);

	if (p)
		memcpy(out, p, n);
	return p != NULL;
}

static bool
rd_skip(struct cursor *c, uint8_t *out, size_t n)
{
	(void)out;
	return cursor_skip(c, n);
}

static bool
rd_sub(struct cursor *c, uint8_t *out, size_t n)
{
	struct cursor sub = { NULL, 12345 };
	bool ok = cursor_sub(c, n, &sub);

	if (ok) {
		assert_int_equal(sub.left, n);
		memcpy(out, sub.ptr, n);
	} else {
		/* The sub-cursor is left alone on failure. */
		assert_null(sub.ptr);
		assert_int_equal(sub.left, 12345);
	}
	return ok;
}

/* Host-order images of the big-endian values of bytes 01 02 03 ... */
static const uint16_t be16 = 0x0102;
static const uint32_t be32 = 0x01020304;
static const uint64_t be64 = 0x0102030405060708ull;

static const struct {
	const char *name;
	reader_fn *read;
	size_t width;          /* Bytes it consumes. */
	const void *value;     /* What it stores on success ('width' bytes in 'out'), or NULL. */
	size_t value_size;
} readers[] = {
	{ "u8", rd_u8, 1, bytes, 1 },
	{ "u16be", rd_u16, 2, &be16, 2 },
	{ "u32be", rd_u32, 4, &be32, 4 },
	{ "u64be", rd_u64, 8, &be64, 8 },
	{ "copy 3", rd_copy, 3, bytes, 3 },
	{ "copy 0", rd_copy, 0, bytes, 0 },
	{ "pull 5", rd_pull, 5, bytes, 5 },
	{ "skip 6", rd_skip, 6, NULL, 0 },
	{ "sub 7", rd_sub, 7, bytes, 7 },
};

/* Each reader with exactly its width, one more (a byte remains) and one less (fails). */
static void
test_readers_exact_and_short(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
		size_t w = readers[i].width;

		for (size_t avail = w ? w - 1 : 0; avail <= w + 1; avail++) {
			struct cursor c = cursor_init(bytes, avail);
			uint8_t out[8];
			bool ok;

			print_message("%s with %zu bytes\n", readers[i].name, avail);
			memset(out, 0xee, sizeof out);
			ok = readers[i].read(&c, out, w);
			if (avail >= w) {
				assert_true(ok);
				assert_ptr_equal(c.ptr, bytes + w);
				assert_int_equal(c.left, avail - w);
				if (readers[i].value_size)
					assert_memory_equal(out, readers[i].value,
							    readers[i].value_size);
			} else {
				uint8_t untouched[8];

				assert_false(ok);
				assert_ptr_equal(c.ptr, bytes);
				assert_int_equal(c.left, avail);
				memset(untouched, 0xee, sizeof untouched);
				assert_memory_equal(out, untouched, sizeof out);
			}
		}
	}
}

/* The integer readers leave their output alone when they fail. */
static void
test_failed_reads_keep_output(void **state)
{
	struct cursor c = cursor_init(bytes, 1);
	uint16_t v16 = 0xabcd;
	uint32_t v32 = 0xabcdef01;
	uint64_t v64 = 0x1122334455667788ull;
	uint8_t v8 = 0x5a;

	(void)state;
	assert_false(cursor_u16be(&c, &v16));
	assert_int_equal(v16, 0xabcd);
	c = cursor_init(bytes, 3);
	assert_false(cursor_u32be(&c, &v32));
	assert_int_equal(v32, 0xabcdef01);
	c = cursor_init(bytes, 7);
	assert_false(cursor_u64be(&c, &v64));
	assert_true(v64 == 0x1122334455667788ull);
	assert_int_equal(c.left, 7);
	c = cursor_init(bytes, 0);
	assert_false(cursor_u8(&c, &v8));
	assert_int_equal(v8, 0x5a);
}

static void
test_peek_does_not_consume(void **state)
{
	struct cursor c = cursor_init(bytes, 4);

	(void)state;
	assert_ptr_equal(cursor_peek(&c, 4), bytes);
	assert_ptr_equal(cursor_peek(&c, 0), bytes);
	assert_null(cursor_peek(&c, 5));
	assert_int_equal(c.left, 4);
	assert_ptr_equal(c.ptr, bytes);
}

/* Consecutive reads walk the buffer in order and stop exactly at its end. */
static void
test_sequence(void **state)
{
	struct cursor c = cursor_init(bytes, sizeof bytes);
	uint16_t v16;
	uint32_t v32;
	uint8_t v8;

	(void)state;
	assert_true(cursor_u8(&c, &v8));
	assert_int_equal(v8, 0x01);
	assert_true(cursor_u16be(&c, &v16));
	assert_int_equal(v16, 0x0203);
	assert_true(cursor_u32be(&c, &v32));
	assert_int_equal(v32, 0x04050607);
	assert_true(cursor_u16be(&c, &v16));
	assert_int_equal(v16, 0x0809);
	assert_int_equal(c.left, 0);
	assert_false(cursor_u8(&c, &v8));
	assert_true(cursor_skip(&c, 0));
}

/* Huge lengths (as a lying length field would give) fail without wrapping around. */
static void
test_huge_lengths(void **state)
{
	struct cursor c = cursor_init(bytes, sizeof bytes), sub;

	(void)state;
	assert_null(cursor_pull(&c, SIZE_MAX));
	assert_false(cursor_skip(&c, SIZE_MAX));
	assert_false(cursor_sub(&c, (size_t)-1, &sub));
	assert_null(cursor_peek(&c, SIZE_MAX));
	assert_int_equal(c.left, sizeof bytes);
}

/* A sub-cursor sees only its part, even though the parent has more. */
static void
test_sub_cursor_bounded(void **state)
{
	struct cursor c = cursor_init(bytes, sizeof bytes), sub, inner;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	(void)state;
	assert_true(cursor_sub(&c, 3, &sub));
	assert_int_equal(c.left, 6);
	assert_ptr_equal(c.ptr, bytes + 3);
	/* 3 bytes: a u32 does not fit although the parent still holds 6 more. */
	assert_false(cursor_u32be(&sub, &v32));
	assert_null(cursor_pull(&sub, 4));
	assert_true(cursor_u16be(&sub, &v16));
	assert_int_equal(v16, 0x0102);
	assert_true(cursor_u8(&sub, &v8));
	assert_int_equal(v8, 0x03);
	assert_false(cursor_u8(&sub, &v8));
	/* The parent continues right after the part. */
	assert_true(cursor_u8(&c, &v8));
	assert_int_equal(v8, 0x04);

	/* Nested: a sub-cursor of a sub-cursor is bounded by the inner length. */
	assert_true(cursor_sub(&c, 4, &sub));
	assert_false(cursor_sub(&sub, 5, &inner));
	assert_true(cursor_sub(&sub, 2, &inner));
	assert_false(cursor_u32be(&inner, &v32));
	assert_true(cursor_u16be(&inner, &v16));
	assert_int_equal(v16, 0x0506);
	assert_int_equal(sub.left, 2);
	assert_int_equal(c.left, 1);

	/* An empty part is legal and empty. */
	assert_true(cursor_sub(&c, 0, &inner));
	assert_int_equal(inner.left, 0);
	assert_false(cursor_u8(&inner, &v8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_exact_and_short),
		cmocka_unit_test(test_failed_reads_keep_output),
		cmocka_unit_test(test_peek_does_not_consume),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_huge_lengths),
		cmocka_unit_test(test_sub_cursor_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for prom.c: the Prometheus text exposition format, and util.c's hex helpers. */
#include "unit.h"

#include "prom.h"
#include "util.h"

static const struct {
	const char *name;
	struct prom_label labels[3];
	size_t n_labels;
	uint64_t value;
	const char *expect;
} samples[] = {
	{ "up", { { NULL, NULL } }, 0, 1, "up 1\n" },
	{ "a_total", { { "port", "p1" } }, 1, 0, "a_total{port=\"p1\"} 0\n" },
	{ "a_total", { { "bridge", "br0" }, { "port", "lisp0" }, { "reason", "no_flow" } }, 3,
	  18446744073709551615u,
	  "a_total{bridge=\"br0\",port=\"lisp0\",reason=\"no_flow\"} 18446744073709551615\n" },
	/* Label values escape backslash, double quote and newline (and nothing else). */
	{ "x", { { "v", "a\\b\"c\nd'e{}" } }, 1, 7, "x{v=\"a\\\\b\\\"c\\nd'e{}\"} 7\n" },
	{ "x", { { "v", "" } }, 1, 2, "x{v=\"\"} 2\n" },
};

static void
test_samples(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		struct strbuf sb;

		strbuf_init(&sb);
		prom_sample(&sb, samples[i].name, samples[i].labels, samples[i].n_labels,
			    samples[i].value);
		assert_string_equal(strbuf_cstr(&sb), samples[i].expect);
		strbuf_uninit(&sb);
	}
}

static void
test_family(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	/* HELP escapes backslash and newline; a double quote stays as it is. */
	prom_family(&sb, "lispswitch_x_total", "counter", "a \"b\" c\\d\ne");
	assert_string_equal(strbuf_cstr(&sb), "# HELP lispswitch_x_total a \"b\" c\\\\d\\ne\n"
					       "# TYPE lispswitch_x_total counter\n");
	strbuf_uninit(&sb);
}

static void
test_hex(void **state)
{
	static const uint8_t bytes[] = { 0x00, 0x0f, 0xa5, 0xff };
	char hex[2 * sizeof bytes + 1];
	uint8_t back[8];

	(void)state;
	hex_encode(bytes, sizeof bytes, hex);
	assert_string_equal(hex, "000fa5ff");
	assert_int_equal(hex_decode(hex, back, sizeof back), 4);
	assert_memory_equal(back, bytes, 4);
	assert_int_equal(hex_decode("0A0b", back, sizeof back), 2);
	assert_int_equal(back[0], 0x0a);
	assert_int_equal(hex_decode("", back, sizeof back), 0);
	assert_int_equal(hex_decode("abc", back, sizeof back), -1);   /* Odd length. */
	assert_int_equal(hex_decode("zz", back, sizeof back), -1);
	assert_int_equal(hex_decode("0102", back, 1), -1);            /* No room. */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

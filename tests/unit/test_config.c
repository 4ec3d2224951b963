/*
 * Unit tests for config.c: save/load round trip (and the saved text against a golden file),
 * missing, truncated and corrupt files, OpenFlow port number assignment, interface name rules,
 * clone independence, and an atomic save that leaves no temporary file.
 */
#include "unit.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "flow.h"
#include "util.h"

static char dir[256];   /* A fresh directory per test. */

static int
make_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof dir, "%s/ls-test-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int
remove_dir(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	(void)state;
	while (d && (de = readdir(d))) {
		char path[600];

		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	return rmdir(dir);
}

static char *
path_in_dir(const char *name)
{
	static char path[600];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static void
write_file(const char *path, const char *text, size_t size)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

static char *
read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	assert_non_null(f);
	*size = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

static const uint8_t mac1[6] = { 0x02, 0x4c, 0x53, 0x00, 0x00, 0x01 };
static const uint8_t mac2[6] = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54 };

/* Two bridges, ports of each type, options, assigned numbers and requests. */
static void
sample_cfg(struct cfg *cfg)
{
	struct cfg_bridge *b;
	struct cfg_port *p;

	cfg_init(cfg);
	b = cfg_add_bridge(cfg, "br0", mac1);
	p = cfg_add_port(b, "veth0");
	p->ofport = 1;
	p = cfg_add_port(b, "lisp0");
	str_copy(p->type, "lisp", sizeof p->type);
	cfg_option_set(p, "remote_ip", "192.0.2.1");
	cfg_option_set(p, "key", "flow");
	cfg_option_set(p, "a \"quoted\" key", "value\nwith newline \xc3\xa9");
	p->ofport = 10;
	p->ofport_request = 10;
	p = cfg_add_port(b, "tap1");
	str_copy(p->type, "internal", sizeof p->type);
	p->ofport = 2;
	b->next_ofport = 3;
	cfg_flows_set(b, (const char *[]){ "priority=3,dl_dst=02:00:00:00:00:00 actions=output:1",
					   "priority=0 actions=NORMAL" }, 2);
	b = cfg_add_bridge(cfg, "br-empty", mac2);
	b->next_ofport = OFPP_MAX - 1;
}

/* Deep comparison, field by field. */
static void
assert_cfg_equal(const struct cfg *a, const struct cfg *b)
{
	assert_int_equal(a->n_bridges, b->n_bridges);
	for (size_t i = 0; i < a->n_bridges; i++) {
		const struct cfg_bridge *x = &a->bridges[i], *y = &b->bridges[i];

		assert_string_equal(x->name, y->name);
		assert_memory_equal(x->mac, y->mac, 6);
		assert_int_equal(x->next_ofport, y->next_ofport);
		assert_int_equal(x->n_ports, y->n_ports);
		assert_int_equal(x->n_flows, y->n_flows);
		for (size_t j = 0; j < x->n_flows; j++)
			assert_string_equal(x->flows[j], y->flows[j]);
		for (size_t j = 0; j < x->n_ports; j++) {
			const struct cfg_port *p = &x->ports[j], *q = &y->ports[j];

			assert_string_equal(p->name, q->name);
			assert_string_equal(p->type, q->type);
			assert_int_equal(p->ofport, q->ofport);
			assert_int_equal(p->ofport_request, q->ofport_request);
			assert_int_equal(p->n_options, q->n_options);
			for (size_t k = 0; k < p->n_options; k++) {
				assert_string_equal(p->options[k].key, q->options[k].key);
				assert_string_equal(p->options[k].value, q->options[k].value);
			}
		}
	}
}

/* The directory holds exactly 'name' (or nothing if NULL). */
static void
assert_dir_holds(const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (!name || strcmp(de->d_name, name))
			fail_msg("unexpected file \"%s\" in the config directory", de->d_name);
	}
	closedir(d);
	assert_int_equal(n, name ? 1 : 0);
}

static void
test_round_trip(void **state)
{
	char err[512] = "", *path = path_in_dir("conf.json");
	struct cfg a, b, c;

	(void)state;
	sample_cfg(&a);
	assert_int_equal(cfg_save(&a, path, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_dir_holds("conf.json");
	assert_int_equal(cfg_load(&b, path, err, sizeof err), 0);
	assert_cfg_equal(&a, &b);
	/* Options come back sorted by key, wherever they were set. */
	assert_string_equal(b.bridges[0].ports[1].options[0].key, "a \"quoted\" key");
	assert_string_equal(b.bridges[0].ports[1].options[2].key, "remote_ip");
	/* Saving what was loaded replaces the file, still without a leftover temporary. */
	assert_int_equal(cfg_save(&b, path, err, sizeof err), 0);
	assert_dir_holds("conf.json");
	assert_int_equal(cfg_load(&c, path, err, sizeof err), 0);
	assert_cfg_equal(&a, &c);
	cfg_free(&a);
	cfg_free(&b);
	cfg_free(&c);
}

/* The file's text is stable: compared with the golden file byte for byte. */
static void
test_golden(void **state)
{
	char err[512], *path = path_in_dir("conf.json"), *got, *want;
	size_t got_size, want_size;
	struct cfg a, b;

	(void)state;
	sample_cfg(&a);
	assert_int_equal(cfg_save(&a, path, err, sizeof err), 0);
	got = read_file(path, &got_size);
	want = read_file(UNIT_GOLDEN_DIR "/config.json", &want_size);
	assert_string_equal(got, want);
	/* And the golden file loads into the same configuration. */
	assert_int_equal(cfg_load(&b, UNIT_GOLDEN_DIR "/config.json", err, sizeof err), 0);
	assert_cfg_equal(&a, &b);
	free(got);
	free(want);
	cfg_free(&a);
	cfg_free(&b);
}

static void
test_empty_config_round_trip(void **state)
{
	char err[512], *path = path_in_dir("conf.json");
	struct cfg a, b;

	(void)state;
	cfg_init(&a);
	assert_int_equal(cfg_save(&a, path, err, sizeof err), 0);
	memset(&b, 0xa5, sizeof b);
	assert_int_equal(cfg_load(&b, path, err, sizeof err), 0);
	assert_int_equal(b.n_bridges, 0);
	cfg_free(&b);
}

static void
test_missing_file_is_empty(void **state)
{
	char err[512] = "untouched";
	struct cfg cfg;

	(void)state;
	memset(&cfg, 0xa5, sizeof cfg);
	assert_int_equal(cfg_load(&cfg, path_in_dir("none.json"), err, sizeof err), 0);
	assert_int_equal(cfg.n_bridges, 0);
	assert_null(cfg.bridges);
	assert_string_equal(err, "untouched");
	cfg_free(&cfg);
}

/* Loads 'text' as a file and expects failure with a message "PATH: ..." containing 'want'. */
static void
expect_load_error(const char *text, size_t size, const char *want)
{
	char err[512] = "", *path = path_in_dir("bad.json"), prefix[PATH_MAX + 8];
	struct cfg cfg;

	write_file(path, text, size);
	memset(&cfg, 0xa5, sizeof cfg);
	if (cfg_load(&cfg, path, err, sizeof err) != -1)
		fail_msg("loaded without error: %.*s", (int)size, text);
	snprintf(prefix, sizeof prefix, "%s: ", path);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, want))
		fail_msg("for %.*s\nmessage \"%s\"\nwanted \"%s...%s...\"", (int)size, text, err,
			 prefix, want);
	/* A failed load leaves an empty, freeable configuration. */
	assert_int_equal(cfg.n_bridges, 0);
	assert_null(cfg.bridges);
	cfg_free(&cfg);
}

/* Every proper prefix of a saved file (a write cut short) fails to load, naming the file. */
static void
test_truncated_file(void **state)
{
	char err[512], *path = path_in_dir("conf.json"), *text;
	size_t size;
	struct cfg cfg;

	(void)state;
	sample_cfg(&cfg);
	assert_int_equal(cfg_save(&cfg, path, err, sizeof err), 0);
	cfg_free(&cfg);
	text = read_file(path, &size);
	while (size && (text[size - 1] == '\n' || text[size - 1] == ' '))
		size--;
	assert_true(size > 100);
	expect_load_error(text, 0, ": line ");
	for (size_t cut = 1; cut < size; cut++)
		expect_load_error(text, cut, ": line ");
	free(text);
}

#define BR(mac, next, ports) \
	"{\"name\":\"br0\",\"mac\":\"" mac "\",\"next_ofport\":" next ",\"ports\":" ports "}"
#define PORT(name, ofport, req, opts) \
	"{\"name\":\"" name "\",\"type\":\"\",\"ofport\":" ofport ",\"ofport_request\":" req \
	",\"options\":" opts "}"
#define FILE_V1(bridges) "{\"version\":1,\"bridges\":[" bridges "]}"
#define GOOD_BR BR("02:00:00:00:00:01", "1", "[" PORT("p0", "1", "0", "{}") "]")

static const struct {
	const char *name;
	const char *text;
	const char *message;       /* Must appear in the error after "PATH: ". */
} corrupt[] = {
	{ "empty file", "", "line 1" },
	{ "not JSON", "hello", "line 1" },
	{ "bad JSON on line 3", "{\n\"version\": 1,\n\"bridges\": [}\n", "line 3" },
	{ "trailing garbage", FILE_V1("") " x", "line 1" },
	{ "duplicate top-level key", "{\"version\":1,\"version\":1,\"bridges\":[]}",
	  "duplicate object key" },
	{ "duplicate key in a port", FILE_V1(BR("02:00:00:00:00:01", "1", "[{\"name\":\"p0\","
		"\"name\":\"p1\",\"type\":\"\",\"ofport\":1,\"ofport_request\":0,"
		"\"options\":{}}]")),
	  "duplicate object key" },
	{ "duplicate option key", FILE_V1(BR("02:00:00:00:00:01", "2",
		"[" PORT("p0", "1", "0", "{\"k\":\"a\",\"k\":\"b\"}") "]")),
	  "duplicate object key" },
	{ "top level is an array", "[]", "not a lispswitch version 1 configuration" },
	{ "version 2", "{\"version\":2,\"bridges\":[]}",
	  "not a lispswitch version 1 configuration" },
	{ "version 0", "{\"version\":0,\"bridges\":[]}",
	  "not a lispswitch version 1 configuration" },
	{ "version as a string", "{\"version\":\"1\",\"bridges\":[]}",
	  "not a lispswitch version 1 configuration" },
	{ "no version", "{\"bridges\":[]}", "not a lispswitch version 1 configuration" },
	{ "no bridges", "{\"version\":1}", "not a lispswitch version 1 configuration" },
	{ "bridges an object", "{\"version\":1,\"bridges\":{}}",
	  "not a lispswitch version 1 configuration" },
	{ "bridge not an object", FILE_V1("5"), "bridge #1 is malformed" },
	{ "second bridge bad", FILE_V1(GOOD_BR ",{}"), "bridge #2 is malformed" },
	{ "MAC with 5 bytes", FILE_V1(BR("02:00:00:00:00", "1", "[]")), "bridge #1 is malformed" },
	{ "MAC not hex", FILE_V1(BR("zz:00:00:00:00:01", "1", "[]")), "bridge #1 is malformed" },
	{ "MAC with dashes", FILE_V1(BR("02-00-00-00-00-01", "1", "[]")),
	  "bridge #1 is malformed" },
	{ "MAC empty", FILE_V1(BR("", "1", "[]")), "bridge #1 is malformed" },
	{ "MAC a number", FILE_V1("{\"name\":\"br0\",\"mac\":5,\"next_ofport\":1,\"ports\":[]}"),
	  "bridge #1 is malformed" },
	{ "bridge name invalid", FILE_V1("{\"name\":\"br/0\",\"mac\":\"02:00:00:00:00:01\","
		"\"next_ofport\":1,\"ports\":[]}"), "bridge #1 is malformed" },
	{ "bridge name too long", FILE_V1("{\"name\":\"abcdefghijklmnop\","
		"\"mac\":\"02:00:00:00:00:01\",\"next_ofport\":1,\"ports\":[]}"),
	  "bridge #1 is malformed" },
	{ "next_ofport 0", FILE_V1(BR("02:00:00:00:00:01", "0", "[]")), "bridge #1 is malformed" },
	{ "next_ofport OFPP_MAX", FILE_V1(BR("02:00:00:00:00:01", "65280", "[]")),
	  "bridge #1 is malformed" },
	{ "ports not an array", FILE_V1(BR("02:00:00:00:00:01", "1", "{}")),
	  "bridge #1 is malformed" },
	{ "ofport -1", FILE_V1(BR("02:00:00:00:00:01", "1", "[" PORT("p0", "-1", "0", "{}") "]")),
	  "bridge #1 is malformed" },
	{ "ofport OFPP_MAX", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "65280", "0", "{}") "]")), "bridge #1 is malformed" },
	{ "ofport LOCAL", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "65534", "0", "{}") "]")), "bridge #1 is malformed" },
	{ "ofport 2^32+1", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "4294967297", "0", "{}") "]")), "bridge #1 is malformed" },
	{ "ofport a string", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "\"1\"", "0", "{}") "]")), "bridge #1 is malformed" },
	{ "ofport a float", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "1.5", "0", "{}") "]")), "bridge #1 is malformed" },
	{ "ofport_request -5", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "1", "-5", "{}") "]")), "bridge #1 is malformed" },
	{ "ofport_request 70000", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "1", "70000", "{}") "]")), "bridge #1 is malformed" },
	{ "port name with a colon", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p:0", "1", "0", "{}") "]")), "bridge #1 is malformed" },
	{ "port name empty", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("", "1", "0", "{}") "]")), "bridge #1 is malformed" },
	{ "port type too long", FILE_V1(BR("02:00:00:00:00:01", "1", "[{\"name\":\"p0\","
		"\"type\":\"0123456789abcdef\",\"ofport\":1,\"ofport_request\":0,"
		"\"options\":{}}]")),
	  "bridge #1 is malformed" },
	{ "port without options", FILE_V1(BR("02:00:00:00:00:01", "1", "[{\"name\":\"p0\","
		"\"type\":\"\",\"ofport\":1,\"ofport_request\":0}]")), "bridge #1 is malformed" },
	{ "options an array", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "1", "0", "[]") "]")), "bridge #1 is malformed" },
	{ "option value a number", FILE_V1(BR("02:00:00:00:00:01", "1",
		"[" PORT("p0", "1", "0", "{\"key\":5}") "]")), "bridge #1 is malformed" },
	{ "port not an object", FILE_V1(BR("02:00:00:00:00:01", "1", "[\"p0\"]")),
	  "bridge #1 is malformed" },
};

static void
test_corrupt_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof corrupt / sizeof corrupt[0]; i++) {
		print_message("%s\n", corrupt[i].name);
		expect_load_error(corrupt[i].text, strlen(corrupt[i].text), corrupt[i].message);
	}
}

/* The hand-written valid file the corrupt ones are variations of does load. */
static void
test_hand_written_file_loads(void **state)
{
	static const char text[] = FILE_V1(GOOD_BR);
	char err[512], *path = path_in_dir("good.json");
	struct cfg cfg;

	(void)state;
	write_file(path, text, strlen(text));
	assert_int_equal(cfg_load(&cfg, path, err, sizeof err), 0);
	assert_int_equal(cfg.n_bridges, 1);
	assert_string_equal(cfg.bridges[0].name, "br0");
	assert_memory_equal(cfg.bridges[0].mac, "\x02\x00\x00\x00\x00\x01", 6);
	assert_int_equal(cfg.bridges[0].n_ports, 1);
	assert_string_equal(cfg.bridges[0].ports[0].name, "p0");
	assert_int_equal(cfg.bridges[0].ports[0].ofport, 1);
	cfg_free(&cfg);
}

static void
test_save_errors(void **state)
{
	char err[512] = "", path[700];
	struct cfg cfg;

	(void)state;
	sample_cfg(&cfg);
	snprintf(path, sizeof path, "%s/no-such-dir/conf.json", dir);
	assert_int_equal(cfg_save(&cfg, path, err, sizeof err), -1);
	assert_true(!strncmp(err, path, strlen(path)));
	assert_non_null(strstr(err, ": cannot write: "));
	/* The target is a directory: the rename fails and the temporary file is removed. */
	assert_int_equal(mkdir(path_in_dir("conf.json"), 0700), 0);
	snprintf(path, sizeof path, "%s/conf.json", dir);
	err[0] = '\0';
	assert_int_equal(cfg_save(&cfg, path, err, sizeof err), -1);
	assert_non_null(strstr(err, ": cannot write: "));
	assert_int_equal(rmdir(path), 0);
	assert_dir_holds(NULL);
	cfg_free(&cfg);
}

/* --- OpenFlow port numbers. --- */

static struct cfg_port *
add(struct cfg_bridge *b, const char *name, uint32_t request)
{
	struct cfg_port *p = cfg_add_port(b, name);

	p->ofport_request = request;
	return p;
}

static uint32_t
ofport_of(const struct cfg_bridge *b, const char *name)
{
	for (size_t i = 0; i < b->n_ports; i++)
		if (!strcmp(b->ports[i].name, name))
			return b->ports[i].ofport;
	fail_msg("no port %s", name);
	return 0;
}

static void
test_ofports_in_order(void **state)
{
	char err[256] = "";
	const struct cfg_port *bad = NULL;
	struct cfg cfg;
	struct cfg_bridge *b;

	(void)state;
	cfg_init(&cfg);
	b = cfg_add_bridge(&cfg, "br0", mac1);
	assert_int_equal(b->next_ofport, 1);
	add(b, "a", 0);
	add(b, "b", 0);
	add(b, "c", 0);
	assert_true(cfg_assign_ofports(b, &bad, err, sizeof err));
	assert_int_equal(ofport_of(b, "a"), 1);
	assert_int_equal(ofport_of(b, "b"), 2);
	assert_int_equal(ofport_of(b, "c"), 3);
	assert_int_equal(b->next_ofport, 4);
	/* Assigning again changes nothing. */
	assert_true(cfg_assign_ofports(b, &bad, err, sizeof err));
	assert_int_equal(ofport_of(b, "c"), 3);
	assert_int_equal(b->next_ofport, 4);
	/* Numbers are not reused at once: a port added after "b" is deleted gets 4, not 2. */
	cfg_del_port(b, &b->ports[1]);
	add(b, "d", 0);
	assert_true(cfg_assign_ofports(b, &bad, err, sizeof err));
	assert_int_equal(ofport_of(b, "d"), 4);
	assert_int_equal(ofport_of(b, "a"), 1);
	assert_int_equal(ofport_of(b, "c"), 3);
	assert_string_equal(err, "");
	cfg_free(&cfg);
}

static void
test_ofports_requests(void **state)
{
	char err[256] = "";
	const struct cfg_port *bad = NULL;
	struct cfg cfg;
	struct cfg_bridge *b;

	(void)state;
	cfg_init(&cfg);
	b = cfg_add_bridge(&cfg, "br0", mac1);
	add(b, "a", 0);
	add(b, "b", 2);       /* Requested: taken before "a" is numbered... */
	add(b, "c", 0);
	add(b, "d", 100);
	assert_true(cfg_assign_ofports(b, &bad, err, sizeof err));
	assert_int_equal(ofport_of(b, "b"), 2);
	assert_int_equal(ofport_of(b, "d"), 100);
	assert_int_equal(ofport_of(b, "a"), 1);
	assert_int_equal(ofport_of(b, "c"), 3);   /* ...so the free search skips 2. */
	assert_int_equal(b->next_ofport, 4);

	/* A new request moves an existing port to it. */
	b->ports[0].ofport_request = 50;
	assert_true(cfg_assign_ofports(b, &bad, err, sizeof err));
	assert_int_equal(ofport_of(b, "a"), 50);

	/* A request for a number another port holds is refused, with the number. */
	add(b, "e", 3);
	assert_false(cfg_assign_ofports(b, &bad, err, sizeof err));
	assert_string_equal(err, "ofport_request 3 is in use by port c");
	assert_string_equal(bad->name, "e");
	cfg_free(&cfg);

	/* Two new ports asking for the same number: the second is refused. */
	cfg_init(&cfg);
	b = cfg_add_bridge(&cfg, "br0", mac1);
	add(b, "x", 7);
	add(b, "y", 7);
	assert_false(cfg_assign_ofports(b, &bad, err, sizeof err));
	assert_string_equal(err, "ofport_request 7 is in use by port x");
	assert_string_equal(bad->name, "y");
	cfg_free(&cfg);
}

/* The search wraps from the top of the range to 1 and skips numbers in use. */
static void
test_ofports_wrap(void **state)
{
	char err[256];
	const struct cfg_port *bad = NULL;
	struct cfg cfg;
	struct cfg_bridge *b;

	(void)state;
	cfg_init(&cfg);
	b = cfg_add_bridge(&cfg, "br0", mac1);
	add(b, "one", 1);
	assert_true(cfg_assign_ofports(b, &bad, err, sizeof err));
	b->next_ofport = OFPP_MAX - 1;
	add(b, "top", 0);
	add(b, "wrapped", 0);
	assert_true(cfg_assign_ofports(b, &bad, err, sizeof err));
	assert_int_equal(ofport_of(b, "top"), OFPP_MAX - 1);
	assert_int_equal(ofport_of(b, "wrapped"), 2);
	assert_int_equal(b->next_ofport, 3);
	/* Every number given is a valid port number. */
	for (size_t i = 0; i < b->n_ports; i++) {
		assert_true(b->ports[i].ofport >= 1);
		assert_true(b->ports[i].ofport < OFPP_MAX);
	}
	cfg_free(&cfg);
}

static void
test_valid_ifname(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} v[] = {
		{ "br0", true },
		{ "a", true },
		{ "eth0.100", true },
		{ "veth-x_1@", true },
		{ "...", true },
		{ "abcdefghijklmno", true },     /* 15 bytes: the longest. */
		{ "abcdefghijklmnop", false },   /* 16 bytes. */
		{ "", false },
		{ ".", false },
		{ "..", false },
		{ "a/b", false },
		{ "/", false },
		{ "a:b", false },
		{ "a b", false },
		{ " a", false },
		{ "a\t", false },
		{ "a\nb", false },
		{ "\x01" "a", false },
		{ "a\x7f", false },
		{ "caf\xc3\xa9", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		print_message("\"%s\"\n", v[i].name);
		assert_int_equal(cfg_valid_ifname(v[i].name), v[i].ok);
	}
}

/* Editing a clone leaves the original alone (and freeing both frees nothing twice). */
static void
test_clone_independent(void **state)
{
	struct cfg a, b, ref;
	struct cfg_port *p;

	(void)state;
	sample_cfg(&a);
	sample_cfg(&ref);
	cfg_clone(&b, &a);
	assert_cfg_equal(&a, &b);
	p = cfg_find_port(&b, "lisp0", NULL);
	assert_non_null(p);
	cfg_option_set(p, "remote_ip", "198.51.100.7");
	cfg_option_set(p, "new", "x");
	cfg_option_clear(&b.bridges[0].ports[0]);
	strcpy(b.bridges[0].ports[2].name, "renamed");
	b.bridges[0].mac[0] = 0xaa;
	cfg_add_port(&b.bridges[1], "p9");
	cfg_del_port(&b.bridges[0], &b.bridges[0].ports[0]);
	cfg_add_bridge(&b, "br2", mac1);
	cfg_del_bridge(&b, &b.bridges[0]);
	assert_cfg_equal(&a, &ref);
	assert_string_equal(cfg_option_get(cfg_find_port(&a, "lisp0", NULL), "remote_ip"),
			    "192.0.2.1");
	cfg_free(&b);
	assert_cfg_equal(&a, &ref);
	cfg_free(&a);
	cfg_free(&ref);
}

static void
test_find_add_delete(void **state)
{
	struct cfg cfg;
	struct cfg_bridge *b = NULL;
	struct cfg_port *p;

	(void)state;
	sample_cfg(&cfg);
	assert_ptr_equal(cfg_find_bridge(&cfg, "br-empty"), &cfg.bridges[1]);
	assert_null(cfg_find_bridge(&cfg, "br"));
	p = cfg_find_port(&cfg, "tap1", &b);
	assert_ptr_equal(b, &cfg.bridges[0]);
	assert_ptr_equal(p, &cfg.bridges[0].ports[2]);
	assert_null(cfg_find_port(&cfg, "br0", NULL));   /* The internal port is implicit. */
	/* Deleting from the middle keeps the order of the rest. */
	cfg_del_port(&cfg.bridges[0], &cfg.bridges[0].ports[1]);
	assert_int_equal(cfg.bridges[0].n_ports, 2);
	assert_string_equal(cfg.bridges[0].ports[0].name, "veth0");
	assert_string_equal(cfg.bridges[0].ports[1].name, "tap1");
	cfg_add_bridge(&cfg, "br3", mac2);
	cfg_del_bridge(&cfg, &cfg.bridges[1]);
	assert_int_equal(cfg.n_bridges, 2);
	assert_string_equal(cfg.bridges[0].name, "br0");
	assert_string_equal(cfg.bridges[1].name, "br3");
	assert_int_equal(cfg.bridges[1].next_ofport, 1);
	cfg_free(&cfg);
	assert_int_equal(cfg.n_bridges, 0);
}

static void
test_options(void **state)
{
	static const char *const keys[] = { "m", "b", "z", "a", "b", "y" };
	struct cfg_port p = { .name = "p" };

	(void)state;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		cfg_option_set(&p, keys[i], keys[i]);
	assert_int_equal(p.n_options, 5);
	for (size_t i = 0; i + 1 < p.n_options; i++)
		assert_true(strcmp(p.options[i].key, p.options[i + 1].key) < 0);
	cfg_option_set(&p, "b", "second");
	assert_string_equal(cfg_option_get(&p, "b"), "second");
	assert_int_equal(p.n_options, 5);
	assert_null(cfg_option_get(&p, "c"));
	assert_null(cfg_option_get(&p, ""));
	cfg_option_clear(&p);
	assert_int_equal(p.n_options, 0);
	assert_null(cfg_option_get(&p, "b"));
}

/* --- Corrupt files that once loaded. --- */

struct corrupt_vec {
	const char *name;
	const char *text;
	const char *message;
};

/* A MAC followed by anything, or with signed bytes, is refused. */
static const struct corrupt_vec bad_macs_accepted[] = {
	{ "MAC with a seventh byte", FILE_V1(BR("02:00:00:00:00:01:ff", "1", "[]")),
	  "bridge #1 is malformed" },
	{ "MAC with trailing text", FILE_V1(BR("02:00:00:00:00:01xyz", "1", "[]")),
	  "bridge #1 is malformed" },
	{ "MAC with a negative byte", FILE_V1(BR("-1:00:00:00:00:01", "1", "[]")),
	  "bridge #1 is malformed" },
};

/* Names and port numbers in the file must be unique. */
static const struct corrupt_vec duplicates_accepted[] = {
	{ "two bridges with one name", FILE_V1(GOOD_BR "," GOOD_BR), "bridge #2 is malformed" },
	{ "two ports with one number", FILE_V1(BR("02:00:00:00:00:01", "3",
		"[" PORT("p0", "1", "0", "{}") "," PORT("p1", "1", "0", "{}") "]")),
	  "bridge #1 is malformed" },
	{ "two ports with one name", FILE_V1(BR("02:00:00:00:00:01", "3",
		"[" PORT("p0", "1", "0", "{}") "," PORT("p0", "2", "0", "{}") "]")),
	  "bridge #1 is malformed" },
};

/* Each file must fail to load with its message; reports every one that does not. */
static void
expect_all_rejected(const struct corrupt_vec *v, size_t n)
{
	int loaded = 0;

	for (size_t i = 0; i < n; i++) {
		char err[512], *path = path_in_dir("bad.json");
		struct cfg cfg;

		write_file(path, v[i].text, strlen(v[i].text));
		if (cfg_load(&cfg, path, err, sizeof err) == 0) {
			print_error("loaded without error: %s\n", v[i].name);
			loaded++;
			cfg_free(&cfg);
		} else {
			expect_load_error(v[i].text, strlen(v[i].text), v[i].message);
		}
	}
	assert_int_equal(loaded, 0);
}

static void
test_mac_trailing_garbage(void **state)
{
	(void)state;
	expect_all_rejected(bad_macs_accepted,
			    sizeof bad_macs_accepted / sizeof bad_macs_accepted[0]);
}

static void
test_duplicates_accepted(void **state)
{
	(void)state;
	expect_all_rejected(duplicates_accepted,
			    sizeof duplicates_accepted / sizeof duplicates_accepted[0]);
}

/*
 * A file that cannot be opened (here ENOTDIR: a path component is a file) is reported with
 * the path once and the reason, not as jansson's "line -1: unable to open PATH".
 */
static void
test_open_error_message(void **state)
{
	char err[512] = "", path[700];
	struct cfg cfg;

	(void)state;
	write_file(path_in_dir("file"), "x", 1);
	snprintf(path, sizeof path, "%s/file/conf.json", dir);
	assert_int_equal(cfg_load(&cfg, path, err, sizeof err), -1);
	print_message("%s\n", err);
	assert_true(!strncmp(err, path, strlen(path)));
	assert_null(strstr(err, "line -1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_golden, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_empty_config_round_trip, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_missing_file_is_empty, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_truncated_file, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_corrupt_files, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_hand_written_file_loads, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_save_errors, make_dir, remove_dir),
		cmocka_unit_test(test_ofports_in_order),
		cmocka_unit_test(test_ofports_requests),
		cmocka_unit_test(test_ofports_wrap),
		cmocka_unit_test(test_valid_ifname),
		cmocka_unit_test(test_clone_independent),
		cmocka_unit_test(test_find_add_delete),
		cmocka_unit_test(test_options),
		cmocka_unit_test_setup_teardown(test_mac_trailing_garbage, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(test_duplicates_accepted, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_open_error_message, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * lispctl's argument checks, which live in its main(): the built program (path in $LISPCTL,
 * set by meson) is run with a table of bad command lines that must fail before it contacts a
 * daemon, each with its one line on stderr and exit status 1, plus the one failure to connect.
 * LISPSWITCH_RUNDIR points at a directory that does not exist, so a command line that wrongly
 * passed the checks would show up as a "cannot connect" message instead of the expected one.
 */
#include "unit.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#define NO_RUNDIR "/nonexistent/lispswitch-unit-test"

extern char **environ;

struct run {
	int status;            /* Exit status, or -1 if killed by a signal. */
	char out[8192], err[8192];
};

/* Reads everything from 'fd' into 'buf' (NUL-terminated). */
static void
slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

/* Runs lispctl with 'argv' (NULL-terminated, without argv[0]). */
static void
run_lispctl(const char *const *args, struct run *r)
{
	const char *prog = getenv("LISPCTL");
	char *argv[256], *envp[] = { "LISPSWITCH_RUNDIR=" NO_RUNDIR, "PATH=/usr/bin:/bin", NULL };
	posix_spawn_file_actions_t fa;
	int out[2], err[2], status;
	size_t n = 0;
	pid_t pid;

	assert_non_null(prog);
	argv[n++] = (char *)"lispctl";
	for (; args[n - 1]; n++) {
		assert_true(n < 255);
		argv[n] = (char *)args[n - 1];
	}
	argv[n] = NULL;
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	assert_int_equal(posix_spawn(&pid, prog, &fa, NULL, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(err[1]);
	/* Outputs are small (usage is the largest): read one, then the other. */
	slurp(out[0], r->out, sizeof r->out);
	slurp(err[0], r->err, sizeof r->err);
	close(out[0]);
	close(err[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ARGS ((const char *const[]){ NULL })

static const struct {
	const char *name;
	const char *const *args;
	const char *stderr_line;   /* Without "lispctl: " and the newline. */
} bad_lines[] = {
	{ "no command", NO_ARGS, "missing command (try --help)" },
	{ "only options", ARGS("--may-exist", "--format=json"), "missing command (try --help)" },
	{ "only a separator", ARGS("--"), "missing command (try --help)" },
	{ "empty command after --", ARGS("list-br", "--", "--", "show"),
	  "missing command (try --help)" },
	{ "unknown verb", ARGS("frobnicate"), "frobnicate: unknown command (try --help)" },
	{ "verb in capitals", ARGS("ADD-BR", "br0"), "ADD-BR: unknown command (try --help)" },
	{ "unknown verb after --", ARGS("list-br", "--", "add-bridge", "br0"),
	  "add-bridge: unknown command (try --help)" },
	{ "unknown option", ARGS("--bogus", "list-br"), "--bogus: unknown option" },
	{ "--format=xml", ARGS("--format=xml", "list-br"),
	  "--format: unknown format \"xml\" (text or json)" },
	{ "--format= empty", ARGS("show", "--format="),
	  "--format: unknown format \"\" (text or json)" },
	{ "--rundir without a value", ARGS("list-br", "--rundir"), "--rundir: missing directory" },
	{ "add-br without a name", ARGS("add-br"),
	  "add-br: missing argument (usage: add-br BRIDGE)" },
	{ "add-br with two names", ARGS("add-br", "br0", "br1"),
	  "add-br: too many arguments (usage: add-br BRIDGE)" },
	{ "del-br without a name", ARGS("del-br"),
	  "del-br: missing argument (usage: del-br BRIDGE)" },
	{ "list-br with an argument", ARGS("list-br", "br0"),
	  "list-br: too many arguments (usage: list-br )" },
	{ "add-port with one argument", ARGS("add-port", "br0"),
	  "add-port: missing argument (usage: add-port BRIDGE PORT [COLUMN[:KEY]=VALUE]...)" },
	{ "del-port with three", ARGS("del-port", "br0", "p0", "p1"),
	  "del-port: too many arguments (usage: del-port [BRIDGE] PORT)" },
	{ "set with two", ARGS("set", "Interface", "p0"),
	  "set: missing argument (usage: set Interface PORT COLUMN[:KEY]=VALUE...)" },
	{ "fdb/show without a bridge", ARGS("fdb/show"),
	  "fdb-show: missing argument (usage: fdb-show BRIDGE)" },
	{ "vlog/set with one", ARGS("vlog/set", "any"),
	  "vlog/set: missing argument (usage: vlog/set CATEGORY|any LEVEL)" },
	{ "second command missing its argument", ARGS("add-br", "br0", "--", "add-port", "br0"),
	  "add-port: missing argument (usage: add-port BRIDGE PORT [COLUMN[:KEY]=VALUE]...)" },
	{ "good command after a bad one", ARGS("del-br", "--", "list-br"),
	  "del-br: missing argument (usage: del-br BRIDGE)" },
};

static void
test_bad_command_lines(void **state)
{
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		struct run r;
		char want[600];

		run_lispctl(bad_lines[i].args, &r);
		snprintf(want, sizeof want, "lispctl: %s\n", bad_lines[i].stderr_line);
		if (r.status != 1 || strcmp(r.err, want) || r.out[0]) {
			print_error("%s:\n  status %d (want 1)\n  stderr \"%s\"\n  want   \"%s\"\n"
				    "  stdout \"%s\"\n", bad_lines[i].name, r.status, r.err, want,
				    r.out);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* 65 commands chained with "--": one more than a line may hold. */
static void
test_too_many_commands(void **state)
{
	const char *args[140];
	size_t n = 0;
	struct run r;

	(void)state;
	for (int i = 0; i < 65; i++) {
		if (i)
			args[n++] = "--";
		args[n++] = "list-br";
	}
	args[n] = NULL;
	run_lispctl(args, &r);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "lispctl: too many commands in one line (at most 64)\n");
	/* 64 pass the checks and fail only at connecting. */
	args[n - 2] = NULL;
	run_lispctl(args, &r);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "cannot connect"));
}

/* A well-formed command with no daemon: the connect error, naming the socket, exit 1. */
static void
test_no_daemon(void **state)
{
	struct run r;

	(void)state;
	run_lispctl(ARGS("--rundir=/nonexistent/other-dir", "list-br"), &r);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "lispctl: list-br: cannot connect to lispswitchd at "
			    "/nonexistent/other-dir/lispswitchd.ctl: No such file or directory "
			    "(is it running?)\n");
	assert_string_equal(r.out, "");
	/* Without --rundir, LISPSWITCH_RUNDIR selects the daemon. */
	run_lispctl(ARGS("add-br", "br0", "--", "add-port", "br0", "p0"), &r);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "lispctl: add-br: cannot connect to lispswitchd at "
			    NO_RUNDIR "/lispswitchd.ctl: No such file or directory "
			    "(is it running?)\n");
	/* "--rundir DIR" as two words, after the verb. */
	run_lispctl(ARGS("show", "--rundir", "/nonexistent/x"), &r);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "lispctl: show: cannot connect to lispswitchd at "
			    "/nonexistent/x/lispswitchd.ctl: No such file or directory "
			    "(is it running?)\n");
}

/* The successful local answers, as controls that the program runs at all. */
static void
test_help_and_version(void **state)
{
	struct run r;

	(void)state;
	run_lispctl(ARGS("--version"), &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "lispctl " LS_VERSION "\n");
	assert_string_equal(r.err, "");
	run_lispctl(ARGS("--help"), &r);
	assert_int_equal(r.status, 0);
	assert_true(!strncmp(r.out, "usage: lispctl ", 15));
	assert_non_null(strstr(r.out, "  fdb-show "));
	assert_string_equal(r.err, "");
	run_lispctl(ARGS("add-port", "--help"), &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "usage: lispctl add-port BRIDGE PORT [COLUMN[:KEY]=VALUE]...\n"
			    "  attach interface PORT to BRIDGE\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_command_lines),
		cmocka_unit_test(test_too_many_commands),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_help_and_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

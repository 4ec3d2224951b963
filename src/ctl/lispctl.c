/*
 * lispctl: the one command-line tool, with the verbs and grammar of ovs-vsctl, ovs-ofctl and
 * ovs-appctl. A command line is one or more commands separated by "--"; they are sent to
 * lispswitchd as one transaction and succeed or fail together. On failure lispctl prints one
 * line, "lispctl: VERB OBJECT: reason", and exits 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl-capture.h"
#include "ctl-proto.h"
#include "flow-text.h"
#include "format.h"
#include <pcap/pcap.h>
#include "strbuf.h"
#include "util.h"

#define MAX_CMDS 64

enum { EXIT_FAIL = 1, EXIT_NO = 2 }; /* EXIT_NO: a br-exists that answers no. */

struct ctl_cmd {
	enum ctl_verb verb;
	char **args;
	size_t n_args;
	bool may_exist, if_exists, strict, help;
	char **lines;        /* CTL_FILE verbs: the file's lines, sent as arguments. */
	size_t n_lines;
};

struct ctl_opts {
	const char *rundir;
	const char *packet;  /* ofproto/trace: a packet in hex (--packet, or read by --pcap). */
	char *packet_buf;    /* What --pcap read, to free. */
	bool json;
	bool no_stats;       /* dump-flows without counters. */
	struct ctl_cmd cmds[MAX_CMDS];
	size_t n_cmds;
};

static void __attribute__((noreturn)) PRINTF_FMT(1, 2)
die(const char *fmt, ...)
{
	va_list ap;

	fputs("lispctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAIL);
}

static void
usage(void)
{
	printf("usage: lispctl [--rundir=DIR] [--format=text|json] COMMAND [ARG...] [-- COMMAND ...]\n\n"
	       "Commands:\n");
	for (int i = 0; i < CTL_N_VERBS; i++)
		printf("  %-13s %-46s %s\n", ctl_verbs[i].name, ctl_verbs[i].usage, ctl_verbs[i].help);
	printf("\nCommand options (before the command): --may-exist, --if-exists, --strict\n"
	       "dump-flows: --no-stats prints flows without counters\n"
	       "ofproto/trace: --packet=HEX or --pcap=FILE traces that packet (its key from the\n"
	       "  packet, in_port and tunnel fields from FLOW)\n"
	       "capture: -w FILE writes pcap (- for stdout), -c N stops after N packets,\n"
	       "  --seconds S after S seconds, --outer shows a lisp port's encapsulated packets\n"
	       "Other options: --list-verbs, --version, VERB --help\n"
	       "Environment: LISPSWITCH_RUNDIR selects the daemon (default %s)\n",
	       LS_DEFAULT_RUNDIR);
}

/* The value of "--opt=VALUE" or "--opt VALUE" (advancing '*i' past it). */
static const char *
option_value(char **argv, int *i, const char *name)
{
	const char *eq = strchr(argv[*i], '=');

	if (eq)
		return eq + 1;
	if (!argv[*i + 1])
		die("%s: missing value", name);
	return argv[++*i];
}

/* The first packet of pcap file 'path', in hex, for ofproto/trace. */
static char *
pcap_first_packet(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(path, errbuf);
	char *hex;

	if (!p)
		die("--pcap %s: %s", path, errbuf);
	if (pcap_next_ex(p, &h, &data) != 1)
		die("--pcap %s: no packet in the file", path);
	hex = xmalloc(2 * (size_t)h->caplen + 1);
	hex_encode(data, h->caplen, hex);
	pcap_close(p);
	return hex;
}

/* Global options may appear anywhere before a "--"; returns true if 'arg' was one. */
static bool
global_option(struct ctl_opts *o, char **argv, int *i)
{
	const char *arg = argv[*i];

	if (!strncmp(arg, "--rundir=", 9)) {
		o->rundir = arg + 9;
	} else if (!strcmp(arg, "--rundir")) {
		if (!argv[*i + 1])
			die("--rundir: missing directory");
		o->rundir = argv[++*i];
	} else if (!strcmp(arg, "--format=json") || !strcmp(arg, "-f=json")) {
		o->json = true;
	} else if (!strcmp(arg, "--format=text")) {
		o->json = false;
	} else if (!strncmp(arg, "--format=", 9)) {
		die("--format: unknown format \"%s\" (text or json)", arg + 9);
	} else if (!strncmp(arg, "--packet=", 9) || !strcmp(arg, "--packet")) {
		o->packet = option_value(argv, i, "--packet");
	} else if (!strncmp(arg, "--pcap=", 7) || !strcmp(arg, "--pcap")) {
		free(o->packet_buf);
		o->packet = o->packet_buf = pcap_first_packet(option_value(argv, i, "--pcap"));
	} else if (!strcmp(arg, "--no-stats")) {
		o->no_stats = true;
	} else if (!strcmp(arg, "--list-verbs")) {
		/* For shell completion: every verb and its arguments, one per line. */
		for (int v = 0; v < CTL_N_VERBS; v++)
			printf("%s\t%s\n", ctl_verbs[v].name, ctl_verbs[v].usage);
		exit(0);
	} else if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
		printf("lispctl %s\n", LS_VERSION);
		exit(0);
	} else {
		return false;
	}
	return true;
}

/* Fills one command from 'argv' up to the next "--" or the end. Returns the index after it. */
static int
parse_cmd(struct ctl_opts *o, int argc, char **argv, int i)
{
	struct ctl_cmd *c;
	int v;

	if (o->n_cmds == MAX_CMDS)
		die("too many commands in one line (at most %d)", MAX_CMDS);
	c = &o->cmds[o->n_cmds++];
	c->args = xcalloc((size_t)argc, sizeof *c->args);
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (global_option(o, argv, &i))
			continue;
		if (!strcmp(argv[i], "--may-exist"))
			c->may_exist = true;
		else if (!strcmp(argv[i], "--if-exists"))
			c->if_exists = true;
		else if (!strcmp(argv[i], "--strict"))
			c->strict = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			c->help = true;
		else if (c->n_args || strncmp(argv[i], "--", 2))
			c->args[c->n_args++] = argv[i];
		else
			die("%s: unknown option", argv[i]);
	}
	if (!c->n_args) {
		if (c->help) {
			usage();
			exit(0);
		}
		die("missing command (try --help)");
	}
	if ((v = ctl_verb_find(c->args[0])) < 0)
		die("%s: unknown command (try --help)", c->args[0]);
	c->verb = (enum ctl_verb)v;
	c->args++;
	c->n_args--;
	return i + 1;
}

static void
check_arity(const struct ctl_cmd *c)
{
	const struct ctl_verb_info *d = &ctl_verbs[c->verb];

	if (c->help) {
		printf("usage: lispctl %s%s%s\n  %s\n", d->name, *d->usage ? " " : "", d->usage,
		       d->help);
		exit(0);
	}
	if (c->n_args < d->min_args)
		die("%s: missing argument (usage: %s %s)", d->name, d->name, d->usage);
	if (c->n_args > d->max_args)
		die("%s: too many arguments (usage: %s %s)", d->name, d->name, d->usage);
}

/* Reads the file named by the last argument ("-": standard input) into the command's lines. */
static void
read_lines(struct ctl_cmd *c)
{
	const char *name = c->args[c->n_args - 1];
	FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (c->n_args < 2)
		die("%s: missing FILE (usage: %s %s)", ctl_verbs[c->verb].name,
		    ctl_verbs[c->verb].name, ctl_verbs[c->verb].usage);
	if (!f)
		die("%s %s: cannot read: %s", ctl_verbs[c->verb].name, name, strerror(errno));
	c->lines = xcalloc(1, sizeof *c->lines);
	while ((len = getline(&line, &cap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		c->lines = xrealloc(c->lines, (c->n_lines + 1) * sizeof *c->lines);
		c->lines[c->n_lines++] = xstrdup(line);
	}
	free(line);
	if (f != stdin)
		fclose(f);
}

/* parse-flow: the flow parser and printer, without a daemon. */
static int
run_local(const struct ctl_cmd *c, size_t n_cmds)
{
	const struct flow_parse_ctx ctx = { .mode = FLOW_PARSE_ADD };
	struct ofp_flow_spec spec;
	struct strbuf sb;
	char err[400];

	if (n_cmds > 1)
		die("%s: cannot be chained with other commands", ctl_verbs[c->verb].name);
	if (flow_parse(c->args[0], &ctx, &spec, err, sizeof err))
		die("%s: %s", ctl_verbs[c->verb].name, err);
	strbuf_init(&sb);
	flow_format(&spec, &sb);
	printf("%s\n", strbuf_cstr(&sb));
	strbuf_uninit(&sb);
	ofp_flow_spec_uninit(&spec);
	return 0;
}

/* capture: alone on its command line, over its own connection. */
static int
run_stream(const struct ctl_opts *o)
{
	char *sockpath;
	int status;

	if (o->n_cmds > 1)
		die("%s: cannot be chained with other commands", ctl_verbs[o->cmds[0].verb].name);
	sockpath = xasprintf("%s/%s", o->rundir, CTL_SOCKET_NAME);
	status = ctl_capture(sockpath, o->cmds[0].args, o->cmds[0].n_args, o->json);
	free(sockpath);
	return status;
}

static json_t *
cmd_to_json(const struct ctl_cmd *c)
{
	json_t *args = json_array();

	/* A file's lines replace its name, so the daemon numbers them as the file does. */
	size_t n = c->lines ? c->n_args - 1 : c->n_args;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(args, json_string(c->args[i]));
	for (size_t i = 0; c->lines && i < c->n_lines; i++)
		json_array_append_new(args, json_string(c->lines[i]));
	return json_pack("{s:s, s:o, s:{s:b, s:b, s:b}}", "verb", ctl_verbs[c->verb].name, "args",
			 args, "opts", "may_exist", c->may_exist, "if_exists", c->if_exists,
			 "strict", c->strict);
}

/* Prints each command's output; returns the exit status. */
static int
print_outputs(const struct ctl_opts *o, json_t *outputs)
{
	int status = 0;

	for (size_t i = 0; i < o->n_cmds; i++) {
		const struct ctl_cmd *c = &o->cmds[i];
		json_t *out = json_array_get(outputs, i);

		if (c->verb == CTL_VERB_BR_EXISTS && !json_is_true(out))
			status = EXIT_NO;
		if (!(ctl_verbs[c->verb].flags & CTL_READ) || c->verb == CTL_VERB_BR_EXISTS)
			continue;
		if (o->json) {
			json_dumpf(out, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
			putchar('\n');
		} else if (c->verb == CTL_VERB_DUMP_FLOWS && o->no_stats) {
			format_flows_no_stats(out, stdout);
		} else {
			format_output(c->verb, out, stdout);
		}
	}
	return status;
}

static void
free_opts(struct ctl_opts *o)
{
	for (size_t n = 0; n < o->n_cmds; n++) {
		for (size_t l = 0; l < o->cmds[n].n_lines; l++)
			free(o->cmds[n].lines[l]);
		free(o->cmds[n].lines);
		free(o->cmds[n].args - 1);
	}
	free(o->packet_buf);
}

/* Runs the command line: locally (parse-flow) or as one transaction with the daemon. */
static int
run(struct ctl_opts *o)
{
	char err[1024], *sockpath;
	json_t *params, *outputs;
	int code, status;

	for (size_t n = 0; n < o->n_cmds; n++) {
		check_arity(&o->cmds[n]);
		if (ctl_verbs[o->cmds[n].verb].flags & CTL_LOCAL)
			return run_local(&o->cmds[n], o->n_cmds);
		if (ctl_verbs[o->cmds[n].verb].flags & CTL_STREAM)
			return run_stream(o);
		if (ctl_verbs[o->cmds[n].verb].flags & CTL_FILE)
			read_lines(&o->cmds[n]);
		if (o->packet && o->cmds[n].verb == CTL_VERB_TRACE && o->cmds[n].n_args == 2)
			o->cmds[n].args[o->cmds[n].n_args++] = (char *)o->packet;
	}
	params = json_array();
	for (size_t n = 0; n < o->n_cmds; n++)
		json_array_append_new(params, cmd_to_json(&o->cmds[n]));
	sockpath = xasprintf("%s/%s", o->rundir, CTL_SOCKET_NAME);
	outputs = client_call(sockpath, "transact", params, err, sizeof err, &code);
	free(sockpath);
	if (!outputs) {
		if (code == CTL_ERR_IO)
			die("%s: %s", ctl_verbs[o->cmds[0].verb].name, err);
		die("%s", err);
	}
	status = print_outputs(o, outputs);
	json_decref(outputs);
	return status;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o = { .rundir = getenv("LISPSWITCH_RUNDIR") };
	int i = 1, status;

	if (argc < 2)
		die("missing command (try --help)");
	while (i < argc)
		i = parse_cmd(&o, argc, argv, i);
	if (!o.rundir || !*o.rundir)
		o.rundir = LS_DEFAULT_RUNDIR;
	status = run(&o);
	free_opts(&o);
	return status;
}

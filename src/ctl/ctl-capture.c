#include "ctl-capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "ctl-proto.h"
#include "pkt.h"
#include "util.h"

/* Room for the biggest packet the daemon sends: a GSO frame inside outer headers. */
#define SNAPLEN 262144

struct capture_opts {
	const char *port;
	const char *file;        /* -w: pcap file, "-" for stdout; NULL: a line per packet. */
	uint64_t count;          /* -c: 0 for no limit. */
	double seconds;          /* --seconds: 0 for no limit. */
	bool outer;
};

struct capture_state {
	const struct capture_opts *o;
	bool json;
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	uint8_t *buf;
	uint64_t packets, lost;
	char reason[32];         /* Why the daemon ended it; "" if it did not. */
};

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig UNUSED)
{
	interrupted = 1;
}

static int PRINTF_FMT(1, 2)
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("lispctl: capture ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* The value after option args[*i], advancing past it; NULL if missing. */
static const char *
opt_value(char **args, size_t n, size_t *i)
{
	const char *eq = strchr(args[*i], '=');

	if (!strncmp(args[*i], "--", 2) && eq)
		return eq + 1;
	return *i + 1 < n ? args[++*i] : NULL;
}

static bool
parse_opts(char **args, size_t n, struct capture_opts *o, char *err, size_t err_size)
{
	for (size_t i = 0; i < n; i++) {
		const char *a = args[i], *v;
		char *end;

		if (!strcmp(a, "--outer")) {
			o->outer = true;
		} else if (!strcmp(a, "-w")) {
			if (!(o->file = opt_value(args, n, &i)))
				return snprintf(err, err_size, "-w: missing FILE"), false;
		} else if (!strcmp(a, "-c")) {
			if (!(v = opt_value(args, n, &i)) || !str_to_u64(v, UINT32_MAX, &o->count) ||
			    !o->count)
				return snprintf(err, err_size, "-c \"%s\": not a count of packets",
						v ? v : ""), false;
		} else if (!strcmp(a, "--seconds") || !strncmp(a, "--seconds=", 10)) {
			v = opt_value(args, n, &i);
			o->seconds = v ? strtod(v, &end) : 0;
			if (!v || *end || !(o->seconds > 0 && o->seconds <= 86400))
				return snprintf(err, err_size, "--seconds \"%s\": not 0 < S <= 86400",
						v ? v : ""), false;
		} else if (a[0] == '-' && a[1]) {
			return snprintf(err, err_size, "%s: unknown option", a), false;
		} else if (o->port) {
			return snprintf(err, err_size, "%s: one PORT only", a), false;
		} else {
			o->port = a;
		}
	}
	if (!o->port)
		return snprintf(err, err_size, "missing PORT (usage: capture %s)",
				ctl_verbs[CTL_VERB_CAPTURE].usage), false;
	return true;
}

/* "a.b.c.d > e.f.g.h proto N" for an IP packet at 'ip', if it is one. */
static void
print_ip(const uint8_t *ip, size_t size)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	if (size >= 20 && ip[0] >> 4 == 4)
		printf(" IPv4 %s > %s proto %u", inet_ntop(AF_INET, ip + 12, src, sizeof src),
		       inet_ntop(AF_INET, ip + 16, dst, sizeof dst), ip[9]);
	else if (size >= 40 && ip[0] >> 4 == 6)
		printf(" IPv6 %s > %s next %u", inet_ntop(AF_INET6, ip + 8, src, sizeof src),
		       inet_ntop(AF_INET6, ip + 24, dst, sizeof dst), ip[6]);
}

/* One line per packet: time, direction, length, then the addresses. */
static void
print_packet(const struct capture_state *s, time_t sec, long usec, const char *dir,
	     const uint8_t *p, size_t size)
{
	char when[16];

	strftime(when, sizeof when, "%H:%M:%S", localtime(&sec));
	printf("%s.%06ld %s %zu bytes", when, usec, dir, size);
	if (s->o->outer) {
		print_ip(p, size);
	} else if (size >= 14) {
		printf(" %02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x type 0x%04x",
		       p[6], p[7], p[8], p[9], p[10], p[11], p[0], p[1], p[2], p[3], p[4], p[5],
		       p[12] << 8 | p[13]);
		if ((p[12] << 8 | p[13]) == 0x0800 || (p[12] << 8 | p[13]) == 0x86dd)
			print_ip(p + 14, size - 14);
	}
	putchar('\n');
}

static bool
on_packet(struct capture_state *s, json_t *params)
{
	const char *hex = json_string_value(json_object_get(params, "data"));
	json_int_t sec = json_integer_value(json_object_get(params, "sec"));
	long usec = (long)json_integer_value(json_object_get(params, "usec"));
	long size = hex ? hex_decode(hex, s->buf, SNAPLEN) : -1;

	if (size < 0)
		return false;
	s->packets++;
	if (s->dumper) {
		struct pcap_pkthdr h = { .ts = { (time_t)sec, usec }, .caplen = (bpf_u_int32)size,
					 .len = (bpf_u_int32)size };

		pcap_dump((u_char *)s->dumper, &h, s->buf);
		/* Each packet reaches the file at once, so "-w - | tshark -r -" works live. */
		pcap_dump_flush(s->dumper);
	} else if (s->json) {
		json_dumpf(params, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		print_packet(s, (time_t)sec, usec, json_string_value(json_object_get(params, "dir")),
			     s->buf, (size_t)size);
	}
	fflush(stdout);
	return true;
}

static bool
on_notify(const char *method, json_t *params, void *arg)
{
	struct capture_state *s = arg;

	if (!strcmp(method, "packet"))
		return on_packet(s, params);
	if (!strcmp(method, "end")) {
		s->lost = (uint64_t)json_integer_value(json_object_get(params, "lost"));
		snprintf(s->reason, sizeof s->reason, "%s",
			 json_string_value(json_object_get(params, "reason")) ?: "?");
		return false;
	}
	return true;
}

/* Opens the pcap file before the capture starts, so a bad path costs no packets. */
static int
open_dumper(struct capture_state *s)
{
	s->pcap = pcap_open_dead(s->o->outer ? DLT_RAW : DLT_EN10MB, SNAPLEN);
	if (!s->pcap)
		return fail("%s: cannot set up libpcap", s->o->port);
	s->dumper = pcap_dump_open(s->pcap, s->o->file);
	if (!s->dumper)
		return fail("%s: %s", s->o->port, pcap_geterr(s->pcap));
	return 0;
}

static json_t *
request_params(const struct capture_opts *o)
{
	return json_pack("{s:s, s:I, s:f, s:b}", "port", o->port, "count", (json_int_t)o->count,
			 "seconds", o->seconds, "outer", o->outer);
}

int
ctl_capture(const char *sockpath, char **args, size_t n_args, bool json)
{
	struct capture_opts o = { 0 };
	struct capture_state s = { .o = &o, .json = json };
	struct sigaction sa = { .sa_handler = on_sigint };  /* No SA_RESTART: recv() returns. */
	char err[600];
	int code, status = 0;

	if (!parse_opts(args, n_args, &o, err, sizeof err))
		return fail("%s", err);
	if (o.file && open_dumper(&s))
		return 1;
	s.buf = xmalloc(SNAPLEN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (client_stream(sockpath, ctl_verbs[CTL_VERB_CAPTURE].name, request_params(&o), on_notify,
			  &s, &interrupted, err, sizeof err, &code) < 0) {
		fprintf(stderr, "lispctl: %s%s\n", code == CTL_ERR_IO ? "capture: " : "", err);
		status = 1;
	} else if (!*s.reason && !interrupted) {
		status = fail("%s: lost the connection to lispswitchd", o.port);
	} else {
		fprintf(stderr, "%llu packets captured, %llu lost (%s)\n",
			(unsigned long long)s.packets, (unsigned long long)s.lost,
			*s.reason ? s.reason : "interrupted");
	}
	if (s.dumper)
		pcap_dump_close(s.dumper);
	if (s.pcap)
		pcap_close(s.pcap);
	free(s.buf);
	return status;
}

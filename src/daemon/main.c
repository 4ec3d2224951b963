/*
 * lispswitchd: one daemon per host (network namespace), owning every bridge, port and table of
 * that host. Start-up: options, run and database directories, the pidfile lock (one daemon per
 * run directory), the saved configuration, the control socket; then the main loop until
 * SIGTERM/SIGINT, after which it removes the TAP devices it made and keeps the configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge.h"
#include "commands.h"
#include "config.h"
#include "ctl-proto.h"
#include "log.h"
#include "loop.h"
#include "mapping.h"
#include "metrics.h"
#include "metrics-http.h"
#include "rpc.h"
#include "util.h"

/* The longest busy poll allowed: past a few ms, sleeping until the packet comes costs less. */
#define BUSY_POLL_MAX 10000

struct options {
	const char *rundir;
	const char *dbdir;
	const char *log_file;
	const char *pidfile;   /* NULL: RUNDIR/lispswitchd.pid. */
	const char *ctl_group; /* Group allowed on the control socket, or NULL. */
	const char *metrics_listen; /* ADDR:PORT to serve metrics over HTTP on, or NULL. */
	bool metrics_allow_remote;  /* Let --metrics-listen take a non-loopback address. */
	uint32_t busy_poll_usec;    /* Longest busy poll of the main loop (loop.h). */
	bool always_poll;           /* Never sleep (loop.h). */
	bool detach;
};

static void
usage(void)
{
	printf("usage: lispswitchd [OPTIONS]\n"
	       "  --rundir DIR      control socket and pidfile (env LISPSWITCH_RUNDIR, default %s)\n"
	       "  --dbdir DIR       saved configuration (env LISPSWITCH_DBDIR, default %s)\n"
	       "  --log-file FILE   log there instead of stderr\n"
	       "  --pidfile[=FILE]  pidfile (default RUNDIR/" CTL_PIDFILE_NAME ")\n"
	       "  --detach          run in the background once ready\n"
	       "  --ctl-group NAME  also let members of group NAME use the control socket\n"
	       "  --metrics-listen ADDR:PORT  serve Prometheus metrics on http://ADDR:PORT/metrics\n"
	       "                    (loopback only: 127.0.0.1:9100, [::1]:9100)\n"
	       "  --metrics-allow-remote  let --metrics-listen take any address\n"
	       "  --busy-poll-usec N  poll up to N us before sleeping when packets come in quick\n"
	       "                    succession (default %d, 0: never poll, at most %d)\n"
	       "  --always-poll     never sleep: poll the ports without pause, like OVS's PMD\n"
	       "                    threads (lowest latency; keeps a CPU busy)\n"
	       "  --version, --help\n",
	       LS_DEFAULT_RUNDIR, LS_DEFAULT_DBDIR, LOOP_BUSY_POLL_USEC, BUSY_POLL_MAX);
}

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "rundir", required_argument, NULL, 'r' },
		{ "dbdir", required_argument, NULL, 'd' },
		{ "log-file", required_argument, NULL, 'l' },
		{ "pidfile", optional_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'D' },
		{ "ctl-group", required_argument, NULL, 'g' },
		{ "metrics-listen", required_argument, NULL, 'm' },
		{ "metrics-allow-remote", no_argument, NULL, 'A' },
		{ "busy-poll-usec", required_argument, NULL, 'b' },
		{ "always-poll", no_argument, NULL, 'P' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t u;
	int opt;

	o->busy_poll_usec = LOOP_BUSY_POLL_USEC;
	o->rundir = env_or("LISPSWITCH_RUNDIR", LS_DEFAULT_RUNDIR);
	o->dbdir = env_or("LISPSWITCH_DBDIR", LS_DEFAULT_DBDIR);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': o->rundir = optarg; break;
		case 'd': o->dbdir = optarg; break;
		case 'l': o->log_file = optarg; break;
		case 'p': o->pidfile = optarg; break;
		case 'D': o->detach = true; break;
		case 'g': o->ctl_group = optarg; break;
		case 'm': o->metrics_listen = optarg; break;
		case 'A': o->metrics_allow_remote = true; break;
		case 'b':
			if (!str_to_u64(optarg, BUSY_POLL_MAX, &u)) {
				fprintf(stderr, "lispswitchd: --busy-poll-usec %s: not a number of "
					"microseconds from 0 to %d\n", optarg, BUSY_POLL_MAX);
				exit(1);
			}
			o->busy_poll_usec = (uint32_t)u;
			break;
		case 'P': o->always_poll = true; break;
		case 'V': printf("lispswitchd %s\n", LS_VERSION); exit(0);
		case 'h': usage(); exit(0);
		default:
			fprintf(stderr, "lispswitchd: try --help\n");
			exit(1);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lispswitchd: unexpected argument \"%s\"\n", argv[optind]);
		exit(1);
	}
}

static void
make_dir(const char *path, mode_t mode)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		log_fatal("cannot create directory %s: %s", p, strerror(errno));
	free(p);
}

/* Takes the pidfile lock: a second daemon on the same run directory is refused. */
static int
lock_pidfile(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	char buf[32] = "";

	if (fd < 0)
		log_fatal("cannot open pidfile %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);

		buf[n > 0 ? n - (buf[n - 1] == '\n') : 0] = '\0';
		log_fatal("another lispswitchd (pid %s) is running with pidfile %s",
			  *buf ? buf : "unknown", path);
	}
	return fd;
}

static void
write_pid(int fd)
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		log_fatal("cannot write pidfile: %s", strerror(errno));
}

/*
 * Forks; the parent waits until the child says it is ready (or died), so that a script that ran
 * "lispswitchd --detach" can use the control socket at once. Returns the pipe to report on.
 */
static int
detach(void)
{
	int fds[2];
	char status = 1;
	pid_t pid;

	if (pipe(fds) < 0 || (pid = fork()) < 0)
		log_fatal("cannot detach: %s", strerror(errno));
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(fds[0]);
	setsid();
	return fds[1];
}

static void
ready(int notify_fd)
{
	char ok = 0;
	int fd;

	if (notify_fd < 0)
		return;
	if (write(notify_fd, &ok, 1) != 1)
		log_warn(MAIN, "could not notify the parent process");
	close(notify_fd);
	/* Let go of the caller's terminal or pipes, so "lispswitchd --detach 2>&1 | cat" ends. */
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

static void
on_signal(void *arg, uint32_t events UNUSED)
{
	struct signalfd_siginfo si;
	int fd = *(int *)arg;

	while (read(fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			log_reopen();
		} else {
			log_info(MAIN, "signal %u: shutting down", si.ssi_signo);
			loop_stop();
		}
	}
}

/* The id of group 'name' (a name or a number), -1 for none; fatal if it does not exist. */
static int
ctl_group_id(const char *name)
{
	struct group *gr;
	uint64_t n;

	if (!name)
		return -1;
	if (str_to_u64(name, INT32_MAX, &n))
		return (int)n;
	gr = getgrnam(name);
	if (!gr)
		log_fatal("--ctl-group %s: no such group", name);
	return (int)gr->gr_gid;
}

static void
produce_metrics(struct strbuf *sb)
{
	metrics_write(commands_running(), sb);
}

/* Metrics over HTTP, if asked for: fatal if the address is refused or taken. */
static void
start_metrics(const struct options *o)
{
	char err[300];

	if (o->metrics_listen &&
	    metrics_http_start(o->metrics_listen, o->metrics_allow_remote, produce_metrics, err,
			       sizeof err) < 0)
		log_fatal("%s", err);
}

static void
tick(int64_t now_ms)
{
	metrics_http_run(now_ms);
	mapping_run(now_ms);
	/* Flows that timed out must not come back after a restart. */
	if (bridge_run(now_ms))
		commands_save_flows();
}

static void
load_config(const char *path)
{
	char err[512], port[IFNAMSIZ];
	struct cfg cfg;

	if (cfg_load(&cfg, path, err, sizeof err) < 0)
		log_fatal("%s", err);
	bridge_reconfigure(&cfg, &cfg, port, sizeof port, err, sizeof err);
	commands_init(&cfg, path);
	mapping_apply(commands_running());
	/* The file's JSON and text are gone, the flows and map-cache entries made from them stay. */
	heap_trim();
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	char *pidfile, *sockpath, *cfgpath, *logpath;
	int pid_fd, sig_fd, notify_fd = -1, err;
	struct loop_source *sig_src;
	sigset_t mask;

	parse_options(argc, argv, &o);
	make_dir(o.rundir, 0755);
	make_dir(o.dbdir, 0700);
	/* A daemon in the background keeps no terminal: without --log-file it logs in RUNDIR. */
	logpath = o.log_file ? xstrdup(o.log_file) :
		  o.detach ? xasprintf("%s/lispswitchd.log", o.rundir) : NULL;
	if (logpath && log_open(logpath) < 0)
		log_fatal("cannot open log file %s: %s", logpath, strerror(errno));
	pidfile = o.pidfile ? xstrdup(o.pidfile) : xasprintf("%s/%s", o.rundir, CTL_PIDFILE_NAME);
	sockpath = xasprintf("%s/%s", o.rundir, CTL_SOCKET_NAME);
	cfgpath = xasprintf("%s/%s", o.dbdir, CTL_CONFIG_NAME);
	pid_fd = lock_pidfile(pidfile);
	if (o.detach)
		notify_fd = detach();
	/* flock() locks survive fork(), so the child holds the lock from here on. */
	write_pid(pid_fd);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd < 0 || loop_init() < 0)
		log_fatal("cannot set up the main loop: %s", strerror(errno));
	loop_set_busy_poll(o.busy_poll_usec);
	loop_set_always_poll(o.always_poll);
	sig_src = loop_add(sig_fd, EPOLLIN, on_signal, &sig_fd);

	bridge_init();
	mapping_init();
	load_config(cfgpath);
	if ((err = rpc_server_start(sockpath, ctl_group_id(o.ctl_group), commands_rpc)) < 0)
		log_fatal("cannot listen on %s: %s", sockpath, strerror(-err));
	start_metrics(&o);
	log_info(MAIN, "lispswitchd %s ready: rundir %s, dbdir %s", LS_VERSION, o.rundir, o.dbdir);
	ready(notify_fd);

	loop_run(tick);

	metrics_http_stop();
	rpc_server_stop();
	bridge_shutdown(true);
	mapping_uninit();
	commands_uninit();
	loop_remove(sig_src);
	close(sig_fd);
	unlink(pidfile);
	close(pid_fd);
	free(pidfile);
	free(sockpath);
	free(cfgpath);
	free(logpath);
	return 0;
}

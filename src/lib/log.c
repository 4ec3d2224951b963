#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const level_names[LOG_N_LEVELS] = { "err", "warn", "info", "dbg" };

static const char *const category_names[LOG_N_CATEGORIES] = {
#define LOG_CAT_NAME(id, name) name,
	LOG_CATEGORIES(LOG_CAT_NAME)
#undef LOG_CAT_NAME
};

static enum log_level levels[LOG_N_CATEGORIES] = {
#define LOG_CAT_LEVEL(id, name) LOG_INFO,
	LOG_CATEGORIES(LOG_CAT_LEVEL)
#undef LOG_CAT_LEVEL
};

static FILE *log_stream;
static char *log_path;

int
log_open(const char *path)
{
	FILE *f;

	if (!path) {
		log_stream = NULL;
		return 0;
	}
	f = fopen(path, "a");
	if (!f)
		return -errno;
	setvbuf(f, NULL, _IOLBF, 0);
	if (log_stream)
		fclose(log_stream);
	log_stream = f;
	if (log_path != path) {
		free(log_path);
		log_path = xstrdup(path);
	}
	return 0;
}

void
log_reopen(void)
{
	if (log_path)
		log_open(log_path);
}

bool
log_enabled(enum log_category cat, enum log_level level)
{
	return level <= levels[cat];
}

static void
log_vmsg(const char *cat, const char *level, int err, const char *fmt, va_list ap)
{
	FILE *out = log_stream ? log_stream : stderr;
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(out, "%s.%03ldZ|%s|%s|", stamp, ts.tv_nsec / 1000000, cat, level);
	vfprintf(out, fmt, ap);
	if (err)
		fprintf(out, ": %s", strerror(err));
	fputc('\n', out);
}

void
log_msg(enum log_category cat, enum log_level level, bool with_errno, const char *fmt, ...)
{
	int err = with_errno ? errno : 0;
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(category_names[cat], level_names[level], err, fmt, ap);
	va_end(ap);
	errno = err;
}

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	if (log_stream) {
		va_start(ap, fmt);
		log_vmsg("main", "fatal", 0, fmt, ap);
		va_end(ap);
	}
	/* Start-up failures reach the person who ran the daemon as one plain line. */
	va_start(ap, fmt);
	fputs("lispswitchd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static bool
name_lookup(const char *const *names, int n, const char *name, int *out)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(names[i], name)) {
			*out = i;
			return true;
		}
	}
	return false;
}

bool
log_level_from_name(const char *name, enum log_level *level)
{
	int i;

	if (!name_lookup(level_names, LOG_N_LEVELS, name, &i))
		return false;
	*level = (enum log_level)i;
	return true;
}

bool
log_category_from_name(const char *name, enum log_category *cat)
{
	int i;

	if (!name_lookup(category_names, LOG_N_CATEGORIES, name, &i))
		return false;
	*cat = (enum log_category)i;
	return true;
}

const char *
log_level_name(enum log_level level)
{
	return level_names[level];
}

const char *
log_category_name(enum log_category cat)
{
	return category_names[cat];
}

void
log_set_level(enum log_category cat, enum log_level level)
{
	levels[cat] = level;
}

enum log_level
log_get_level(enum log_category cat)
{
	return levels[cat];
}

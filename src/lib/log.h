/*
 * The one logging API. Messages go to the log file (or stderr) with a timestamp, level and
 * category. Each category has its own level, changeable at run time (lispctl vlog/set), so that
 * packet-level debugging can be turned on for one subsystem without drowning the rest.
 */
#ifndef LS_LOG_H
#define LS_LOG_H

#include <stdbool.h>
#include "util.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DBG, LOG_N_LEVELS };

#define LOG_CATEGORIES(X) \
	X(MAIN, "main")   \
	X(CTL, "ctl")     \
	X(CONFIG, "config") \
	X(PORT, "port")   \
	X(PACKET, "packet") \
	X(FLOW, "flow")   \
	X(TUNNEL, "tunnel") \
	X(UNDERLAY, "underlay") \
	X(MAPCACHE, "mapcache")

enum log_category {
#define LOG_CAT_ENUM(id, name) LOGC_##id,
	LOG_CATEGORIES(LOG_CAT_ENUM)
#undef LOG_CAT_ENUM
	LOG_N_CATEGORIES
};

/* Sends log lines to 'path' (appending), or to stderr if 'path' is NULL. 0 or -errno. */
int log_open(const char *path);
/* Reopens the log file after rotation. */
void log_reopen(void);

bool log_enabled(enum log_category cat, enum log_level level);
void log_msg(enum log_category cat, enum log_level level, bool with_errno, const char *fmt, ...)
	PRINTF_FMT(4, 5);
/* Logs and exits with status 1: only at start-up and on exhausted memory. */
void log_fatal(const char *fmt, ...) PRINTF_FMT(1, 2) __attribute__((noreturn));

/* Name <-> value helpers for vlog/set; each returns false on an unknown name. */
bool log_level_from_name(const char *name, enum log_level *level);
bool log_category_from_name(const char *name, enum log_category *cat);
const char *log_level_name(enum log_level level);
const char *log_category_name(enum log_category cat);
void log_set_level(enum log_category cat, enum log_level level);
enum log_level log_get_level(enum log_category cat);

#define LOG_AT(cat, lvl, errno_, ...) \
	do { \
		if (log_enabled(cat, lvl)) \
			log_msg(cat, lvl, errno_, __VA_ARGS__); \
	} while (0)
#define log_err(cat, ...) LOG_AT(LOGC_##cat, LOG_ERR, false, __VA_ARGS__)
#define log_warn(cat, ...) LOG_AT(LOGC_##cat, LOG_WARN, false, __VA_ARGS__)
#define log_info(cat, ...) LOG_AT(LOGC_##cat, LOG_INFO, false, __VA_ARGS__)
#define log_dbg(cat, ...) LOG_AT(LOGC_##cat, LOG_DBG, false, __VA_ARGS__)
/* As log_warn, with ": strerror(errno)" appended. */
#define log_warn_errno(cat, ...) LOG_AT(LOGC_##cat, LOG_WARN, true, __VA_ARGS__)
#define log_err_errno(cat, ...) LOG_AT(LOGC_##cat, LOG_ERR, true, __VA_ARGS__)

#endif

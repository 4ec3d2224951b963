#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl-proto.h"
#include "util.h"

/* A connection to the daemon with the bytes received and not yet returned as lines. */
struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	volatile sig_atomic_t *stop;  /* Set by a signal: stop waiting. */
};

static int
client_connect(const char *path, char *err, size_t err_size)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (!str_copy(sun.sun_path, path, sizeof sun.sun_path)) {
		snprintf(err, err_size, "%s: socket path too long", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		snprintf(err, err_size, "cannot connect to lispswitchd at %s: %s (is it running?)",
			 path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool
send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* The next line (malloc'd, without its newline); NULL at the end, on error, or on '*stop'. */
static char *
conn_line(struct conn *c)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL, *line;
		ssize_t n;

		if (nl) {
			size_t size = (size_t)(nl - c->buf);

			line = xmalloc(size + 1);
			memcpy(line, c->buf, size);
			line[size] = '\0';
			memmove(c->buf, nl + 1, c->len - size - 1);
			c->len -= size + 1;
			return line;
		}
		if (c->len + 4096 > c->cap)
			c->buf = xrealloc(c->buf, c->cap = 2 * c->cap + 4096);
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR && !(c->stop && *c->stop))
			continue;
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

/* Connects, sends the request and reads its answer: the result, or NULL with 'err'. */
static json_t *
request(struct conn *c, const char *sockpath, const char *method, json_t *params, char *err,
	size_t err_size, int *code)
{
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1, "method", method,
				"params", params);
	json_t *resp = NULL, *result = NULL, *error;
	char *text = json_dumps(req, JSON_COMPACT), *line = NULL;

	*code = CTL_ERR_IO;
	json_decref(req);
	if ((c->fd = client_connect(sockpath, err, err_size)) < 0)
		goto out;
	if (!send_all(c->fd, text, strlen(text)) || !send_all(c->fd, "\n", 1) ||
	    !(line = conn_line(c)) || !(resp = json_loads(line, 0, NULL))) {
		snprintf(err, err_size, "lost the connection to lispswitchd at %s", sockpath);
		goto out;
	}
	if ((error = json_object_get(resp, "error"))) {
		const char *msg = json_string_value(json_object_get(error, "message"));

		*code = (int)json_integer_value(json_object_get(error, "code"));
		snprintf(err, err_size, "%s", msg ? msg : "error without a message");
		goto out;
	}
	result = json_incref(json_object_get(resp, "result"));
	*code = 0;
out:
	json_decref(resp);
	free(line);
	free(text);
	return result;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
}

json_t *
client_call(const char *sockpath, const char *method, json_t *params, char *err,
	    size_t err_size, int *code)
{
	struct conn c = { .fd = -1 };
	json_t *result = request(&c, sockpath, method, params, err, err_size, code);

	conn_close(&c);
	return result;
}

int
client_stream(const char *sockpath, const char *method, json_t *params,
	      client_notify_fn *notify, void *arg, volatile sig_atomic_t *stop, char *err,
	      size_t err_size, int *code)
{
	struct conn c = { .fd = -1, .stop = stop };
	json_t *result = request(&c, sockpath, method, params, err, err_size, code);
	char *line;

	if (!result) {
		conn_close(&c);
		return -1;
	}
	json_decref(result);
	while ((line = conn_line(&c))) {
		json_t *n = json_loads(line, 0, NULL);
		const char *m = json_string_value(json_object_get(n, "method"));
		bool more = m && notify(m, json_object_get(n, "params"), arg);

		json_decref(n);
		free(line);
		if (!more)
			break;
	}
	conn_close(&c);
	return 0;
}

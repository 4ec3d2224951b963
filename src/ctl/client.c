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

/* Reads one line (the response); NULL if the daemon closed first. */
static char *
recv_line(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);

	for (;;) {
		ssize_t n;
		char *nl;

		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return NULL;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			return buf;
		}
	}
}

json_t *
client_call(const char *sockpath, const char *method, json_t *params, char *err,
	    size_t err_size, int *code)
{
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1, "method", method,
				"params", params);
	json_t *resp = NULL, *result = NULL, *error;
	char *text = json_dumps(req, JSON_COMPACT), *line = NULL;
	int fd = client_connect(sockpath, err, err_size);

	*code = CTL_ERR_IO;
	json_decref(req);
	if (fd < 0)
		goto out;
	if (!send_all(fd, text, strlen(text)) || !send_all(fd, "\n", 1) ||
	    !(line = recv_line(fd)) || !(resp = json_loads(line, 0, NULL))) {
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
	if (fd >= 0)
		close(fd);
	json_decref(resp);
	free(line);
	free(text);
	return result;
}

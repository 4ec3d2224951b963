#include "metrics-http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "list.h"
#include "log.h"
#include "loop.h"
#include "util.h"

#define REQUEST_MAX 8192
#define MAX_CONNS 16
#define CONN_TIMEOUT_MS 10000

struct conn {
	struct list node;        /* In 'conns'. */
	int fd;
	struct loop_source *src;
	char in[REQUEST_MAX + 1];
	size_t in_len;
	struct strbuf out;       /* The whole response, once the request is read. */
	size_t out_done;         /* Bytes of 'out' sent. */
	int64_t opened_ms;
};

static int listen_fd = -1;
static struct loop_source *listen_src;
static metrics_http_produce *producer;
static struct list conns = LIST_INITIALIZER(conns);
static size_t n_conns;

static void
conn_close(struct conn *c)
{
	list_remove(&c->node);
	loop_remove(c->src);
	close(c->fd);
	strbuf_uninit(&c->out);
	free(c);
	n_conns--;
}

static void
respond(struct conn *c, const char *status, const char *type, const struct strbuf *body,
	bool head)
{
	const char *text = body ? strbuf_cstr(body) : status;
	size_t len = body ? body->len : strlen(status);

	strbuf_printf(&c->out, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		      "Connection: close\r\n\r\n", status, type, len + !body);
	if (!head)
		strbuf_printf(&c->out, "%s%s", text, body ? "" : "\n");
	loop_modify(c->src, EPOLLOUT);
}

/* Answers the request in 'c->in' (its header complete). */
static void
answer(struct conn *c)
{
	char method[8], path[64];
	struct strbuf body;
	bool head;

	if (sscanf(c->in, "%7s %63s HTTP/1.", method, path) != 2) {
		respond(c, "400 Bad Request", "text/plain", NULL, false);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		respond(c, "405 Method Not Allowed", "text/plain", NULL, false);
		return;
	}
	if (strcmp(path, "/metrics") && strncmp(path, "/metrics?", 9)) {
		respond(c, "404 Not Found", "text/plain", NULL, head);
		return;
	}
	strbuf_init(&body);
	producer(&body);
	respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", &body, head);
	strbuf_uninit(&body);
}

static void
conn_read(struct conn *c)
{
	ssize_t n = recv(c->fd, c->in + c->in_len, REQUEST_MAX - c->in_len, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	c->in_len += (size_t)n;
	c->in[c->in_len] = '\0';
	if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n"))
		answer(c);
	else if (c->in_len == REQUEST_MAX)
		respond(c, "431 Request Header Fields Too Large", "text/plain", NULL, false);
}

static void
conn_event(void *arg, uint32_t events)
{
	struct conn *c = arg;

	if (!c->out.len) {
		conn_read(c);
		return;
	}
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
		ssize_t n = send(c->fd, c->out.s + c->out_done, c->out.len - c->out_done,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0)
			c->out_done += (size_t)n;
		if ((n < 0 && errno != EAGAIN && errno != EINTR) || c->out_done == c->out.len)
			conn_close(c);
	}
}

static void
accept_conn(void *arg UNUSED, uint32_t events UNUSED)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct conn *c;

	if (fd < 0)
		return;
	if (n_conns == MAX_CONNS) {
		log_warn(CTL, "metrics: more than %d connections: one refused", MAX_CONNS);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->opened_ms = time_msec();
	strbuf_init(&c->out);
	c->src = loop_add(fd, EPOLLIN, conn_event, c);
	list_push_back(&conns, &c->node);
	n_conns++;
}

/* Parses "a.b.c.d:port" or "[v6]:port" into 'sa' (IPv4 v4-mapped). */
static bool
parse_addr(const char *s, struct sockaddr_in6 *sa)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	bool v6 = s[0] == '[';
	uint64_t port;
	size_t len;

	if (!colon || !str_to_u64(colon + 1, 65535, &port) || !port)
		return false;
	len = (size_t)(colon - s);
	if (v6 && (len < 3 || s[len - 1] != ']'))
		return false;
	if (v6) {
		s++;
		len -= 2;
	}
	if (len >= sizeof host)
		return false;
	memcpy(host, s, len);
	host[len] = '\0';
	*sa = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	if (v6)
		return inet_pton(AF_INET6, host, &sa->sin6_addr) == 1;
	sa->sin6_addr.s6_addr[10] = sa->sin6_addr.s6_addr[11] = 0xff;
	return inet_pton(AF_INET, host, &sa->sin6_addr.s6_addr[12]) == 1;
}

static bool
is_loopback(const struct in6_addr *a)
{
	return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

int
metrics_http_start(const char *addr, bool allow_remote, metrics_http_produce *produce,
		   char *err, size_t err_size)
{
	struct sockaddr_in6 sa;
	int on = 1, off = 0;

	if (!parse_addr(addr, &sa)) {
		snprintf(err, err_size, "--metrics-listen %s: not ADDRESS:PORT (127.0.0.1:9100, "
			 "[::1]:9100)", addr);
		return -1;
	}
	if (!is_loopback(&sa.sin6_addr) && !allow_remote) {
		snprintf(err, err_size, "--metrics-listen %s: not a loopback address (add "
			 "--metrics-allow-remote to serve other hosts)", addr);
		return -1;
	}
	listen_fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    setsockopt(listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(listen_fd, 16) < 0) {
		snprintf(err, err_size, "--metrics-listen %s: %s", addr, strerror(errno));
		if (listen_fd >= 0)
			close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	producer = produce;
	listen_src = loop_add(listen_fd, EPOLLIN, accept_conn, NULL);
	log_info(MAIN, "serving metrics on http://%s/metrics", addr);
	return 0;
}

void
metrics_http_run(int64_t now_ms)
{
	struct conn *c;

	LIST_FOR_EACH_SAFE(c, node, &conns)
		if (now_ms - c->opened_ms > CONN_TIMEOUT_MS)
			conn_close(c);
}

void
metrics_http_stop(void)
{
	struct conn *c;

	LIST_FOR_EACH_SAFE(c, node, &conns)
		conn_close(c);
	if (listen_fd < 0)
		return;
	loop_remove(listen_src);
	close(listen_fd);
	listen_fd = -1;
}

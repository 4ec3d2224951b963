/*
 * A paced 64-byte UDP sender and a counting receiver for the pps figure of the tunnel benchmark
 * (bench.py). iperf3 sends one datagram per system call and, on this 2-core machine, cannot
 * offer more than about 70 kpps once the kernel tunnel's work runs in its context; this sender
 * batches with sendmmsg() and paces in small bursts, so the switch, not the sender, is what
 * limits the rate.
 *
 *   udpblast send DST_IP PORT PPS SECONDS RUN_ID   -> prints "sent N seconds S"
 *   udpblast recv BIND_IP PORT SECONDS RUN_ID      -> prints "received N"
 *
 * Both are bounded: the sender stops after SECONDS; the receiver after SECONDS + 3 or 0.5 s
 * after the last datagram, whichever comes first, and counts only datagrams of RUN_ID.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 64
#define BURST 16

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
do_send(const char *ip, int port, double pps, double secs, uint32_t id)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sndbuf = 4 << 20;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint8_t payload[BURST][PAYLOAD];
	struct iovec iov[BURST];
	struct mmsghdr msgs[BURST];
	uint64_t sent = 0, seq = 0;
	double start, t;

	if (fd < 0 || inet_pton(AF_INET, ip, &dst.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0) {
		perror("udpblast send");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	memset(payload, 0, sizeof payload);
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < BURST; i++) {
		memcpy(payload[i], &id, 4);
		iov[i] = (struct iovec){ payload[i], PAYLOAD };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now();
	while ((t = now() - start) < secs) {
		uint64_t due = (uint64_t)(t * pps);
		int n;

		if (due <= sent) {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
			continue;
		}
		n = due - sent > BURST ? BURST : (int)(due - sent);
		for (int i = 0; i < n; i++, seq++)
			memcpy(payload[i] + 4, &seq, 8);
		n = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (n > 0)
			sent += (uint64_t)n;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
			perror("udpblast sendmmsg");
			return 1;
		}
		else
			sent++;   /* Dropped by our own stack: offered all the same. */
	}
	printf("sent %llu seconds %.3f\n", (unsigned long long)sent, now() - start);
	return 0;
}

static int
do_recv(const char *ip, int port, double secs, uint32_t id)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcvbuf = 4 << 20;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint8_t bufs[64][256];
	struct iovec iov[64];
	struct mmsghdr msgs[64];
	uint64_t count = 0;
	double start = now(), last = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("udpblast recv");
		return 1;
	}
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < 64; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		double t = now();
		struct pollfd p = { fd, POLLIN, 0 };
		int n;

		if (t - start > secs + 3 || (last && t - last > 0.5))
			break;
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recvmmsg(fd, msgs, 64, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			uint32_t got;

			memcpy(&got, bufs[i], 4);
			if (msgs[i].msg_len == PAYLOAD && got == id)
				count++;
		}
		if (n > 0)
			last = now();
	}
	printf("received %llu\n", (unsigned long long)count);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), atof(argv[4]), atof(argv[5]),
			       (uint32_t)strtoul(argv[6], NULL, 0));
	if (argc == 6 && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], atoi(argv[3]), atof(argv[4]),
			       (uint32_t)strtoul(argv[5], NULL, 0));
	fprintf(stderr, "usage: udpblast send DST PORT PPS SECONDS RUN_ID\n"
			"       udpblast recv BIND PORT SECONDS RUN_ID\n");
	return 2;
}

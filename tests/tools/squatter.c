/* squatter.c: what any local user can do to a node's name while the node is down: register
 * it with epmd and listen on the port given there.  A test runs it as a user of its own and
 * then checks that kzlaunch, its helper and its broker refuse to prove a cookie to it.
 *
 *   squatter NAME LOG      registers NAME (at $ERL_EPMD_PORT, else 4369) for a port of its
 *                          own, prints "PORT" once both hold, then appends every byte any
 *                          connection sends to LOG, until it is killed
 *
 * Exits 1 when epmd or the listener cannot be had. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ALIVE2_REQ 120

static int die_msg(const char *what)
{
	perror(what);
	exit(1);
}

static int listener(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die_msg("listen");
	*port = ntohs(a.sin_port);
	return fd;
}

/* ALIVE2_REQ as a node of OTP 23-25 sends it: a normal node, handshakes 5 to 6. */
static int register_name(const char *name, uint16_t port)
{
	const char *env = getenv("ERL_EPMD_PORT");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(env && *env ? (uint16_t)atoi(env) : 4369) };
	size_t n = strlen(name), len = 13 + n;
	unsigned char req[300], resp[8];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (n > 255)
		die_msg("name");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	req[0] = (unsigned char)(len >> 8), req[1] = (unsigned char)len;
	req[2] = ALIVE2_REQ;
	req[3] = (unsigned char)(port >> 8), req[4] = (unsigned char)port;
	req[5] = 'M', req[6] = 0;                /* normal node, TCP/IPv4 */
	req[7] = 0, req[8] = 6, req[9] = 0, req[10] = 5; /* highest, lowest */
	req[11] = (unsigned char)(n >> 8), req[12] = (unsigned char)n;
	memcpy(req + 13, name, n);
	req[13 + n] = 0, req[14 + n] = 0;        /* no extra */
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0 || write(fd, req, len + 2) != (ssize_t)(len + 2))
		die_msg("epmd");
	if (read(fd, resp, sizeof resp) < 2 || resp[1] != 0) {
		fprintf(stderr, "epmd refused %s\n", name);
		exit(1);
	}
	return fd; /* the name stays registered while this stays open */
}

int main(int argc, char **argv)
{
	uint16_t port;
	char buf[4096];

	if (argc != 3) {
		fprintf(stderr, "usage: squatter NAME LOG\n");
		return 1;
	}
	int lfd = listener(&port);
	int log = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log < 0)
		die_msg(argv[2]);
	(void)register_name(argv[1], port);
	printf("%u\n", (unsigned)port);
	fflush(stdout);
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		/* Whatever comes within a second: a caller that proves a cookie does it at once. */
		struct pollfd p = { .fd = c, .events = POLLIN };
		ssize_t n;
		while (poll(&p, 1, 1000) > 0 && (n = read(c, buf, sizeof buf)) > 0)
			if (write(log, buf, (size_t)n) != n)
				die_msg(argv[2]);
		close(c);
	}
}

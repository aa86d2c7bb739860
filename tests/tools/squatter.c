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
#include <fcntl.h>
#include <poll.h>

#include "epmdreg.h"

int main(int argc, char **argv)
{
	uint16_t port;
	char buf[4096];

	if (argc != 3) {
		fprintf(stderr, "usage: squatter NAME LOG\n");
		return 1;
	}
	int lfd = epmdreg_listen(&port);
	int log = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log < 0)
		epmdreg_fail(argv[2]);
	(void)epmdreg_register(argv[1], port, 6, 5);
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
				epmdreg_fail(argv[2]);
		close(c);
	}
}

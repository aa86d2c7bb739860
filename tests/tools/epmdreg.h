/* epmdreg.h: registering a name with epmd as any local user can, for the test tools that pose
 * as a node (squatter.c, liar.c, epmdalias.c).  Header only: each tool is one file. */
#ifndef KZ_TOOLS_EPMDREG_H
#define KZ_TOOLS_EPMDREG_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define EPMDREG_ALIVE2_REQ 120

static inline void epmdreg_fail(const char *what)
{
	perror(what);
	exit(1);
}

/* A socket listening on a free port of every address: its descriptor, the port in *port. */
static inline int epmdreg_listen(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		epmdreg_fail("listen");
	*port = ntohs(a.sin_port);
	return fd;
}

/* ALIVE2_REQ for a normal node offering handshake versions lowest to highest (5 to 6 as OTP
 * 23-25 do, 5 to 5 as OTP 19-22 did) to the epmd at $ERL_EPMD_PORT, else 4369.  The name
 * stays registered while the returned descriptor stays open. */
static inline int epmdreg_register(const char *name, uint16_t port, uint8_t highest, uint8_t lowest)
{
	const char *env = getenv("ERL_EPMD_PORT");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(env && *env ? (uint16_t)atoi(env) : 4369) };
	size_t n = strlen(name), len = 13 + n;
	unsigned char req[300], resp[8];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (n > 255)
		epmdreg_fail("name");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	req[0] = (unsigned char)(len >> 8), req[1] = (unsigned char)len;
	req[2] = EPMDREG_ALIVE2_REQ;
	req[3] = (unsigned char)(port >> 8), req[4] = (unsigned char)port;
	req[5] = 'M', req[6] = 0;                        /* normal node, TCP/IPv4 */
	req[7] = 0, req[8] = highest, req[9] = 0, req[10] = lowest;
	req[11] = (unsigned char)(n >> 8), req[12] = (unsigned char)n;
	memcpy(req + 13, name, n);
	req[13 + n] = 0, req[14 + n] = 0; /* no extra */
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0 || write(fd, req, len + 2) != (ssize_t)(len + 2))
		epmdreg_fail("epmd");
	if (read(fd, resp, sizeof resp) < 2 || resp[1] != 0) {
		fprintf(stderr, "epmd refused %s\n", name);
		exit(1);
	}
	return fd;
}

#endif

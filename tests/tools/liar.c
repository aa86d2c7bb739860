/* liar.c: a node that lies about lengths.  It registers NAME with epmd, relays one caller's
 * connection to a real node's port (the handshake passes through untouched, so the caller
 * proves the cookie to the real node, as it must), then relays the node's frames with one
 * length falsified in the first frame that carries the caller's reply or output.
 *
 *   liar NAME PORT MODE    prints its own port once registered, serves one connection
 *
 * MODE: `output` makes the first {rex_stdout, Binary}'s binary claim 100000 bytes more than
 * it holds; `reply` does the same to the first binary in a {rex, _}; `control` makes that
 * frame's control tuple claim 200 elements; `frame` sends that frame's length word claiming
 * 100000 bytes more, then the bytes there are, and stays silent.  Exits 1 when epmd, the
 * listener or the node cannot be had; 0 when either side has closed. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "epmdreg.h"

#define BINARY_EXT 109

static bool read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* One message of `head` length bytes (2 in the handshake, 4 after) from one side to the
 * other; the bytes in *buf (grown), their length in *len. */
static bool relay_one(int from, int to, size_t head, unsigned char **buf, size_t *len, bool pass)
{
	unsigned char word[4];
	size_t n = 0;

	if (!read_all(from, word, head))
		return false;
	for (size_t i = 0; i < head; i++)
		n = n << 8 | word[i];
	if (!(*buf = realloc(*buf, n + 1)) || !read_all(from, *buf, n))
		return false;
	*len = n;
	return !pass || (write_all(to, word, head) && write_all(to, *buf, n));
}

static unsigned char *find(unsigned char *buf, size_t len, const char *what, size_t wlen)
{
	return memmem(buf, len, what, wlen);
}

/* Where the length of the first binary after `from` is, or NULL. */
static unsigned char *binary_length(unsigned char *from, unsigned char *end)
{
	for (unsigned char *p = from; p + 5 <= end; p++)
		if (*p == BINARY_EXT)
			return p + 1;
	return NULL;
}

static void add_to_length(unsigned char *p, uint32_t more)
{
	uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];

	v += more;
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Falsifies the frame as MODE says: true once done. */
static bool falsify(const char *mode, unsigned char *buf, size_t len, bool *frame_lie)
{
	/* The atoms as the node encodes them (SMALL_ATOM_UTF8). */
	unsigned char *out = find(buf, len, "\x77\x0arex_stdout", 12);
	unsigned char *rex = find(buf, len, "\x77\x03rex", 5);
	unsigned char *at, *end = buf + len;

	if (!strcmp(mode, "output") && out && (at = binary_length(out + 12, end)))
		return add_to_length(at, 100000), true;
	if (!strcmp(mode, "reply") && rex && (at = binary_length(rex + 5, end)))
		return add_to_length(at, 100000), true;
	if (!strcmp(mode, "control") && (out || rex) && len > 4 && buf[0] == 'p' && buf[2] == 104)
		return buf[3] = 200, true;
	if (!strcmp(mode, "frame") && (out || rex))
		return *frame_lie = true;
	return false;
}

static int relay(int caller, int node, const char *mode)
{
	struct pollfd p[2] = { { .fd = caller, .events = POLLIN }, { .fd = node, .events = POLLIN } };
	unsigned char *buf = NULL;
	size_t len;
	int from_node = 0;
	bool done = false;

	/* The handshake: the caller's name and reply, the node's status, challenge and ack. */
	while (from_node < 3) {
		if (poll(p, 2, -1) < 0)
			return 1;
		if (p[0].revents && !relay_one(caller, node, 2, &buf, &len, true))
			return 0;
		if (p[1].revents) {
			if (!relay_one(node, caller, 2, &buf, &len, true))
				return 0;
			from_node++;
		}
	}
	for (;;) {
		if (poll(p, 2, -1) < 0)
			return 1;
		if (p[0].revents && !relay_one(caller, node, 4, &buf, &len, true))
			return 0;
		if (!p[1].revents)
			continue;
		if (!relay_one(node, caller, 4, &buf, &len, false))
			return 0;
		bool frame_lie = false;
		if (!done)
			done = falsify(mode, buf, len, &frame_lie);
		unsigned char word[4];
		uint32_t claim = (uint32_t)len + (frame_lie ? 100000u : 0);
		word[0] = (unsigned char)(claim >> 24), word[1] = (unsigned char)(claim >> 16);
		word[2] = (unsigned char)(claim >> 8), word[3] = (unsigned char)claim;
		if (!write_all(caller, word, 4) || !write_all(caller, buf, len))
			return 0;
		if (frame_lie)
			pause(); /* the rest never comes: the caller must give up by its own deadline */
	}
}

int main(int argc, char **argv)
{
	uint16_t port;

	if (argc != 4) {
		fprintf(stderr, "usage: liar NAME PORT MODE\n");
		return 1;
	}
	int lfd = epmdreg_listen(&port);
	(void)epmdreg_register(argv[1], port, 6, 5);
	printf("%u\n", (unsigned)port);
	fflush(stdout);
	int caller = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int node = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (caller < 0 || node < 0 || connect(node, (struct sockaddr *)&a, sizeof a) < 0)
		epmdreg_fail("connect");
	return relay(caller, node, argv[3]);
}

/* helper.h: the state of one kzlaunch-helper: the node it owns, its console, its socket and
 * its clients.  One instance, passed explicitly; no globals outside main.c. */
#ifndef KZ_HELPER_H
#define KZ_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conlog.h"
#include "policy.h"
#include "proto.h"
#include "ring.h"
#include "sock.h"

/* Slots are counted apart for peers who hold some right (the policy names them, or root)
 * and for peers who hold none, known from SO_PEERCRED at accept: strangers, who can only be
 * refused, then never keep an operator out, however many of them connect. */
#define CLIENT_LISTED_MAX 128         /* connections of peers who hold a right */
#define CLIENT_ROOT_RESERVE 8         /* of those, the last ones are root's alone */
#define CLIENT_PER_UID_MAX 16         /* of those, for any one uid but root's */
#define CLIENT_STRANGER_MAX 8         /* connections of peers who hold no right */
#define CLIENT_STRANGER_PER_UID 2     /* of those, for any one uid */
#define HELPER_MAX_CLIENTS (CLIENT_LISTED_MAX + CLIENT_STRANGER_MAX)
#define CLIENT_CONTROL_RESERVE 64     /* queue bytes console output leaves to EXIT, STOPPING */
#define CLIENT_QUEUE_MAX (256 * 1024) /* bytes of frames toward one client */
/* A connection that has sent no request is dropped after this.  kzlaunch sends its request
 * right after connect(), so a slot is held this long only by a peer that means to hold it. */
#define CLIENT_HELLO_MS 2000
#define READY_PROBE_MS 10             /* epmd is asked this often while the node boots */

struct client {
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t *groups;
	size_t ngroups;
	bool listed;       /* holds some right: counted among CLIENT_LISTED_MAX */
	long since_ms;     /* loop_now_ms() at accept */
	enum { CLIENT_NEW, CLIENT_ATTACHED, CLIENT_STOPPING, CLIENT_CLOSING } state;
	bool read_only;
	uint8_t in[PROTO_HEADER + PROTO_MAX_PAYLOAD];
	size_t inlen;
	uint8_t *out;      /* queued frames: out[outoff..outlen) is still to be sent */
	size_t outoff, outlen, outcap;
	unsigned long long lost; /* console bytes not queued since the last LOST frame */
};

struct helper {
	const char *rel;
	const char *node_name;
	const struct policy *policy; /* NULL: no policy, only root and the caller's uid control it */
	uid_t owner_uid;             /* the node's user */
	unsigned stop_timeout;

	pid_t node;
	time_t started;
	bool node_up;
	bool node_gone;
	int node_status;             /* exit status, 128 + signal */
	bool stop_sent;
	unsigned stop_elapsed_ms;    /* since the first SIGTERM */

	int pty;                     /* master */
	int listen_fd;
	int spare_fd;                /* /dev/null, given up for a moment when accept meets EMFILE */
	bool out_of_fds;             /* the last accept met EMFILE or ENFILE (logged once) */
	int sig_fd;
	int timer_fd;                /* ready probe while booting, then the stop timeout */
	int ready_fd;                /* pipe to `kzlaunch start`, -1 when none */
	const struct sock_claim *sock; /* the socket as bound: its inode is told with "up" */
	int warden_fd;               /* channel to the warden (warden.h), -1 once it closed */
	int probe_fd;                /* epmd connection in progress, -1 when none */
	bool probe_connecting;       /* waiting for the probe's connect to complete */
	uint16_t epmd_port;

	struct conlog *log;
	struct ring replay;
	struct client *clients[HELPER_MAX_CLIENTS];
	size_t nclients;
};

/* client.c */
void client_accept(struct helper *h);
void client_readable(struct helper *h, struct client *c);
void client_writable(struct helper *h, struct client *c);
void client_broadcast_output(struct helper *h, const void *buf, size_t len);
void client_broadcast(struct helper *h, uint8_t type, const void *payload, uint16_t len);
void client_drop(struct helper *h, struct client *c, const char *why);
void client_expire(struct helper *h, long now_ms);
int client_hello_wait(const struct helper *h, long now_ms);
size_t client_attached_count(const struct helper *h);
void client_flush_all(struct helper *h, int timeout_ms);

/* loop.c */
int loop_run(struct helper *h);
long loop_now_ms(void);
void loop_stop_node(struct helper *h);

/* ready.c: is the node's distribution up yet (epmd), and who to tell */
void ready_probe(struct helper *h);
void ready_probe_result(struct helper *h);
void ready_announce(struct helper *h);
void ready_stopping(struct helper *h);
void ready_failed(struct helper *h);

#endif

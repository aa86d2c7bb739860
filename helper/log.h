/* log.h: the helper's syslog, which never blocks.  glibc's syslog() waits when the log
 * daemon falls behind (a datagram socket's queue holds ten messages by default), and a
 * helper that waits stops reading the node's console, which then stops the node. */
#ifndef KZ_LOG_H
#define KZ_LOG_H

#include <syslog.h> /* the LOG_ priorities */

/* Connects to /dev/log (facility daemon, tag and pid on every line).  Before the sandbox. */
void log_open(const char *tag);

/* One message, or none when the log daemon's queue is full: the loss is counted and told
 * with the next message that gets through.  `%m` works as in syslog(). */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lets go of the socket: for a process whose filter allows no reconnecting (the warden). */
void log_close(void);

#endif

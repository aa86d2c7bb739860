/* usage.h: what --help prints (README, "Command line"); `help` is a row of actions.h. */
#ifndef KZ_USAGE_H
#define KZ_USAGE_H

void usage_kzlaunch(void);
/* Kazoo's sup's options, when kzlaunch runs as `sup`. */
void usage_sup(void);

#endif

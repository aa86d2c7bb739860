/* ready.h: is the node up yet (its name in epmd, then its boot finished), and telling
 * `kzlaunch start` and the warden when it is, when it stops and when it died booting. */
#ifndef KZ_READY_H
#define KZ_READY_H

#include "helper.h"

#define READY_PROBE_MS 10
#define READY_BOOT_MS 10

struct broker_answer;

/* Arms the probe timer and asks epmd the first time. */
void ready_begin(struct helper *h);
/* The probe timer fired: asks again while the node boots, else stops the timer. */
void ready_tick(struct helper *h);
/* The probe's connection is readable or writable. */
void ready_probe_result(struct helper *h);
/* The broker's answer to a boot probe: the node is up once it says the boot has finished. */
void ready_boot_answer(struct helper *h, const struct broker_answer *a);
/* A stop began: systemd hears STOPPING=1 through the warden. */
void ready_stopping(struct helper *h);
/* The node ended: if `start` never heard it was up, it gets the status and last output. */
void ready_failed(struct helper *h);

#endif

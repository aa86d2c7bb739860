/* tests/unit/epmd.c: the one rule for ERL_EPMD_PORT, and PORT_PLEASE2 as both programs
 * build and read it.  No socket is opened. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "array.h"
#include "../tap.h"
#include "epmd.h"

struct port_case {
	const char *value; /* NULL: unset */
	int port;          /* 0: refused with EX_USAGE */
};

static const struct port_case port_cases[] = {
	{ NULL, 4369 },   { "", 4369 },      { "4393", 4393 }, { "1", 1 },       { "65535", 65535 },
	{ "0", 0 },       { "65536", 0 },    { "abc", 0 },     { "+4369", 0 },   { " 4369", 0 },
	{ "4369 ", 0 },   { "-1", 0 },       { "4369x", 0 },   { "0x10", 0 },    { "99999999999999999999", 0 },
	/* A leading zero counts: 065536 is 65536, not a port; and no length wraps around. */
	{ "04369", 4369 }, { "065536", 0 },  { "99999999999999999999999", 0 },
};

static void run_port_case(const struct port_case *c)
{
	struct kz_err err = { 0 };
	uint16_t port = 0;

	if (c->value)
		setenv("ERL_EPMD_PORT", c->value, 1);
	else
		unsetenv("ERL_EPMD_PORT");
	int rc = epmd_port(&port, &err);
	if (c->port) {
		tap_ok(rc == 0 && port == c->port, "ERL_EPMD_PORT %s%s%s: %d", c->value ? "'" : "",
		       c->value ? c->value : "unset", c->value ? "'" : "", c->port);
	} else {
		char want[160];
		snprintf(want, sizeof want, "ERL_EPMD_PORT '%s': expected a port number from 1 to 65535", c->value);
		tap_ok(rc < 0 && err.status == EX_USAGE && err.msg && !strcmp(err.msg, want),
		       "ERL_EPMD_PORT '%s': refused, naming it", c->value);
		if (err.msg && strcmp(err.msg, want))
			tap_diag("got '%s'", err.msg);
	}
	kz_err_clear(&err);
}

static void requests(void)
{
	uint8_t req[EPMD_REQUEST_MAX];
	char name[EPMD_NAME_MAX + 8];

	size_t n = epmd_request(req, "kazoo_apps@host.example");
	tap_ok(n == 13 && req[0] == 0 && req[1] == 11 && req[2] == 122 && !memcmp(req + 3, "kazoo_apps", 10),
	       "request: length, PORT_PLEASE2_REQ, the name before '@'");
	tap_is_int(epmd_request(req, "@host"), 0, "request: empty name refused");
	memset(name, 'a', EPMD_NAME_MAX);
	strcpy(name + EPMD_NAME_MAX, "@h");
	tap_is_int(epmd_request(req, name), 3 + EPMD_NAME_MAX, "request: a 255-byte name fits");
	memset(name, 'a', EPMD_NAME_MAX + 1);
	strcpy(name + EPMD_NAME_MAX + 1, "@h");
	tap_is_int(epmd_request(req, name), 0, "request: a 256-byte name refused");
	tap_is_int(epmd_answer((const uint8_t[]){ 119, 0 }, 2), 1, "answer: registered");
	tap_is_int(epmd_answer((const uint8_t[]){ 119, 1 }, 2), 0, "answer: not registered");
	tap_is_int(epmd_answer((const uint8_t[]){ 118, 0 }, 2), -1, "answer: another type");
	tap_is_int(epmd_answer((const uint8_t[]){ 119 }, 1), -1, "answer: short");
}

int main(void)
{
	tap_plan((unsigned)COUNT(port_cases) + 8);
	for (size_t i = 0; i < COUNT(port_cases); i++)
		run_port_case(&port_cases[i]);
	requests();
	return tap_done();
}

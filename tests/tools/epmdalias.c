/* epmdalias.c: a second name in epmd for a node that is already there, offering the
 * handshake versions given, so that a test can make a node of OTP 23 look like one of OTP
 * 19-22 (versions 5 to 5) to whoever asks epmd.  The port stays the node's own.
 *
 *   epmdalias NAME PORT HIGHEST LOWEST    prints "registered", then holds the name until
 *                                         it is killed
 *
 * Exits 1 when epmd refuses the name or cannot be reached. */
#define _GNU_SOURCE
#include "epmdreg.h"

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: epmdalias NAME PORT HIGHEST LOWEST\n");
		return 1;
	}
	(void)epmdreg_register(argv[1], (uint16_t)atoi(argv[2]), (uint8_t)atoi(argv[3]), (uint8_t)atoi(argv[4]));
	printf("registered\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* array.c: the append of array.h.  The array's pointer is read and written with memcpy, not
 * through a void ** cast: a T * reached as a void * lvalue would break the aliasing rules. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

int array_push(void *arrayp, size_t *n, const void *elem, size_t size)
{
	void *array, *grown;

	if (*n == SIZE_MAX) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(&array, arrayp, sizeof array);
	grown = reallocarray(array, *n + 1, size); /* checks n * size for overflow */
	if (!grown)
		return -1;
	memcpy((char *)grown + *n * size, elem, size);
	memcpy(arrayp, &grown, sizeof grown);
	(*n)++;
	return 0;
}

/* array.h: the length of an array, and arrays that grow by one element at a time (the
 * policy's lists of ids, the sections of a config.ini).  Never prints, never exits. */
#ifndef KZ_ARRAY_H
#define KZ_ARRAY_H

#include <stddef.h>

/* The number of elements of an array: an array, never a pointer to one. */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Appends the size bytes at elem to the array whose pointer is at arrayp (a T **, passed as
 * void * so one function serves every T) and which holds *n elements, then counts it.
 * Returns 0, or -1 with errno ENOMEM and the array, its pointer and *n as they were. */
int array_push(void *arrayp, size_t *n, const void *elem, size_t size);

/* array_push with the element's size taken from the array: value must be an lvalue of the
 * array's element type. */
#define ARRAY_PUSH(array, n, value) array_push(&(array), &(n), &(value), sizeof *(array))

#endif

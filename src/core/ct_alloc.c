/*
 * ct_alloc.c
 *		The malloc-backed allocator for code that runs outside PostgreSQL.
 */
#include "ct_alloc.h"

#include <stdlib.h>

static void *
malloc_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size ? size : 1);
}

static void
malloc_free(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

const CtAllocator ct_malloc_allocator = {malloc_alloc, malloc_free, NULL};

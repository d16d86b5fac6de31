/*
 * ct_alloc.h
 *		Caller-supplied allocator for the pure core.
 *
 * The core never calls malloc directly: the PostgreSQL glue hands it palloc
 * (memory then lives in the caller's memory context and is freed with it),
 * while unit tests, fuzzers and benchmarks hand it malloc.  A NULL free
 * function means "memory is released wholesale by the owner" (palloc).
 */
#ifndef CT_ALLOC_H
#define CT_ALLOC_H

#include <stddef.h>

typedef struct CtAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);
	void		(*free) (void *ctx, void *ptr);
	void	   *ctx;
} CtAllocator;

static inline void *
ct_alloc(const CtAllocator *a, size_t size)
{
	return a->alloc(a->ctx, size);
}

static inline void
ct_free(const CtAllocator *a, void *ptr)
{
	if (a->free != NULL && ptr != NULL)
		a->free(a->ctx, ptr);
}

/* The malloc-backed allocator used by tests, fuzzers and benchmarks. */
extern const CtAllocator ct_malloc_allocator;

#endif							/* CT_ALLOC_H */

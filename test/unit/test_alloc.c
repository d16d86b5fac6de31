/*
 * test_alloc.c
 *		The malloc allocator hands out usable, distinct memory and frees it.
 */
#include "unit.h"

#include "ct_alloc.h"

int
main(void)
{
	char	   *a = ct_alloc(&ct_malloc_allocator, 16);
	char	   *b = ct_alloc(&ct_malloc_allocator, 0);

	CHECK(a != NULL);
	CHECK(b != NULL);
	CHECK(a != b);
	memset(a, 'x', 16);
	CHECK(a[15] == 'x');
	ct_free(&ct_malloc_allocator, a);
	ct_free(&ct_malloc_allocator, b);
	ct_free(&ct_malloc_allocator, NULL);
	return UNIT_DONE();
}

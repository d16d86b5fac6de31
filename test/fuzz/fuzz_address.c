/*
 * fuzz_address.c
 *		Address parsing never crashes and keeps its parts NUL-terminated
 *		within their buffers; comparing two addresses is symmetric and an
 *		address with a street agrees with itself (as far as it goes: one
 *		without a house number is the same street, number missing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

static void
check_parts(const CtAddress *a)
{
	if (memchr(a->type, '\0', sizeof(a->type)) == NULL ||
		memchr(a->street, '\0', sizeof(a->street)) == NULL ||
		memchr(a->number, '\0', sizeof(a->number)) == NULL ||
		memchr(a->unit, '\0', sizeof(a->unit)) == NULL ||
		memchr(a->letters, '\0', sizeof(a->letters)) == NULL ||
		memchr(a->digits, '\0', sizeof(a->digits)) == NULL ||
		strlen(a->street) != a->street_len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		half = size / 2;
	CtAddress	a,
				b;

	/* two addresses: the first half and the second */
	ct_address_parse((const char *) data, half, &a);
	ct_address_parse((const char *) data + half, size - half, &b);
	check_parts(&a);
	check_parts(&b);
	if (ct_address_compare(&a, &b, &ct_malloc_allocator) !=
		ct_address_compare(&b, &a, &ct_malloc_allocator))
		abort();
	if (a.street_len > 0 &&
		ct_address_compare(&a, &a, &ct_malloc_allocator) !=
		(a.number[0] ? CT_ADDRESS_SAME : CT_ADDRESS_NUMBER_MISSING))
		abort();
	return 0;
}

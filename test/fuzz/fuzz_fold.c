/*
 * fuzz_fold.c
 *		fold() never crashes, is idempotent, agrees with the ICU-only path,
 *		emits valid UTF-8 without leading, trailing or double spaces, and
 *		reports the same length whatever the buffer size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"

static void
check_valid_utf8(const char *s, size_t n)
{
	size_t		pos = 0;

	while (pos < n)
	{
		size_t		at = pos;

		if (ct_utf8_next(s, n, &pos) == 0xFFFD && pos == at + 1)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	size_t		n1;
	size_t		n2;
	size_t		n3;
	char	   *f1 = ct_fold_alloc(&ct_malloc_allocator, s, size, &n1);
	char	   *f2;
	char	   *f3 = malloc(n1 + 1);
	char		small[3];

	if (f1 == NULL || f3 == NULL)
		abort();
	check_valid_utf8(f1, n1);
	if (n1 > 0 && (f1[0] == ' ' || f1[n1 - 1] == ' ' || strstr(f1, "  ") != NULL))
		abort();

	/* idempotent */
	f2 = ct_fold_alloc(&ct_malloc_allocator, f1, n1, &n2);
	if (f2 == NULL || n2 != n1 || memcmp(f1, f2, n1) != 0)
		abort();

	/* the fast paths give what ICU gives */
	n3 = ct_fold_icu(s, size, f3, n1 + 1, &ct_malloc_allocator);
	if (n3 != n1 || memcmp(f1, f3, n1) != 0)
		abort();

	/* a too small buffer still reports the full length */
	if (ct_fold(s, size, small, sizeof(small), &ct_malloc_allocator) != n1)
		abort();

	free(f1);
	free(f2);
	free(f3);
	return 0;
}

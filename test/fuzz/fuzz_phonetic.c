/*
 * fuzz_phonetic.c
 *		The phonetic keys never crash, report the same length whatever the
 *		buffer, and contain only key letters and single separating spaces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phonetic.h"

typedef size_t (*KeyFn) (const char *s, size_t len, char *buf, size_t cap);

static void
check_key(KeyFn fn, const char *s, size_t len)
{
	size_t		cap = ct_phonetic_size_hint(len);
	char	   *buf = malloc(cap + 1);
	size_t		n = fn(s, len, buf, cap);
	char		small[2];

	if (n > cap)
	{
		free(buf);
		buf = malloc(n);
		fn(s, len, buf, n);
	}
	if (fn(s, len, small, sizeof(small)) != n)
		abort();
	for (size_t i = 0; i < n; i++)
	{
		char		c = buf[i];

		if (c == ' ' ? (i == 0 || i == n - 1 || buf[i - 1] == ' ') :
			!((c >= 'A' && c <= 'Z') || c == '0'))
			abort();
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_key(ct_double_metaphone, (const char *) data, size);
	check_key(ct_double_metaphone_alt, (const char *) data, size);
	check_key(ct_phonetic_es, (const char *) data, size);
	return 0;
}

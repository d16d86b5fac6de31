/*
 * fuzz_utf8.c
 *		The UTF-8 primitives on any bytes: the bulk and bounded decodes agree,
 *		the validating decode fails exactly on malformed input, and encoding
 *		the decoded code points gives well-formed UTF-8 that decodes back to
 *		them (and, for well-formed input, gives back the input itself).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	uint32_t   *cp = malloc((size + 1) * sizeof(uint32_t));
	uint32_t   *cp2 = malloc((size + 1) * sizeof(uint32_t));
	char	   *enc = malloc(4 * size + 1);
	size_t		n;
	size_t		n2;
	size_t		elen = 0;
	bool		valid = ct_utf8_valid(s, size);

	if (cp == NULL || cp2 == NULL || enc == NULL)
		abort();

	/* the bulk path (len <= cap), counting only, and a bounded cap agree */
	n = ct_utf8_decode(s, size, cp, size);
	if (ct_utf8_decode(s, size, NULL, 0) != n)
		abort();
	if (size > 0)
	{
		size_t		cap = size / 2;

		if (ct_utf8_decode(s, size, cp2, cap) != n ||
			memcmp(cp, cp2, (cap < n ? cap : n) * sizeof(uint32_t)) != 0)
			abort();
	}

	/* the validating decode fails exactly when ct_utf8_valid says so */
	if (ct_utf8_decode_valid(s, size, cp2, &n2) != valid)
		abort();
	if (valid && (n2 != n || memcmp(cp, cp2, n * sizeof(uint32_t)) != 0 ||
				  ct_utf8_count(s, size) != n))
		abort();

	/* encode, then decode again: well-formed, the same code points */
	for (size_t i = 0; i < n; i++)
		elen += (size_t) ct_utf8_encode(cp[i], enc + elen);
	if (!ct_utf8_valid(enc, elen))
		abort();
	if (ct_utf8_decode(enc, elen, cp2, elen) != n ||
		memcmp(cp, cp2, n * sizeof(uint32_t)) != 0)
		abort();
	if (valid && (elen != size || memcmp(enc, s, size) != 0))
		abort();

	free(cp);
	free(cp2);
	free(enc);
	return 0;
}

/*
 * fuzz_names.c
 *		name_normalize, name_parts, company functions and name_similarity on
 *		arbitrary bytes: no crash, name_normalize and company_normalize
 *		idempotent, name_similarity symmetric and within [0, 1].
 *
 * The input is split at its first NUL byte into the two names compared.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "company.h"
#include "name_similarity.h"
#include "names.h"

static void
free_parts(CtNameParts *p)
{
	free(p->given_names);
	free(p->family_names);
	free(p->first_family);
	free(p->second_family);
	free(p->suffix);
}

static void
check_name(const char *s, size_t len)
{
	size_t		n1,
				n2;
	char	   *a = ct_normalize_name(&ct_malloc_allocator, s, len, &n1);
	char	   *b = ct_normalize_name(&ct_malloc_allocator, a, n1, &n2);
	CtNameParts parts;

	if (n1 != n2 || memcmp(a, b, n1) != 0)
		abort();				/* name_normalize not idempotent */
	free(a);
	free(b);
	if (!ct_name_parts(&ct_malloc_allocator, s, len, &parts))
		abort();
	free_parts(&parts);

	a = ct_normalize_company(&ct_malloc_allocator, s, len, &n1);
	b = ct_normalize_company(&ct_malloc_allocator, a, n1, &n2);
	if (n1 != n2 || memcmp(a, b, n1) != 0)
		abort();				/* company_normalize not idempotent */
	free(a);
	free(b);
	free(ct_company_key(&ct_malloc_allocator, s, len, &n1));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	const char *nul = memchr(s, '\0', size);
	size_t		alen = nul ? (size_t) (nul - s) : size;
	const char *b = nul ? nul + 1 : s;
	size_t		blen = nul ? size - alen - 1 : size;
	double		ab,
				ba;

	check_name(s, alen);
	if (nul != NULL)
		check_name(b, blen);
	ab = ct_name_similarity(s, alen, b, blen, &ct_malloc_allocator);
	ba = ct_name_similarity(b, blen, s, alen, &ct_malloc_allocator);
	if (ab != ba || !(ab >= 0.0 && ab <= 1.0))
		abort();
	return 0;
}

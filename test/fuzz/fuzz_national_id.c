/*
 * fuzz_national_id.c
 *		national ID validation on arbitrary bytes, for every country and kind
 *		(and kind detection): no crash, and a normalized value normalizes to
 *		itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "national_id.h"

static const char *const countries[] = {"AR", "BR", "CL", "CO", "ES", "MX", "PE", "US", "UY", NULL};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;

	for (int c = 0; countries[c] != NULL; c++)
	{
		const char *const *kinds = ct_national_id_kinds(countries[c]);

		for (int k = -1; kinds[k < 0 ? 0 : k] != NULL; k++)
		{
			const char *kind = k < 0 ? NULL : kinds[k];
			char		out[CT_NATIONAL_ID_MAX],
						again[CT_NATIONAL_ID_MAX];
			const char *kind_out = NULL;

			if (ct_national_id_normalize(countries[c], kind, s, size, out, &kind_out) != NULL)
				continue;
			if (kind_out == NULL ||
				ct_national_id_normalize(countries[c], kind_out, out, strlen(out), again, NULL) != NULL ||
				strcmp(out, again) != 0)
				abort();
		}
	}
	return 0;
}

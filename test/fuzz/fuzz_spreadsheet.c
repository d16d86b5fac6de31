/*
 * fuzz_spreadsheet.c
 *		The spreadsheet cell readers on arbitrary bytes: dates under every
 *		order, numbers under every decimal mark, yes/no.  No crash; a date
 *		read is a real date whose ISO text reads back to itself; a number
 *		read is in canonical form and reads back to itself under any mark.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "date_parse.h"
#include "number_parse.h"
#include "yesno.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	char	   *out = malloc(size + 2);
	char		again[4096];

	if (out == NULL)
		abort();
	for (int o = CT_DATE_ORDER_UNKNOWN; o <= CT_DATE_YMD; o++)
	{
		CtDateRules rules = {(CtDateOrder) o, CT_DATE_PIVOT_DEFAULT, o != CT_DATE_YMD};
		CtDate		d,
					d2;
		char		iso[CT_DATE_BUF];
		size_t		n;

		if (ct_date_parse(s, size, &rules, &d) != NULL)
			continue;
		if (!ct_date_valid(d.year, d.month, d.day) || d.hour > 23 || d.minute > 59 || d.second > 59 ||
			d.usec < 0 || d.usec > 999999)
			abort();
		n = ct_date_format(&d, d.has_time, iso);
		if (n != strlen(iso) || n >= CT_DATE_BUF)
			abort();
		if (ct_date_parse(iso, n, &rules, &d2) != NULL || d2.year != d.year || d2.month != d.month ||
			d2.day != d.day || d2.hour != d.hour || d2.minute != d.minute || d2.second != d.second)
			abort();
	}
	for (int m = CT_DECIMAL_UNKNOWN; m <= CT_DECIMAL_POINT; m++)
	{
		size_t		n,
					n2;

		if (ct_number_parse(s, size, (CtDecimalMark) m, out, &n) != NULL)
			continue;
		if (n > size + 1 || strlen(out) != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (!((out[i] >= '0' && out[i] <= '9') || out[i] == '.' || out[i] == '-' || out[i] == 'e'))
				abort();
		/* the canonical form has no groups: any mark reads it the same */
		if (n + 2 > sizeof(again) ||
			ct_number_parse(out, n, CT_DECIMAL_POINT, again, &n2) != NULL ||
			n2 != n || memcmp(again, out, n) != 0)
			abort();
	}
	(void) ct_yesno(s, size, NULL, 0, NULL, 0, &ct_malloc_allocator);
	free(out);
	return 0;
}

/*
 * number_parse.c
 *		Numbers written the local way (see number_parse.h).
 */
#include <stdbool.h>
#include <string.h>

#include "number_parse.h"

const CtReason ct_number_unreadable = {
	"NUMBER_UNREADABLE", "not a number",
	"Write digits with at most one decimal mark, e.g. 1234,50 or 1.234,50."
};
const CtReason ct_number_ambiguous = {
	"NUMBER_AMBIGUOUS", "a single mark followed by three digits may be a decimal or a thousands mark",
	"Give the sheet's region, so that 1.234 is read the way its country writes numbers."
};
const CtReason ct_number_grouping = {
	"NUMBER_BAD_GROUPING", "thousands marks not every three digits",
	"Check the number: 1.234.567,8 groups digits by three, and decimals are not grouped."
};

CtDecimalMark
ct_decimal_mark_for_region(const char *region)
{
	static const char *const point[] = {
		"US", "MX", "GB", "IE", "CA", "AU", "NZ", "PE", "GT", "HN", "NI", "SV", "PA", "DO",
		"PR", "JP", "CN", "KR", "TW", "HK", "SG", "MY", "PH", "IN", "TH", "IL", "CH", "LI",
		"BW", "GH", "KE", "NG", "PK", "LK", "BD", "MT", "CY", NULL
	};
	char		r[3];

	if (region == NULL || strlen(region) != 2)
		return CT_DECIMAL_UNKNOWN;
	r[0] = (char) (region[0] & ~0x20);
	r[1] = (char) (region[1] & ~0x20);
	r[2] = '\0';
	if (strcmp(r, "ZZ") == 0 || r[0] < 'A' || r[0] > 'Z' || r[1] < 'A' || r[1] > 'Z')
		return CT_DECIMAL_UNKNOWN;
	for (int i = 0; point[i]; i++)
		if (strcmp(r, point[i]) == 0)
			return CT_DECIMAL_POINT;
	return CT_DECIMAL_COMMA;
}

/* length of a space (ASCII, no-break, thin, narrow no-break) at s, or 0 */
static size_t
space_at(const char *s, const char *end)
{
	const unsigned char *u = (const unsigned char *) s;

	if (s < end && (*s == ' ' || *s == '\t'))
		return 1;
	if (end - s >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (end - s >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0x89 || u[2] == 0xAF))
		return 3;
	return 0;
}

static const char *const currencies[] = {
	"US$", "R$", "S/.", "S/", "$", "\xe2\x82\xac", "\xc2\xa3", "EUR", "USD", "ARS", "BRL", "MXN",
	"CLP", "COP", "PEN", "UYU", "GBP", NULL
};

/* skip a currency symbol or code at *s (forward) and the spaces after it */
static void
skip_currency_front(const char **s, const char *end)
{
	for (int i = 0; currencies[i]; i++)
	{
		size_t		n = strlen(currencies[i]);

		if ((size_t) (end - *s) >= n && memcmp(*s, currencies[i], n) == 0)
		{
			size_t		sp;

			*s += n;
			while ((sp = space_at(*s, end)) > 0)
				*s += sp;
			return;
		}
	}
}

static void
skip_currency_back(const char *s, const char **end)
{
	for (int i = 0; currencies[i]; i++)
	{
		size_t		n = strlen(currencies[i]);

		if ((size_t) (*end - s) >= n && memcmp(*end - n, currencies[i], n) == 0)
		{
			*end -= n;
			for (;;)
			{
				if (*end > s && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
					(*end)--;
				else if (*end - s >= 2 && (unsigned char) (*end)[-2] == 0xC2 &&
						 (unsigned char) (*end)[-1] == 0xA0)
					*end -= 2;
				else
					break;
			}
			return;
		}
	}
}

static void
trim(const char **s, const char **end)
{
	size_t		sp;

	while ((sp = space_at(*s, *end)) > 0)
		*s += sp;
	for (;;)
	{
		if (*end > *s && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r' || (*end)[-1] == '\n'))
			(*end)--;
		else if (*end - *s >= 2 && (unsigned char) (*end)[-2] == 0xC2 && (unsigned char) (*end)[-1] == 0xA0)
			*end -= 2;
		else
			break;
	}
}

const CtReason *
ct_number_parse(const char *s, size_t len, CtDecimalMark mark, char *out, size_t *outlen)
{
	const char *end = s + len;
	const char *p;
	const char *exp = NULL;
	const char *exp_end = NULL;
	bool		negative = false;
	int			npoint = 0,
				ncomma = 0;
	const char *last_point = NULL,
			   *last_comma = NULL;
	char		decimal;
	bool		groups = false;
	size_t		n = 0;
	int			group_digits = -1;	/* digits since the last group mark, -1 before any */
	int			int_digits = 0;
	bool		in_fraction = false,
				any_digit = false;

	*outlen = 0;
	out[0] = '\0';
	trim(&s, &end);
	if (end - s >= 2 && *s == '(' && end[-1] == ')')
	{
		negative = true;
		s++;
		end--;
		trim(&s, &end);
	}
	skip_currency_front(&s, end);
	if (s < end && (*s == '-' || *s == '+'))
	{
		negative = negative ? true : *s == '-';
		s++;
	}
	else if (end - s >= 3 && memcmp(s, "\xe2\x88\x92", 3) == 0)
	{
		negative = true;
		s += 3;
	}
	trim(&s, &end);
	skip_currency_front(&s, end);
	skip_currency_back(s, &end);
	trim(&s, &end);
	if (s == end)
		return &ct_number_unreadable;

	/* the exponent, on a number that has one */
	for (p = s; p < end; p++)
		if (*p == 'e' || *p == 'E')
		{
			const char *q = p + 1;

			if (q < end && (*q == '+' || *q == '-'))
				q++;
			if (q == end || p == s)
				return &ct_number_unreadable;
			for (; q < end; q++)
				if (*q < '0' || *q > '9')
					return &ct_number_unreadable;
			exp = p;
			exp_end = end;
			end = p;
			break;
		}

	for (p = s; p < end; p++)
		if (*p == '.')
		{
			npoint++;
			last_point = p;
		}
		else if (*p == ',')
		{
			ncomma++;
			last_comma = p;
		}

	/* which mark is the decimal one */
	if (npoint && ncomma)
		decimal = last_point > last_comma ? '.' : ',';
	else if (npoint + ncomma == 0)
		decimal = 0;
	else if (npoint + ncomma > 1)
		decimal = 0;			/* one mark, several times: groups */
	else
	{
		char		m = npoint ? '.' : ',';
		const char *at = npoint ? last_point : last_comma;
		bool		three_after = end - at == 4 && at > s;
		char		regional = mark == CT_DECIMAL_COMMA ? ',' : '.';

		for (const char *q = at + 1; q < end && three_after; q++)
			if (*q < '0' || *q > '9')
				three_after = false;
		if (mark == CT_DECIMAL_UNKNOWN)
		{
			if (three_after)
				return &ct_number_ambiguous;
			decimal = m;
		}
		else if (m == regional || !three_after)
			decimal = m;
		else
			decimal = 0;
	}

	if (negative)
		out[n++] = '-';
	for (p = s; p < end;)
	{
		size_t		sp;

		if (*p >= '0' && *p <= '9')
		{
			out[n++] = *p++;
			any_digit = true;
			if (!in_fraction)
			{
				int_digits++;
				if (group_digits >= 0)
					group_digits++;
			}
			continue;
		}
		if (*p == decimal && !in_fraction)
		{
			if (groups && group_digits != 3)
				return &ct_number_grouping;
			if (int_digits == 0)
				out[n++] = '0';
			out[n++] = '.';
			in_fraction = true;
			p++;
			continue;
		}
		sp = (*p == '.' || *p == ',' || *p == '\'') ? 1 : space_at(p, end);
		if (sp == 0 || in_fraction || exp != NULL)
			return sp == 0 ? &ct_number_unreadable : &ct_number_grouping;
		/* a group mark: after 1-3 digits first, then after exactly 3 */
		if (group_digits < 0)
		{
			if (int_digits < 1 || int_digits > 3)
				return &ct_number_grouping;
		}
		else if (group_digits != 3)
			return &ct_number_grouping;
		groups = true;
		group_digits = 0;
		p += sp;
	}
	if (!any_digit)
		return &ct_number_unreadable;
	if (groups && !in_fraction && group_digits != 3)
		return &ct_number_grouping;
	if (in_fraction && out[n - 1] == '.')
		n--;					/* "12," is 12 */
	if (exp != NULL)
	{
		out[n++] = 'e';
		for (p = exp + 1; p < exp_end; p++)
			if (*p != '+')
				out[n++] = *p;
	}
	out[n] = '\0';
	*outlen = n;
	return NULL;
}

/*
 * number_parse.h
 *		Numbers written the local way, as spreadsheets export them.
 *
 * Spain, Argentina, Brazil and most of continental Europe and South America
 * write 1.234,50 (comma decimal, point groups); the United States, Mexico,
 * the United Kingdom and others 1,234.50.  Spaces, no-break spaces and the
 * Swiss apostrophe group digits everywhere.  A number with both marks is
 * read whatever the region (the last mark is the decimal one); a number
 * with one mark, once, is read by the region, and when that mark is the
 * region's group mark but not followed by exactly three digits it is taken
 * for a decimal mark (1234.5 as a program writes it).  Without a region a
 * single mark followed by exactly three digits (1.234, 1,234) is ambiguous.
 *
 * Accepted around the number: a sign (+, -, U+2212), accounting parentheses
 * for negatives, currency symbols and codes ($, €, £, R$, US$, S/, EUR,
 * USD...), and an exponent (1,5E+03) on a number without groups.
 */
#ifndef CT_NUMBER_PARSE_H
#define CT_NUMBER_PARSE_H

#include <stddef.h>

#include "ct_reason.h"

typedef enum CtDecimalMark
{
	CT_DECIMAL_UNKNOWN = 0,
	CT_DECIMAL_COMMA,
	CT_DECIMAL_POINT
} CtDecimalMark;

extern const CtReason ct_number_unreadable;
extern const CtReason ct_number_ambiguous;
extern const CtReason ct_number_grouping;

/*
 * The decimal mark of a country (ISO 3166 alpha-2, any case): the point
 * for the countries that use it (US, MX, GB, IE, CA, AU, NZ, PE, Central
 * America, East Asia, India, Israel, Switzerland ...), the comma for every
 * other code; unknown for NULL, an empty code and ZZ.
 */
extern CtDecimalMark ct_decimal_mark_for_region(const char *region);

/*
 * Read len bytes of UTF-8 at s as a number written with mark.  Returns NULL
 * and writes the canonical form ([-]digits[.digits][e[-]digits], what
 * numeric_in, float8in and int8in read) NUL-terminated into out, which
 * must hold len + 2 bytes, with its length in *outlen; or the reason.
 */
extern const CtReason *ct_number_parse(const char *s, size_t len, CtDecimalMark mark,
									   char *out, size_t *outlen);

#endif							/* CT_NUMBER_PARSE_H */

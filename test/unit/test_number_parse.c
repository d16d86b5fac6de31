/*
 * test_number_parse.c
 *		Numbers written the local way.
 */
#include <string.h>

#include "number_parse.h"
#include "unit.h"

static char out[256];

static const char *
num(const char *s, CtDecimalMark mark)
{
	size_t		n;
	const CtReason *r = ct_number_parse(s, strlen(s), mark, out, &n);

	if (r)
		return r->code;
	if (n != strlen(out))
		return "LENGTH MISMATCH";
	return out;
}

int
main(void)
{
	CHECK(ct_decimal_mark_for_region("ES") == CT_DECIMAL_COMMA);
	CHECK(ct_decimal_mark_for_region("ar") == CT_DECIMAL_COMMA);
	CHECK(ct_decimal_mark_for_region("BR") == CT_DECIMAL_COMMA);
	CHECK(ct_decimal_mark_for_region("US") == CT_DECIMAL_POINT);
	CHECK(ct_decimal_mark_for_region("MX") == CT_DECIMAL_POINT);
	CHECK(ct_decimal_mark_for_region(NULL) == CT_DECIMAL_UNKNOWN);
	CHECK(ct_decimal_mark_for_region("ZZ") == CT_DECIMAL_UNKNOWN);

	/* the examples */
	CHECK_STR(num("1.234,50", CT_DECIMAL_COMMA), "1234.50");
	CHECK_STR(num("1,234.50", CT_DECIMAL_POINT), "1234.50");
	/* both marks: unambiguous whatever the region */
	CHECK_STR(num("1,234.50", CT_DECIMAL_COMMA), "1234.50");
	CHECK_STR(num("1.234,50", CT_DECIMAL_UNKNOWN), "1234.50");
	CHECK_STR(num("1.234.567,89", CT_DECIMAL_COMMA), "1234567.89");
	CHECK_STR(num("1,234,567", CT_DECIMAL_POINT), "1234567");
	CHECK_STR(num("1.234.567", CT_DECIMAL_COMMA), "1234567");
	/* one mark once */
	CHECK_STR(num("1.234", CT_DECIMAL_COMMA), "1234");
	CHECK_STR(num("1.234", CT_DECIMAL_POINT), "1.234");
	CHECK_STR(num("1,234", CT_DECIMAL_POINT), "1234");
	CHECK_STR(num("1,234", CT_DECIMAL_COMMA), "1.234");
	CHECK_STR(num("1234.5", CT_DECIMAL_COMMA), "1234.5");
	CHECK_STR(num("12,5", CT_DECIMAL_COMMA), "12.5");
	CHECK_STR(num("12,5", CT_DECIMAL_POINT), "12.5");
	CHECK_STR(num("1.234", CT_DECIMAL_UNKNOWN), "NUMBER_AMBIGUOUS");
	CHECK_STR(num("1,5", CT_DECIMAL_UNKNOWN), "1.5");
	CHECK_STR(num(",5", CT_DECIMAL_COMMA), "0.5");
	CHECK_STR(num("12,", CT_DECIMAL_COMMA), "12");
	/* spaces and the Swiss apostrophe group digits */
	CHECK_STR(num("1 234 567,5", CT_DECIMAL_COMMA), "1234567.5");
	CHECK_STR(num("1\xc2\xa0" "234,5", CT_DECIMAL_COMMA), "1234.5");
	CHECK_STR(num("1'234.50", CT_DECIMAL_POINT), "1234.50");
	/* signs, parentheses, currencies */
	CHECK_STR(num("-1.234,50", CT_DECIMAL_COMMA), "-1234.50");
	CHECK_STR(num("+7", CT_DECIMAL_COMMA), "7");
	CHECK_STR(num("\xe2\x88\x92" "3,5", CT_DECIMAL_COMMA), "-3.5");
	CHECK_STR(num("(1.234,50)", CT_DECIMAL_COMMA), "-1234.50");
	CHECK_STR(num("$ 1,234.50", CT_DECIMAL_POINT), "1234.50");
	CHECK_STR(num("1.234,50 \xe2\x82\xac", CT_DECIMAL_COMMA), "1234.50");
	CHECK_STR(num("R$ 1.234,50", CT_DECIMAL_COMMA), "1234.50");
	CHECK_STR(num("-$5", CT_DECIMAL_POINT), "-5");
	CHECK_STR(num("EUR 12", CT_DECIMAL_COMMA), "12");
	/* exponents */
	CHECK_STR(num("1,5E+03", CT_DECIMAL_COMMA), "1.5e03");
	CHECK_STR(num("2e-3", CT_DECIMAL_POINT), "2e-3");
	CHECK_STR(num("1.234,5e3", CT_DECIMAL_COMMA), "NUMBER_BAD_GROUPING");
	/* not numbers, or badly grouped */
	CHECK_STR(num("", CT_DECIMAL_COMMA), "NUMBER_UNREADABLE");
	CHECK_STR(num("abc", CT_DECIMAL_COMMA), "NUMBER_UNREADABLE");
	CHECK_STR(num("12a", CT_DECIMAL_COMMA), "NUMBER_UNREADABLE");
	CHECK_STR(num("e5", CT_DECIMAL_COMMA), "NUMBER_UNREADABLE");
	CHECK_STR(num("5e", CT_DECIMAL_COMMA), "NUMBER_UNREADABLE");
	CHECK_STR(num("-", CT_DECIMAL_COMMA), "NUMBER_UNREADABLE");
	CHECK_STR(num("$", CT_DECIMAL_COMMA), "NUMBER_UNREADABLE");
	CHECK_STR(num("1.23.4", CT_DECIMAL_COMMA), "NUMBER_BAD_GROUPING");
	CHECK_STR(num("12.34.567", CT_DECIMAL_COMMA), "NUMBER_BAD_GROUPING");
	CHECK_STR(num("1234.567,5", CT_DECIMAL_COMMA), "NUMBER_BAD_GROUPING");
	CHECK_STR(num("1,234.5,6", CT_DECIMAL_POINT), "NUMBER_BAD_GROUPING");
	CHECK_STR(num("1.234,5.6", CT_DECIMAL_COMMA), "NUMBER_BAD_GROUPING");
	CHECK_STR(num("1..234", CT_DECIMAL_COMMA), "NUMBER_BAD_GROUPING");
	return UNIT_DONE();
}

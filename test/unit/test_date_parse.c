/*
 * test_date_parse.c
 *		Dates as sheets of each country write them, impossible and ambiguous
 *		dates, two-digit years, Excel serials, times, month names.
 */
#include <string.h>

#include "date_parse.h"
#include "unit.h"

static char buf[CT_DATE_BUF];

/* ISO form of s read under order (and serials), or the reason's code */
static const char *
rd(const char *s, CtDateOrder order)
{
	CtDateRules rules = {order, CT_DATE_PIVOT_DEFAULT, true};
	CtDate		d;
	const CtReason *r = ct_date_parse(s, strlen(s), &rules, &d);

	if (r)
		return r->code;
	ct_date_format(&d, d.has_time, buf);
	return buf;
}

int
main(void)
{
	CtDateRules no_serials = {CT_DATE_DMY, CT_DATE_PIVOT_DEFAULT, false};
	CtDateRules pivot50 = {CT_DATE_DMY, 50, false};
	CtDate		d;

	/* the order by region */
	CHECK(ct_date_order_for_region("ES") == CT_DATE_DMY);
	CHECK(ct_date_order_for_region("ar") == CT_DATE_DMY);
	CHECK(ct_date_order_for_region("MX") == CT_DATE_DMY);
	CHECK(ct_date_order_for_region("BR") == CT_DATE_DMY);
	CHECK(ct_date_order_for_region("GB") == CT_DATE_DMY);
	CHECK(ct_date_order_for_region("US") == CT_DATE_MDY);
	CHECK(ct_date_order_for_region("JP") == CT_DATE_YMD);
	CHECK(ct_date_order_for_region(NULL) == CT_DATE_ORDER_UNKNOWN);
	CHECK(ct_date_order_for_region("ZZ") == CT_DATE_ORDER_UNKNOWN);
	CHECK(ct_date_order_for_region("") == CT_DATE_ORDER_UNKNOWN);
	CHECK(ct_date_order_for_region("E1") == CT_DATE_ORDER_UNKNOWN);
	CHECK(ct_date_order_from_name("dmy") == CT_DATE_DMY);
	CHECK(ct_date_order_from_name("MDY") == CT_DATE_MDY);
	CHECK(ct_date_order_from_name("YDM") == -1);
	CHECK(ct_date_order_from_name(NULL) == -1);
	CHECK_STR(ct_date_order_name(CT_DATE_YMD), "YMD");

	/* the case: a Spanish 05/03/1978 is 5 March, an American one 3 May */
	CHECK_STR(rd("05/03/1978", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("05/03/1978", CT_DATE_MDY), "1978-05-03");
	CHECK_STR(rd("5-3-1978", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("5.3.1978", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd(" 05/03/1978 ", CT_DATE_DMY), "1978-03-05");
	/* ISO everywhere, whatever the order */
	CHECK_STR(rd("1978-03-05", CT_DATE_MDY), "1978-03-05");
	CHECK_STR(rd("1978/3/5", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("19780305", CT_DATE_MDY), "1978-03-05");
	CHECK_STR(rd("1978-03-05", CT_DATE_ORDER_UNKNOWN), "1978-03-05");
	/* impossible dates */
	CHECK_STR(rd("31/02/1980", CT_DATE_DMY), "DATE_IMPOSSIBLE");
	CHECK_STR(rd("29/02/1981", CT_DATE_DMY), "DATE_IMPOSSIBLE");
	CHECK_STR(rd("29/02/1980", CT_DATE_DMY), "1980-02-29");
	CHECK_STR(rd("29/02/1900", CT_DATE_DMY), "DATE_IMPOSSIBLE");
	CHECK_STR(rd("29/02/2000", CT_DATE_DMY), "2000-02-29");
	CHECK_STR(rd("13/13/1980", CT_DATE_DMY), "DATE_IMPOSSIBLE");
	CHECK_STR(rd("25/12/1990", CT_DATE_MDY), "DATE_IMPOSSIBLE");
	CHECK_STR(rd("1980-02-30", CT_DATE_DMY), "DATE_IMPOSSIBLE");
	CHECK_STR(rd("00/01/1980", CT_DATE_DMY), "DATE_IMPOSSIBLE");
	CHECK_STR(rd("0000-01-01", CT_DATE_DMY), "DATE_YEAR_OUT_OF_RANGE");
	/* without a region: only what cannot be read two ways */
	CHECK_STR(rd("05/03/1978", CT_DATE_ORDER_UNKNOWN), "DATE_AMBIGUOUS");
	CHECK_STR(rd("25/12/1990", CT_DATE_ORDER_UNKNOWN), "1990-12-25");
	CHECK_STR(rd("12/25/1990", CT_DATE_ORDER_UNKNOWN), "1990-12-25");
	CHECK_STR(rd("07/07/1990", CT_DATE_ORDER_UNKNOWN), "1990-07-07");
	CHECK_STR(rd("25/12/90", CT_DATE_ORDER_UNKNOWN), "DATE_AMBIGUOUS");
	CHECK_STR(rd("31/31/1990", CT_DATE_ORDER_UNKNOWN), "DATE_IMPOSSIBLE");
	/* two-digit years: Excel's pivot, 00-29 are 2000s */
	CHECK_STR(rd("05/03/78", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("05/03/29", CT_DATE_DMY), "2029-03-05");
	CHECK_STR(rd("05/03/30", CT_DATE_DMY), "1930-03-05");
	CHECK_STR(rd("05/03/00", CT_DATE_DMY), "2000-03-05");
	CHECK_STR(rd("3/5/78", CT_DATE_MDY), "1978-03-05");
	CHECK_STR(rd("78/03/05", CT_DATE_YMD), "1978-03-05");
	CHECK(ct_date_parse("05/03/45", 8, &pivot50, &d) == NULL && d.year == 2045);
	CHECK(ct_date_parse("05/03/51", 8, &pivot50, &d) == NULL && d.year == 1951);
	/* Excel serials: 5 or 6 digits only */
	CHECK_STR(rd("28154", CT_DATE_DMY), "1977-01-29");
	CHECK_STR(rd("10000", CT_DATE_DMY), "1927-05-18");
	CHECK_STR(rd("2958465", CT_DATE_DMY), "9999-12-31");
	CHECK_STR(rd("2958466", CT_DATE_DMY), "DATE_SERIAL_OUT_OF_RANGE");
	CHECK_STR(rd("28154.5", CT_DATE_DMY), "1977-01-29 12:00:00");
	CHECK_STR(rd("1978", CT_DATE_DMY), "DATE_INCOMPLETE");
	CHECK_STR(rd("60", CT_DATE_DMY), "DATE_INCOMPLETE");
	CHECK(ct_date_parse("28154", 5, &no_serials, &d) == &ct_date_unreadable);
	/* month names, in several languages, abbreviated or not */
	CHECK_STR(rd("5 de marzo de 1978", CT_DATE_MDY), "1978-03-05");
	CHECK_STR(rd("05-mar-78", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("March 5, 1978", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("5 March 1978", CT_DATE_MDY), "1978-03-05");
	CHECK_STR(rd("5 de Março de 1978", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("1978 Mar 5", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("5-SEPT-1978", CT_DATE_DMY), "1978-09-05");
	CHECK_STR(rd("5 set. 1978", CT_DATE_DMY), "1978-09-05");
	CHECK_STR(rd("5 ene 1978", CT_DATE_DMY), "1978-01-05");
	CHECK_STR(rd("5 août 1978", CT_DATE_DMY), "1978-08-05");
	CHECK_STR(rd("5. März 1978", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("domingo, 5 de marzo de 1978", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("5 jui 1978", CT_DATE_DMY), "DATE_UNREADABLE");
	CHECK_STR(rd("31 feb 1978", CT_DATE_DMY), "DATE_IMPOSSIBLE");
	CHECK_STR(rd("marzo 1978", CT_DATE_DMY), "DATE_INCOMPLETE");
	/* times */
	CHECK_STR(rd("05/03/1978 14:30", CT_DATE_DMY), "1978-03-05 14:30:00");
	CHECK_STR(rd("3/5/1978 2:30 PM", CT_DATE_MDY), "1978-03-05 14:30:00");
	CHECK_STR(rd("3/5/1978 12:05 a.m.", CT_DATE_MDY), "1978-03-05 00:05:00");
	CHECK_STR(rd("1978-03-05T14:30:07.25", CT_DATE_DMY), "1978-03-05 14:30:07.250000");
	CHECK_STR(rd("05/03/1978 0:00:00", CT_DATE_DMY), "1978-03-05 00:00:00");
	CHECK_STR(rd("05/03/1978 25:00", CT_DATE_DMY), "DATE_BAD_TIME");
	CHECK_STR(rd("05/03/1978 13:00 PM", CT_DATE_DMY), "DATE_BAD_TIME");
	CHECK_STR(rd("05/03/1978 14:30Z", CT_DATE_DMY), "DATE_BAD_TIME");
	CHECK_STR(rd(":30", CT_DATE_DMY), "DATE_UNREADABLE");
	/* not dates */
	CHECK_STR(rd("", CT_DATE_DMY), "DATE_UNREADABLE");
	CHECK_STR(rd("yesterday", CT_DATE_DMY), "DATE_UNREADABLE");
	CHECK_STR(rd("05/03", CT_DATE_DMY), "DATE_INCOMPLETE");
	CHECK_STR(rd("05/03/1978/1", CT_DATE_DMY), "DATE_UNREADABLE");
	CHECK_STR(rd("1978-03-05-", CT_DATE_DMY), "1978-03-05");
	CHECK_STR(rd("05/03/197", CT_DATE_DMY), "DATE_UNREADABLE");
	CHECK_STR(rd("5/3/19780", CT_DATE_DMY), "DATE_UNREADABLE");
	CHECK_STR(rd("1978/1978/05", CT_DATE_DMY), "DATE_UNREADABLE");
	CHECK_STR(rd("05#03#1978", CT_DATE_DMY), "DATE_UNREADABLE");

	/* birth dates: in the past, not before 1900 */
	CHECK(ct_date_parse("05/03/1978", 10, &no_serials, &d) == NULL);
	CHECK(ct_birth_date_check(&d, 2026, 12, 3) == NULL);
	CHECK(ct_date_parse("05/03/2027", 10, &no_serials, &d) == NULL);
	CHECK(ct_birth_date_check(&d, 2026, 12, 3) == &ct_birth_date_future);
	CHECK(ct_date_parse("03/12/2026", 10, &no_serials, &d) == NULL);
	CHECK(ct_birth_date_check(&d, 2026, 12, 3) == NULL);
	CHECK(ct_date_parse("04/12/2026", 10, &no_serials, &d) == NULL);
	CHECK(ct_birth_date_check(&d, 2026, 12, 3) == &ct_birth_date_future);
	CHECK(ct_date_parse("31/12/1899", 10, &no_serials, &d) == NULL);
	CHECK(ct_birth_date_check(&d, 2026, 12, 3) == &ct_birth_date_too_old);

	CHECK(ct_date_valid(2024, 2, 29) && !ct_date_valid(2023, 2, 29) && !ct_date_valid(10000, 1, 1));
	return UNIT_DONE();
}

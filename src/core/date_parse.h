/*
 * date_parse.h
 *		Dates as people and spreadsheets write them.
 *
 * A date is read in the order of the sheet's country: day first in Spain,
 * Latin America, Brazil and most of the world (05/03/1978 is 5 March), month
 * first in the United States (03/05/1978 is 5 March), year first wherever
 * the year comes first (1978-03-05, 19780305).  Month names and their
 * abbreviations in Spanish, Portuguese, English, French, German and Italian
 * are read too ("5 de marzo de 1978", "05-mar-78", "March 5, 1978").
 *
 * Two-digit years go by a pivot: years 00..pivot are 20yy, the others 19yy
 * (CT_DATE_PIVOT_DEFAULT is Excel's: 00-29 are 2000-2029).  Excel serial day
 * numbers (28154 is 1977-01-29... counted from 1899-12-30) are read when the
 * rules allow them, for 5- and 6-digit numbers only: a 4-digit number is far
 * more likely a year than a date before 1927.
 *
 * Impossible dates (31/02/1980, month 13) are rejected with a reason, never
 * rolled over; so are dates whose day and month cannot be told apart when
 * the order is unknown (no region).  An optional time of day follows the
 * date (05/03/1978 14:30, 3/5/1978 2:30 PM, 1978-03-05T14:30:00.5).
 */
#ifndef CT_DATE_PARSE_H
#define CT_DATE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "ct_reason.h"

typedef enum CtDateOrder
{
	CT_DATE_ORDER_UNKNOWN = 0,	/* no region: ambiguous dates are rejected */
	CT_DATE_DMY,
	CT_DATE_MDY,
	CT_DATE_YMD
} CtDateOrder;

/* Excel's two-digit year rule: 00..29 are 2000..2029, 30..99 1930..1999. */
#define CT_DATE_PIVOT_DEFAULT 29

typedef struct CtDateRules
{
	CtDateOrder order;
	int			pivot;			/* 0..99: two-digit years up to it are 20yy */
	bool		serials;		/* read Excel serial day numbers */
} CtDateRules;

typedef struct CtDate
{
	int			year;
	int			month;
	int			day;
	bool		has_time;
	int			hour;
	int			minute;
	int			second;
	int			usec;
} CtDate;

/* Room for the longest ct_date_format() result and its NUL. */
#define CT_DATE_BUF 32

extern const CtReason ct_date_unreadable;
extern const CtReason ct_date_impossible;
extern const CtReason ct_date_ambiguous;
extern const CtReason ct_date_incomplete;
extern const CtReason ct_date_bad_time;
extern const CtReason ct_date_serial_range;
extern const CtReason ct_date_year_range;
extern const CtReason ct_birth_date_future;
extern const CtReason ct_birth_date_too_old;

/*
 * The usual order of dates in a country (ISO 3166 alpha-2, any case): MDY
 * for the United States and its territories, YMD for China, Japan, Korea,
 * Taiwan, Hungary, Lithuania, Mongolia, DMY elsewhere; unknown for NULL, an
 * empty code and ZZ.
 */
extern CtDateOrder ct_date_order_for_region(const char *region);

/* "DMY", "MDY", "YMD" (any case) -> order; -1 for anything else. */
extern int	ct_date_order_from_name(const char *name);
extern const char *ct_date_order_name(CtDateOrder order);

/* Whether y-m-d is a day of the proleptic Gregorian calendar (years 1..9999). */
extern bool ct_date_valid(int y, int m, int d);

/*
 * Read len bytes of UTF-8 at s (surrounding spaces allowed) as a date under
 * rules.  Returns NULL and fills *out, or the reason it is not a date.
 */
extern const CtReason *ct_date_parse(const char *s, size_t len, const CtDateRules *rules,
									 CtDate *out);

/*
 * ISO 8601 text of d into buf (CT_DATE_BUF bytes): "YYYY-MM-DD", and with
 * with_time " HH:MM:SS[.ffffff]" (midnight when d has no time).  Returns the
 * length; buf is NUL-terminated.
 */
extern size_t ct_date_format(const CtDate *d, bool with_time, char *buf);

/*
 * A birth date must be in the past (not after today, given as y-m-d) and
 * not before 1900.  Returns NULL or the reason.
 */
extern const CtReason *ct_birth_date_check(const CtDate *d, int today_y, int today_m, int today_d);

#endif							/* CT_DATE_PARSE_H */

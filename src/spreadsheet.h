/*
 * spreadsheet.h
 *		Cells as spreadsheets hold them (see spreadsheet.c).
 */
#ifndef CONTACTS_SPREADSHEET_H
#define CONTACTS_SPREADSHEET_H

#include "core/ct_reason.h"
#include "core/date_parse.h"

/*
 * The date order named order_name ("DMY", "MDY", "YMD", any case; an error
 * for anything else), or when it is NULL the region's (unknown for NULL).
 */
extern CtDateOrder contacts_date_order(const char *order_name, const char *region);

/*
 * Read s[0..len) (UTF-8) as a birth date in order: two-digit years never in
 * the future, Excel serials read, and the date neither after today nor
 * before 1900.  Returns NULL and fills *date, or the reason.
 */
extern const CtReason *contacts_birth_date_read(const char *s, size_t len, CtDateOrder order,
												CtDate *date);

#endif							/* CONTACTS_SPREADSHEET_H */

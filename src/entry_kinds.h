/*
 * entry_kinds.h
 *		Check and normalize one value of a column kind through the core.
 */
#ifndef CONTACTS_ENTRY_KINDS_H
#define CONTACTS_ENTRY_KINDS_H

#include "postgres.h"

#include "utils/date.h"

#include "core/ct_reason.h"
#include "entry_config.h"

/*
 * Check value (a text datum in the database encoding, whose text in UTF-8 is
 * s[0..len), as contacts_text_utf8_view gives it) as a value of kind with
 * region (an ISO code, NUL-terminated, or NULL); dates are read in
 * date_order ("DMY", "MDY", "YMD") or, when it is NULL, the region's.  Returns NULL and sets
 * *normal to the normalized text datum, or returns why the value is invalid.
 * *normal is value itself when the value is already in normal form, so a
 * caller tells a change by comparing the two datums.  Kinds without rules
 * (ENTRY_PLAIN, ENTRY_COUNTRY) come back unchanged.
 */
extern const CtReason *entry_kind_normalize(EntryKind kind, Datum value, const char *s, size_t len,
											const char *region, const char *date_order,
											Datum *normal);

/*
 * Why a birth date already in a date column is implausible (after today,
 * before 1900), or NULL.
 */
extern const CtReason *entry_birth_date_plausible(DateADT date);

/*
 * The form of a normalized value that suppression digests are taken of
 * (emails: the provider-aware canonical key; others: the value itself).
 */
extern text *entry_kind_suppression_form(EntryKind kind, Datum normal);

#endif							/* CONTACTS_ENTRY_KINDS_H */

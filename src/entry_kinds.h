/*
 * entry_kinds.h
 *		Check and normalize one value of a column kind through the core, and
 *		the flag column's value for a row's reasons: what the entry trigger
 *		and contacts.clean() both make of a configured value.
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

/* Whether typid is text, varchar or char: the types values are typed into. */
extern bool entry_is_text_type(Oid typid);
extern char *entry_column_text(const EntryColumn *col, Datum value);

/*
 * The region phones and IDs of a row are read in: its country column
 * (upper-cased; ZZ, unknown, is none), else the table's, else NULL (then
 * the GUC's).  values and isnull are indexed by attribute number - 1.
 */
extern char *entry_row_region(const EntryConfig *cfg, const Datum *values, const bool *isnull);

/* What the check of one configured value makes of it. */
typedef enum EntryVerdict
{
	ENTRY_VALUE_UNCHECKED,		/* absent and optional, typed, or a kind without rules */
	ENTRY_VALUE_VALID,			/* *normal is its normal form */
	ENTRY_VALUE_MISSING,		/* absent (NULL or only spaces) but required */
	ENTRY_VALUE_INVALID			/* *reason says why */
} EntryVerdict;

/*
 * Check one value of configured column col of a row read in region: the
 * entry trigger's rules for every kind.  *normal is value itself when it is
 * already in normal form (or not checked), so a caller tells a change by
 * comparing the two datums.
 */
extern EntryVerdict entry_column_check(const EntryConfig *cfg, const EntryColumn *col,
									   Datum value, bool isnull, const char *region,
									   Datum *normal, const CtReason **reason);

/* Whether entry_column_check can change or refuse values of col at all. */
extern bool entry_column_checked(const EntryColumn *col);

/*
 * The flag column's value for a row: flag_reason holds a reason code (or
 * NULL) per configured column, nflagged how many are set and flagged_column
 * the last of them; duplicate_of the key of a row this one duplicates, or
 * NULL.  Returns false when there is nothing to say (the column is NULL).
 */
extern bool entry_flags(EntryConfig *cfg, const char **flag_reason, int nflagged,
						int flagged_column, const char *duplicate_of, Datum *flags);

#endif							/* CONTACTS_ENTRY_KINDS_H */

/*
 * match_keys.h
 *		Normalized keys of contact values for blocking and comparison.
 *
 * A key is a short ASCII string such that two spellings of the same value
 * give the same key (two ways of writing one phone number, one Gmail
 * mailbox, one company).  Keys are what the dedupe blocks on (equal keys
 * make candidate pairs) and what the comparison levels test.  Every
 * function writes a NUL-terminated key of at most CT_KEY_MAX - 1 bytes into
 * out and returns its length, 0 when the value yields no key (empty,
 * unparseable).
 */
#ifndef CT_MATCH_KEYS_H
#define CT_MATCH_KEYS_H

#include <stddef.h>

#include "ct_alloc.h"

#define CT_KEY_MAX 128

typedef enum CtKeyKind
{
	CT_KEY_EMAIL,				/* canonical mailbox */
	CT_KEY_PHONE,				/* international digits, no extension */
	CT_KEY_PHONETIC,			/* phonetic code of each word, in order */
	CT_KEY_COMPANY,				/* folded name without legal form */
	CT_KEY_NATIONAL_ID,			/* compact normalized document number */
	CT_KEY_POSTCODE,			/* upper case alphanumerics */
	CT_KEY_DATE,				/* YYYYMMDD */
	CT_KEY_FOLD,				/* fold(): lower case, no accents, one space */
	CT_KEY_IDENTIFIER,			/* upper case alphanumerics, as postcodes */
	CT_KEY_COUNT
} CtKeyKind;

/* The SQL name of a key kind ("email", "phone", ...), and back (-1: unknown). */
extern const char *ct_key_kind_name(CtKeyKind kind);
extern int	ct_key_kind_from_name(const char *name);

/*
 * The key of kind for value (UTF-8, len bytes).  region is an ISO 3166
 * alpha-2 code or NULL: it decides the country of national phone numbers,
 * national IDs and the day/month order of dates (month first for US).
 */
extern size_t ct_match_key(CtKeyKind kind, const char *value, size_t len,
						   const char *region, char *out, const CtAllocator *alloc);

#endif							/* CT_MATCH_KEYS_H */

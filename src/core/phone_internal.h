/*
 * phone_internal.h
 *		Helpers shared by the phone engine's source files (not public API).
 */
#ifndef PHONE_INTERNAL_H
#define PHONE_INTERNAL_H

#include "phone.h"
#include "phone_tables.h"

/* Capture slots for the backtracking machine: group k at [2k], [2k+1]. */
#define PHONE_MAX_GROUPS 9
#define PHONE_CAPS (2 * (PHONE_MAX_GROUPS + 1))

/* libphonenumber's TestNumberLength outcomes (ValidationResult). */
typedef enum PhoneLengthResult
{
	PHONE_LENGTH_POSSIBLE,
	PHONE_LENGTH_POSSIBLE_LOCAL_ONLY,
	PHONE_LENGTH_TOO_SHORT,
	PHONE_LENGTH_INVALID,
	PHONE_LENGTH_TOO_LONG
} PhoneLengthResult;

/* Does the DFA starting at state dfa accept the digit string (see phone_tables.h)? */
extern bool ct_phone_dfa_match(uint32_t dfa, const char *digits, size_t len);

/*
 * Run a backtracking program on a digit string from its start.  full: the
 * match must end at len.  On success caps[1] is the match end and
 * caps[2k], caps[2k+1] bound group k (-1 if it did not take part).
 */
extern bool ct_phone_program_match(PhoneProgram prog, const char *digits,
								int len, bool full, int caps[PHONE_CAPS]);

extern const PhoneTerritory *ct_phone_territory_for_region(const char *region,
														size_t len);
extern const PhoneTerritory *ct_phone_territory_for_country_code(int country_code);
extern const PhoneCallingCode *ct_phone_calling_code(int country_code);

extern bool ct_phone_matches_desc(const char *nsn, size_t len,
							   const PhoneDesc *desc);
extern PhoneType ct_phone_type_for_territory(const char *nsn, size_t len,
										  const PhoneTerritory *t);
extern PhoneLengthResult ct_phone_test_length(size_t len, const PhoneTerritory *t);

/* ct_phone_check on the NSN's digits (len of them) under a calling code. */
extern const CtReason *ct_phone_check_nsn(int country_code, const char *nsn,
									   size_t len);

/*
 * libphonenumber's MaybeStripNationalPrefixAndCarrierCode: if the national
 * number digits (len digits) has a national prefix to strip, write the rest
 * into out (capacity cap, NUL-ended), its length into *out_len, and say so.
 */
extern bool ct_phone_strip_national_prefix(const PhoneTerritory *t,
										const char *digits, size_t len,
										char *out, size_t *out_len, size_t cap);

#endif							/* PHONE_INTERNAL_H */

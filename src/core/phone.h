/*
 * phone.h
 *		The phone number engine: parse, validate, classify and format
 *		telephone numbers with libphonenumber's semantics, driven by numbering
 *		tables generated from libphonenumber's PhoneNumberMetadata.xml
 *		(tools/gen_phone_metadata.py writes src/core/phone_metadata.c).
 *
 * All functions are pure and reentrant: input is UTF-8 with an explicit
 * length, output goes to caller-supplied buffers, nothing is allocated.
 *
 * Region codes are ISO 3166-1 alpha-2 ("US", "GB"), "001" for the
 * non-geographic entities (+800, +808, +870, +878, +881, +882, +883, +888,
 * +979) and "ZZ" for "unknown".  Region arguments are accepted in either case.
 */
#ifndef PHONE_H
#define PHONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct_reason.h"

#ifdef __cplusplus
extern "C"
{
#endif

/* Longest national significant number (ITU-T E.164 allows 15; metadata 17). */
#define PHONE_MAX_NSN_DIGITS 17
/* Longest extension libphonenumber accepts (after an explicit label). */
#define PHONE_MAX_EXTENSION_DIGITS 20
/* Longest input parsed; longer input is TOO_LONG, as in libphonenumber. */
#define PHONE_MAX_INPUT_BYTES 250
/*
 * Buffer size that always suffices for ct_phone_format() in any format:
 * "tel:+" cc(3) "-" nsn with separators and national prefix (<= 40),
 * ";ext=" or a preferred extension prefix, extension (20), NUL.
 */
#define PHONE_FORMAT_BUFSIZE 96

/*
 * A parsed number, libphonenumber's PhoneNumber without the raw input.  Two
 * numbers are the same number iff all fields are equal.  The order of
 * numbers is the contacts.phone type's, defined once on its stored form
 * (phone_cmp_internal in src/phone.c): it is what btree indexes hold.
 */
typedef struct PhoneNumber
{
	uint64_t	national_number;	/* NSN digits as an integer, without the
									 * leading zeros below */
	uint16_t	country_code;	/* country calling code, 1..999 */
	uint8_t		leading_zeros;	/* zeros written before national_number
								 * (Italy: 02 1234 5678 -> 1); 0 if none */
	uint8_t		extension_len;	/* digits in extension, 0 if none */
	char		extension[PHONE_MAX_EXTENSION_DIGITS + 1];	/* ASCII digits,
															 * NUL-terminated */
} PhoneNumber;

typedef enum PhoneType
{
	PHONE_TYPE_FIXED_LINE,
	PHONE_TYPE_MOBILE,
	PHONE_TYPE_FIXED_LINE_OR_MOBILE,	/* cannot tell (e.g. NANP) */
	PHONE_TYPE_TOLL_FREE,
	PHONE_TYPE_PREMIUM_RATE,
	PHONE_TYPE_SHARED_COST,
	PHONE_TYPE_VOIP,
	PHONE_TYPE_PERSONAL_NUMBER,
	PHONE_TYPE_PAGER,
	PHONE_TYPE_UAN,
	PHONE_TYPE_VOICEMAIL,
	PHONE_TYPE_UNKNOWN
} PhoneType;

#define PHONE_TYPE_COUNT (PHONE_TYPE_UNKNOWN + 1)

typedef enum PhoneFormat
{
	PHONE_FORMAT_E164,			/* +541112345678 (never an extension) */
	PHONE_FORMAT_INTERNATIONAL, /* +54 11 1234-5678 ext. 12 */
	PHONE_FORMAT_NATIONAL,		/* 011 1234-5678 ext. 12 */
	PHONE_FORMAT_RFC3966		/* tel:+54-11-1234-5678;ext=12 */
} PhoneFormat;

/*
 * Reasons (CtReason.code) the engine reports:
 *	 NOT_A_NUMBER			no phone number in the text (ct_phone_parse)
 *	 INVALID_COUNTRY_CODE	unknown calling code, or no "+" and no usable
 *							default region (ct_phone_parse, ct_phone_check)
 *	 TOO_SHORT				too few digits (ct_phone_parse, ct_phone_check)
 *	 TOO_LONG				too many digits (ct_phone_parse, ct_phone_check)
 *	 INVALID_LENGTH			a length the region never uses (ct_phone_check)
 *	 INVALID_FOR_REGION		possible length, but matches no number range of
 *							its region (ct_phone_check)
 *	 INVALID_REGION			a region argument that is neither a supported region
 *							code nor ZZ (ct_phone_region_reason only: parse itself
 *							treats any other default region as "no default
 *							region", like libphonenumber)
 */

/*
 * Parse text (UTF-8, len bytes) as a phone number.  default_region (may be
 * NULL or "", length region_len) is the region assumed for numbers written
 * without an international prefix.  Returns NULL and fills *out on success,
 * else the reason.  *out is zeroed first (padding included).  A successful
 * parse does not mean the number is valid: see ct_phone_check.
 */
extern const CtReason *ct_phone_parse(const char *text, size_t len,
								   const char *default_region, size_t region_len,
								   PhoneNumber *out);

/* Possible: the length fits the country's numbering plan (incl. local-only). */
extern bool ct_phone_is_possible(const PhoneNumber *num);

/* Valid: matches a number range of its region (libphonenumber isValidNumber). */
extern bool ct_phone_is_valid(const PhoneNumber *num);

/*
 * NULL if the number is valid, else why not: INVALID_COUNTRY_CODE, TOO_SHORT,
 * TOO_LONG, INVALID_LENGTH (from the possible-length check) or
 * INVALID_FOR_REGION.
 */
extern const CtReason *ct_phone_check(const PhoneNumber *num);

/*
 * ct_phone_parse, then ct_phone_check: NULL (and *out filled) iff the text is a
 * valid number, else the reason.  What an entry check asks of every value.
 */
extern const CtReason *ct_phone_parse_valid(const char *text, size_t len,
										 const char *default_region,
										 size_t region_len, PhoneNumber *out);

/* Convenience: parse + check, NULL iff the text is a valid number. */
extern const CtReason *ct_phone_check_text(const char *text, size_t len,
										const char *default_region,
										size_t region_len);

extern PhoneType ct_phone_type(const PhoneNumber *num);

/* "FIXED_LINE", "MOBILE", ... "UNKNOWN" (libphonenumber's enum names). */
extern const char *ct_phone_type_name(PhoneType type);

/*
 * The region a number belongs to: "US", "CA", "GG", "001" (non-geographic),
 * or "ZZ" when no region of its calling code claims it.  Static string.
 */
extern const char *ct_phone_region(const PhoneNumber *num);

/*
 * Write num in the given format into buf (NUL-terminated, truncated to
 * bufsize).  Returns the full length (like snprintf); PHONE_FORMAT_BUFSIZE
 * always suffices.
 */
extern size_t ct_phone_format(const PhoneNumber *num, PhoneFormat format,
						   char *buf, size_t bufsize);

/* Parse a format name, case-insensitively: E164, INTERNATIONAL, NATIONAL, RFC3966. */
extern bool ct_phone_format_from_name(const char *name, size_t len,
								   PhoneFormat *out);
extern const char *ct_phone_format_name(PhoneFormat format);

/*
 * The national significant number as digits (with Italian leading zeros)
 * into buf (at least PHONE_MAX_NSN_DIGITS + 1 bytes); returns its length.
 * A PhoneNumber built by hand with more digits than that (ct_phone_parse never
 * makes one) is cut to PHONE_MAX_NSN_DIGITS here, and ct_phone_check calls it
 * TOO_LONG, ct_phone_is_possible and ct_phone_is_valid false.
 */
extern size_t ct_phone_national_significant_number(const PhoneNumber *num,
												char *buf);

/* Regions */

/* Whether region (len bytes, any case) is a region code in the metadata. */
extern bool ct_phone_region_is_supported(const char *region, size_t len);

/*
 * Whether region names no region: NULL or "ZZ" (any case), libphonenumber's
 * "unknown region".  Every region argument treats the two alike: no default
 * region of its own (a caller with a fallback, such as contacts.default_region,
 * falls back for both).
 */
extern bool ct_phone_region_is_unknown(const char *region, size_t len);

/*
 * NULL if region may be given as a default region (a supported region or an
 * unknown one, see ct_phone_region_is_unknown), else the INVALID_REGION reason.
 */
extern const CtReason *ct_phone_region_reason(const char *region, size_t len);

/* Country calling code of a supported region ("AR" -> 54), else 0. */
extern int	ct_phone_country_code_for_region(const char *region, size_t len);

/* Main region of a calling code (1 -> "US", 44 -> "GB", 800 -> "001"), else "ZZ". */
extern const char *ct_phone_main_region_for_country_code(int country_code);

/* Metadata */

/* e.g. "libphonenumber metadata commit f7e3e88c92b9 (2026-07-17, v9.0.35 era)" */
extern const char *ct_phone_metadata_version(void);

#ifdef __cplusplus
}
#endif

#endif							/* PHONE_H */

/*
 * phone_type.h
 *		The on-disk form of contacts.phone and what the glue shares about it.
 *
 * A phone is stored as a fixed 24-byte struct (pass by reference, double
 * alignment): the national significant number as an integer together with
 * its digit count (so Italian leading zeros survive: 0612345678 is 10 digits
 * of value 612345678), the country calling code, and the extension as packed
 * decimal digits.  Fixed size keeps comparison and hashing branch-light and
 * makes the btree tuple small; every value is built zeroed by
 * contacts_phone_from_number(), so unused extension nibbles and padding are zero.
 */
#ifndef CONTACTS_PHONE_TYPE_H
#define CONTACTS_PHONE_TYPE_H

#include "postgres.h"

#include "fmgr.h"

#include "core/phone.h"

typedef struct Phone
{
	uint64		national_number;	/* national significant number as an integer */
	uint16		country_code;	/* 1..999 */
	uint8		leading_zeros;	/* zeros written before national_number (Italy) */
	uint8		extension_len;	/* extension digits, 0 when there is none */
	uint8		extension[PHONE_MAX_EXTENSION_DIGITS / 2];	/* two digits a byte, high nibble first */
} Phone;

#define DatumGetPhoneP(d)		((Phone *) DatumGetPointer(d))
#define PhonePGetDatum(p)		PointerGetDatum(p)
#define PG_GETARG_PHONE_P(n)	DatumGetPhoneP(PG_GETARG_DATUM(n))
#define PG_RETURN_PHONE_P(p)	return PhonePGetDatum(p)

/* "+" 3 digits, 17 digits, ";ext=", 20 digits, NUL */
#define PHONE_E164_BUFSIZE (1 + 3 + PHONE_MAX_NSN_DIGITS + 5 + PHONE_MAX_EXTENSION_DIGITS + 1)

/* A palloc'd (zeroed) phone holding the engine's number. */
extern Phone *contacts_phone_from_number(const PhoneNumber *number);

/* The engine's number for a stored phone (to format, classify or locate it). */
extern void contacts_phone_to_number(const Phone *phone, PhoneNumber *number);

/*
 * reason, or for a national form parsed without any region
 * (INVALID_COUNTRY_CODE with region NULL) a copy with a hint that says how
 * to give one in the caller's syntax.
 */
extern const CtReason *contacts_phone_hint_for_region(const CtReason *reason,
											 const char *region,
											 const char *hint);

/* contacts.default_region, or NULL when it is empty. */
/*
 * A number as the type writes it: E.164, then ";ext=" and the extension when
 * it has one, into buf (PHONE_E164_BUFSIZE bytes).  Returns the length.
 */
extern size_t contacts_phone_number_e164_ext(const PhoneNumber *number, char *buf);

extern const char *contacts_phone_default_region(void);
extern const char *contacts_phone_region_for(const char *number, size_t len);

#endif							/* CONTACTS_PHONE_TYPE_H */

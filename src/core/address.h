/*
 * address.h
 *		A postal address line taken apart for comparison: street type, street
 *		name, house number and unit (floor, door, flat).
 *
 * The input is a fold()ed address ("avda. de la constitucion, 12, 3o b",
 * "flat 3, 12 high st").  Street types are reduced to one spelling per type
 * (Av./Avda./Avenida -> "av", St/Street -> "st", C./C/Calle -> "calle",
 * Pza./Plaza -> "plaza", Pº/Paseo -> "paseo", ...), the little words of a
 * street name ("de", "la", "the") are dropped, a letter after the house
 * number ("12B", "12 B") goes to the unit, and the unit keeps its numbers and
 * letters without the words that announce them ("piso", "puerta", "flat",
 * "apt") or ordinal endings ("3º", "1st").  What follows the unit (a
 * postcode, a city) is left out.  A house number typed with look-alike
 * letters ("I34", "l95") is read as digits.
 */
#ifndef CT_ADDRESS_H
#define CT_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "ct_alloc.h"

#define CT_ADDRESS_PART_MAX 96

typedef struct CtAddress
{
	char		type[16];		/* canonical street type, "" when none */
	char		street[CT_ADDRESS_PART_MAX];	/* name words, space separated */
	size_t		street_len;
	char		number[16];		/* house number digits, "" when none */
	char		unit[32];		/* floor, door, flat: digits and letters */
	/* all the letters and all the digits of the text, spaces left out */
	char		letters[CT_ADDRESS_PART_MAX];
	char		digits[32];
} CtAddress;

extern void ct_address_parse(const char *folded, size_t len, CtAddress *out);

/* How two addresses compare, best first. */
typedef enum CtAddressAgreement
{
	CT_ADDRESS_SAME,			/* street, number and unit */
	CT_ADDRESS_UNIT_MISSING,	/* street and number, one side without unit */
	CT_ADDRESS_STREET_TYPO,		/* unit compatible, street or number a typo
								 * away (a space added or lost, two digits
								 * of the number swapped) */
	CT_ADDRESS_OTHER_UNIT,		/* street and number, another unit */
	CT_ADDRESS_NUMBER_MISSING,	/* street, one side (or both) without number */
	CT_ADDRESS_OTHER_NUMBER,	/* street, another house number */
	CT_ADDRESS_DIFFERENT
} CtAddressAgreement;

extern CtAddressAgreement ct_address_compare(const CtAddress *a, const CtAddress *b,
											 const CtAllocator *alloc);

#endif							/* CT_ADDRESS_H */

/*
 * national_id.h
 *		Validation and normalization of national identity and tax numbers.
 *
 * A document is named by its country (ISO 3166-1 alpha-2) and its kind
 * ("DNI", "CUIT", "CPF"...).  The normalized form is the compact one: no
 * separators, ASCII letters upper case, leading zeros restored where the
 * document has a fixed length.  Two spellings of the same number normalize to
 * the same string, which makes it a duplicate key.
 */
#ifndef CT_NATIONAL_ID_H
#define CT_NATIONAL_ID_H

#include <stdbool.h>
#include <stddef.h>

#include "ct_reason.h"

/* Longest normalized value (CO NIT: 15 digits + check digit), with room. */
#define CT_NATIONAL_ID_MAX 32

/* Reasons a call itself is wrong (as opposed to the value). */
extern const CtReason ct_id_unsupported_country;
extern const CtReason ct_id_unknown_kind;

/*
 * Check value (UTF-8, vlen bytes) as a document of the given country and kind
 * (kind NULL: detect it from the value's shape, see ct_national_id_detect).
 * On success returns NULL, writes the NUL-terminated normalized value into out
 * (CT_NATIONAL_ID_MAX bytes) and the canonical kind name into *kind_out (if
 * not NULL).  Otherwise returns the reason: ct_id_unsupported_country,
 * ct_id_unknown_kind, or one about the value.
 */
extern const CtReason *ct_national_id_normalize(const char *country,
												const char *kind,
												const char *value, size_t vlen,
												char *out,
												const char **kind_out);

/*
 * The document kinds known for a country, as a NULL-terminated array of
 * canonical names, or NULL if the country is not supported.
 */
extern const char *const *ct_national_id_kinds(const char *country);

#endif							/* CT_NATIONAL_ID_H */

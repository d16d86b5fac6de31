/*
 * company.h
 *		Display form and comparison key of company names.
 */
#ifndef CT_COMPANY_H
#define CT_COMPANY_H

#include <stddef.h>

#include "ct_alloc.h"

/*
 * Display form: trimmed, one space between words, no space before a comma
 * and one after, and a trailing legal form written the usual way ("s.a. de
 * c.v." -> "S.A. de C.V.", "gmbh" -> "GmbH", "inc" -> "Inc.").  The rest of
 * the name keeps the case it was typed in (ACME, eBay).  NUL-terminated,
 * from the allocator; NULL only if it fails.
 */
extern char *ct_normalize_company(const CtAllocator *alloc, const char *s, size_t len,
								  size_t *outlen);

/*
 * Comparison key: fold()ed, punctuation dropped, spelled-out initials joined
 * ("I.B.M." and "I B M" -> "ibm"), "&", "+", "and", "y", "e", "und", "et"
 * between words unified to "&", a leading "the" dropped, and trailing legal
 * forms (S.A., S.L., Inc., GmbH, Ltd ...) and words like "company" removed,
 * repeatedly ("Pérez y Cía. S.A." -> "perez").  A name made only of legal
 * words keeps them.  NUL-terminated, from the allocator.
 */
extern char *ct_company_key(const CtAllocator *alloc, const char *s, size_t len,
							size_t *outlen);

#endif							/* CT_COMPANY_H */

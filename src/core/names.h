/*
 * names.h
 *		Display form of person names, and their given and family parts.
 */
#ifndef CT_NAMES_H
#define CT_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "ct_alloc.h"

/*
 * The display form of a person's name: NFC, trimmed, one space between
 * words, ", " after a comma, proper case (see name_case.c for the rules),
 * accents kept as typed.  Returns NUL-terminated UTF-8 from the allocator
 * (NULL only if it fails) and its length in *outlen.  Idempotent.
 */
extern char *ct_normalize_name(const CtAllocator *alloc, const char *s, size_t len,
							   size_t *outlen);

/* The parts of a name; each NULL when absent.  All from the allocator. */
typedef struct CtNameParts
{
	char	   *given_names;	/* "María de los Ángeles" */
	char	   *family_names;	/* "García de la Torre" */
	char	   *first_family;	/* "García" */
	char	   *second_family;	/* "de la Torre" */
	char	   *suffix;			/* "Jr.", "III" */
} CtNameParts;

/*
 * Split a name (normalized first) into given and family names: "Family,
 * Given" when there is a comma, else given names first.  Particles stay with
 * the word they precede.  With three or more words the last two are taken as
 * the two family names (Spanish and Portuguese use), unless the next to last
 * is a known given name and the last is not ("John Michael Smith").
 * Returns false only if the allocator fails.
 */
extern bool ct_name_parts(const CtAllocator *alloc, const char *s, size_t len,
						  CtNameParts *parts);

/* Is the word (any case, UTF-8) a name particle such as de, van, von, y? */
extern bool ct_name_is_particle(const char *word, size_t len);

#endif							/* CT_NAMES_H */

/*
 * nicknames.h
 *		Nicknames of given names, and the given-name lexicon.
 *
 * The tables live in the generated nicknames.c, the lookups in
 * name_lexicon.c; every string in the tables is
 * fold()ed (lower case, no accents), so lookups take fold()ed tokens.
 */
#ifndef CT_NICKNAMES_H
#define CT_NICKNAMES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * One (nickname, formal name) pair; formal names also pair with themselves.
 * The formal name is an index into ct_formal_names, so that two names'
 * formal names are intersected by comparing integers.
 */
typedef struct CtNickname
{
	const char *name;
	unsigned short formal;
} CtNickname;

/* Sorted bytewise. */
extern const char *const ct_formal_names[];
extern const size_t ct_formal_names_count;

/* Sorted by name (bytewise), then formal. */
extern const CtNickname ct_nicknames[];
extern const size_t ct_nicknames_count;

/*
 * Every name in the table is ASCII and starts with two letters (or is one
 * letter): the names with prefix c0 c1 start at ct_nicknames_by_prefix[(c0 -
 * 'a') * 27 + c1 - 'a' + 1] (a one-letter name c0 at [(c0 - 'a') * 27]) and
 * end where the next prefix starts.
 */
extern const unsigned short ct_nicknames_by_prefix[26 * 27 + 1];

/* Sorted bytewise; single-word given names only. */
extern const char *const ct_given_names[];
extern const size_t ct_given_names_count;

/*
 * The entries whose name is the given key: returns how many and sets *first
 * to the first of them (0 when the name is not in the table).
 */
extern size_t ct_nickname_find(const char *key, size_t len, const CtNickname **first);

/*
 * True when a and b (fold()ed) are the same given name in different forms:
 * one is a nickname of the other, or both are nicknames of the same formal
 * name (Bill and Will for William).  Equal strings are related only when the
 * name is in the table.
 */
extern bool ct_nickname_related(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Every form of the given name key (fold()ed): its formal names and all
 * their nicknames, the key itself included when it is in the table.  Stores
 * at most cap pointers to table strings in out, sorted and distinct; returns
 * how many there are in all.
 */
extern size_t ct_nickname_variants(const char *key, size_t len, const char **out, size_t cap);

/* True when the fold()ed word is a known given name (formal form). */
extern bool ct_is_given_name(const char *key, size_t len);

#endif							/* CT_NICKNAMES_H */

/*
 * name_search.h
 *		Keys of text values for the fuzzy name operators and their indexes.
 */
#ifndef CONTACTS_NAME_SEARCH_H
#define CONTACTS_NAME_SEARCH_H

#include "postgres.h"

#include "core/name_grams.h"

/*
 * The sorted distinct keys an index stores for a text value (palloc'd; NULL
 * when none).
 */
extern NameKey *name_search_text_keys(text *t, int *nkeys);

/* The keys an index looks up for a query text, with what each tells (palloc'd). */
extern NameQuery *name_search_text_query(text *t);

#endif							/* CONTACTS_NAME_SEARCH_H */

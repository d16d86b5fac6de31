/*
 * duplicates.h
 *		The one answer to "is this value a duplicate of an existing row?",
 *		for the entry trigger, contacts.duplicate_of() (imports, upserts) and
 *		merges (which lock the values they move into alternates).
 *
 * A value of a configured column is a duplicate when another row holds the
 * same duplicate key in that column, or as an alternate of its kind (kept
 * by a merge in an array column or in contacts.alternate).  The key is the
 * column's normal form, for emails contacts.email_key() or, with the
 * table's email_duplicate_key = 'email_canonical', email_canonical_key().
 * Lookups take an advisory lock on (table, column, key) first, so that two
 * writers of the same key, or a writer and a merge moving it, take turns.
 */
#ifndef CONTACTS_DUPLICATES_H
#define CONTACTS_DUPLICATES_H

#include "postgres.h"

#include "utils/relcache.h"

#include "entry_config.h"

/*
 * The duplicate key of a normalized value of col (text in the database
 * encoding), or NULL when it has none (an email that is not an address).
 */
extern char *contacts_duplicate_key(const EntryConfig *cfg, const EntryColumn *col,
									const char *value);

/*
 * Lock (table, col, key) until the transaction ends, so that two writers of
 * one key cannot both miss each other.  Past KEY_LOCKS_PER_TABLE keys of a
 * table in one transaction (a bulk load), the table is locked instead
 * (SHARE ROW EXCLUSIVE, which every writer's lock conflicts with): the lock
 * table, shared by every session, holds some thousands of locks only.
 */
#define KEY_LOCKS_PER_TABLE 512
extern void contacts_duplicate_lock(EntryConfig *cfg, Oid relid, const EntryColumn *col, const char *key);

/*
 * The key (as text) of a row of rel other than own_key (may be NULL) that
 * holds key in col or as an alternate (rows holding it in col first), or
 * NULL; *alternate (when not NULL) tells which.  With lock, the key is
 * locked first.  SPI must be connected; reads as the table's owner.
 */
extern char *contacts_duplicate_find(EntryConfig *cfg, EntryColumn *col, Relation rel,
									 const char *key, const char *own_key, bool lock,
									 bool *alternate);

/*
 * The key of the survivor other than own_key that keeps key as an
 * alternate of col's kind, or NULL; it does not look at col itself, so
 * needs no index on it.  SPI must be connected.
 */
extern char *contacts_alternate_find(EntryConfig *cfg, EntryColumn *col, Relation rel,
									 const char *key, const char *own_key);

/*
 * Lock the key of a normalized value of kind ("email", "phone",
 * "national_id") in every duplicate-key column of that kind: what a merge
 * does before it makes the value an alternate.
 */
extern void contacts_duplicate_lock_value(EntryConfig *cfg, Oid relid, const char *kind,
										  const char *value);

/* The alternates kind of a column ("email", "phone", "national_id"), or NULL. */
extern const char *contacts_alternate_kind(EntryKind kind);

#endif							/* CONTACTS_DUPLICATES_H */

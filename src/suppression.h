/*
 * suppression.h
 *		The suppression list as C code (the entry trigger) consults it.
 */
#ifndef CONTACTS_SUPPRESSION_H
#define CONTACTS_SUPPRESSION_H

#include "postgres.h"

/* True when nobody is on the list: callers can skip preparing a lookup. */
extern bool contacts_suppression_list_empty(void);

/*
 * True when the normalized value of kind ("email", "phone", "national_id")
 * is on contacts.suppression.  Emails must be in canonical-key form.
 */
extern bool contacts_is_suppressed(const char *kind, text *normal_value);

/*
 * The same on a Citus worker, for the entry trigger on a shard: under the
 * coordinator's key, in its list's copy (contacts.citus_suppression), read
 * from the relations named (contacts_citus_copy()).
 */
extern bool contacts_is_suppressed_on_citus(const char *kind, text *normal_value,
											const char *list_copy, const char *key_copy);

/* Forget the loaded suppression list when relid is its table (or InvalidOid). */
extern void contacts_suppression_invalidate(Oid relid);

#endif							/* CONTACTS_SUPPRESSION_H */

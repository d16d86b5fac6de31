/*
 * entry_trigger.h
 *		What the rest of the glue needs of the entry trigger (entry_trigger.c).
 */
#ifndef CONTACTS_ENTRY_TRIGGER_H
#define CONTACTS_ENTRY_TRIGGER_H

#include "postgres.h"

#include "executor/spi.h"

/*
 * Execute plan (an UPDATE of relid) with contacts.enforce() letting the rows
 * it updates in relid through as written: contacts.clean() writes what the
 * trigger's own rules decided, under the table's on_invalid policy, and
 * undo_clean() restores what clean replaced; the trigger must neither
 * normalize those values again nor refuse them.  Only for the duration of
 * this one statement; the change feed still publishes the updates.
 */
extern uint64 contacts_enforce_execute_passing(Oid relid, SPIPlanPtr plan, const Datum *values,
											   const char *nulls, int expected);

#endif							/* CONTACTS_ENTRY_TRIGGER_H */
